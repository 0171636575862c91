using Herenow.Api;
using Herenow.Api.Accounts;
using Herenow.Api.Admin;
using Herenow.Api.Checkins;
using Herenow.Api.Federation;
using Herenow.Api.Feeds;
using Herenow.Api.Health;
using Herenow.Api.Media;
using Herenow.Api.Places;
using Herenow.Api.Sessions;
using Herenow.Api.Streaming;
using Herenow.Api.WebClient;

var builder = WebApplication.CreateBuilder(args);
builder.AddHerenowApi();
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
