using System.Text.Json;
using System.Text.RegularExpressions;

namespace Herenow.Tests.Deployment;

/// <summary>A Dockerfile's instructions (continuation lines joined, comments dropped), enough to check what it names.</summary>
public sealed record Dockerfile(IReadOnlyList<(string Instruction, string Arguments)> Instructions)
{
    public static Dockerfile Parse(string relativePath)
    {
        var instructions = new List<(string, string)>();
        var pending = "";
        foreach (var raw in RepoFiles.Read(relativePath).Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (pending.Length == 0 && (line.TrimStart().StartsWith('#') || line.Trim().Length == 0))
            {
                continue;
            }
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }
            var full = (pending + line).Trim();
            pending = "";
            var space = full.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add((full[..space].ToUpperInvariant(), full[(space + 1)..].Trim()));
        }
        return new Dockerfile(instructions);
    }

    public IEnumerable<string> All(string instruction) =>
        Instructions.Where(i => i.Instruction == instruction).Select(i => i.Arguments);

    /// <summary>The stages' base images, in order.</summary>
    public IReadOnlyList<string> BaseImages => All("FROM").Select(a => a.Split(' ')[0]).ToList();

    /// <summary>COPY instructions from the build context (not --from another stage): their sources and destination.</summary>
    public IEnumerable<(string[] Sources, string Destination)> ContextCopies =>
        All("COPY").Select(a => a.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => !parts.Any(p => p.StartsWith("--from=", StringComparison.Ordinal)))
            .Select(parts => parts.Where(p => !p.StartsWith("--", StringComparison.Ordinal)).ToArray())
            .Select(parts => (parts[..^1], parts[^1]));

    /// <summary>ENV of the final stage, both the key=value and the legacy "key value" forms.</summary>
    public IReadOnlyDictionary<string, string> Environment
    {
        get
        {
            var lastStage = Instructions.ToList().FindLastIndex(i => i.Instruction == "FROM");
            return Instructions.Skip(lastStage).Where(i => i.Instruction == "ENV")
                .SelectMany(i => Regex.Matches(i.Arguments, @"(\w+)=(\S+)").Select(m => (m.Groups[1].Value, m.Groups[2].Value)))
                .ToDictionary(p => p.Item1, p => p.Item2);
        }
    }

    /// <summary>An exec-form (JSON array) instruction's arguments. Docker runs invalid JSON through a shell instead, silently.</summary>
    public static string[] ExecForm(string arguments) =>
        JsonSerializer.Deserialize<string[]>(arguments) ?? throw new FormatException("not a JSON array: " + arguments);
}
