namespace Herenow.Chaos;

/// <summary>Named pass/fail checks, printed as they are decided; the run's exit status is theirs.</summary>
public sealed class Checks(Action<string> say)
{
    public int Passed { get; private set; }
    public int Failed { get; private set; }

    public void That(string name, bool holds, string detail)
    {
        if (holds) Passed++; else Failed++;
        say($"{(holds ? "PASS" : "FAIL")} {name} ({detail})");
    }
}
