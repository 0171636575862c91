using System.Globalization;
using System.Runtime.InteropServices;

namespace Herenow.Bench.Reporting;

/// <summary>The machine a result was measured on, from /proc (Linux); "unknown" where it cannot be read.</summary>
public static class MachineProbe
{
    public static MachineInfo Read() => new(Environment.ProcessorCount, CpuModel(), RamGb(),
        RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription);

    private static string CpuModel() => Lines("/proc/cpuinfo")
        .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
        .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
        .FirstOrDefault() ?? "unknown";

    private static double RamGb()
    {
        var line = Lines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return kb is null ? 0 : Math.Round(double.Parse(kb, CultureInfo.InvariantCulture) / 1024 / 1024, 1);
    }

    private static string[] Lines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];
}
