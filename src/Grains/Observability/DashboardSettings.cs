using Microsoft.Extensions.Configuration;

namespace Herenow.Grains.Observability;

/// <summary>
/// Herenow:Dashboard:Enabled — the Orleans Dashboard, off unless set. Silos and the API must agree: the silos host its
/// grains and call profiler, the API serves its UI on the admin port.
/// </summary>
public static class DashboardSettings
{
    public const string EnabledKey = "Herenow:Dashboard:Enabled";

    public static bool Enabled(IConfiguration configuration) =>
        bool.TryParse(configuration[EnabledKey], out var enabled) && enabled;
}
