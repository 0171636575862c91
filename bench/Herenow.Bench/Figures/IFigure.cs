using Herenow.Bench.Reporting;

namespace Herenow.Bench.Figures;

/// <summary>One figure of the report, selectable with --only &lt;Id&gt;.</summary>
public interface IFigure
{
    string Id { get; }

    Task<FigureResult> RunAsync(FigureContext context, CancellationToken ct);
}
