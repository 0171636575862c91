using Herenow.Api;
using Herenow.Api.Accounts;
using Herenow.Api.Admin;
using Herenow.Api.Checkins;
using Herenow.Api.Cluster;
using Herenow.Api.Federation;
using Herenow.Api.Feeds;
using Herenow.Api.Health;
using Herenow.Api.Media;
using Herenow.Api.Places;
using Herenow.Api.Sessions;
using Herenow.Api.Streaming;
using Herenow.Api.WebClient;
using Herenow.Grains.Database;
using Herenow.Silo;

args = CoHosting.StripArgument(args, out var coHostArgument);
var builder = WebApplication.CreateBuilder(args);
if (coHostArgument) builder.Configuration[CoHosting.Key] = "true";
var coHosted = CoHosting.Enabled(builder.Configuration);
if (coHosted)
{
    // Co-hosted (ADR 0028): this process is also a full silo, as src/Silo/Program.cs would start it.
    var connectionString = DatabaseSettings.GetConnectionString(builder.Configuration);
    await DatabaseSettings.EnsureSchemaCurrentAsync(connectionString);
    builder.AddHerenowSilo(connectionString, coHosted: true);
}
builder.AddHerenowApi(coHosted);
builder.Services.AddPlaceServices();
var app = builder.Build();
app.UseHerenowApi();
// Static files at / (middleware: API endpoints always win over them).
app.UseWebClient();
app.MapHealthEndpoints();
app.MapAccountEndpoints();
app.MapSessionEndpoints();
app.MapCheckinEndpoints();
app.MapMediaEndpoints();
app.MapFeedEndpoints();
app.MapPlaceEndpoints();
app.MapStreamingEndpoints();
app.MapFederationEndpoints();
app.MapAdminEndpoints();
app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
