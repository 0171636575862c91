using Herenow.Grains.Database;
using Herenow.Silo;

if (args.Length > 0 && args[0] == "migrate")
{
    return await MigrateCommand.RunAsync(args[1..]);
}

// Content root = the build output, so appsettings.json is found wherever the silo is started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
var connectionString = DatabaseSettings.GetConnectionString(builder.Configuration);
await DatabaseSettings.EnsureSchemaCurrentAsync(connectionString);
builder.AddHerenowSilo(connectionString);

using var host = builder.Build();
await host.RunAsync();
return 0;

/// <summary>Internal: the tests reference both programs and mean the API's by Program (ASP.NET Core would make this one public).</summary>
internal sealed partial class Program;
