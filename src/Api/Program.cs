using Herenow.Api;
using Herenow.Api.Accounts;
using Herenow.Api.Health;

var builder = WebApplication.CreateBuilder(args);
builder.AddHerenowApi();

var app = builder.Build();
app.UseHerenowApi();
app.MapHealthEndpoints();
app.MapAccountEndpoints();
app.Run();

/// <summary>Entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
