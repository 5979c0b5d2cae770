using ScottPlot;

namespace Soar.Bench.LearningCurve;

/// <summary>Two panels: score against minutes of training and against images seen; solid in-distribution, dashed held-out.</summary>
public static class LearningCurvePlot
{
    public static void Save(LearningCurveReport report, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Draw(multiplot.GetPlot(0), report, p => p.TrainSeconds / 60, "training wall time (min)");
        Draw(multiplot.GetPlot(1), report, p => p.ImagesSeen, "images seen");
        var temp = path + ".tmp.png";
        multiplot.SavePng(temp, 1400, 560);
        File.Move(temp, path, overwrite: true);
    }

    private static void Draw(Plot plot, LearningCurveReport report, Func<CurvePoint, double> x, string xLabel)
    {
        var palette = new ScottPlot.Palettes.Category10();
        for (int i = 0; i < report.Candidates.Count; i++)
        {
            var c = report.Candidates[i];
            if (c.Points.Count == 0) continue;
            var xs = c.Points.Select(x).ToArray();
            var color = palette.GetColor(i);
            var inDist = plot.Add.Scatter(xs, c.Points.Select(p => p.InDistribution.Overall).ToArray(), color);
            inDist.LegendText = $"{c.Name} in-distribution";
            var heldOut = plot.Add.Scatter(xs, c.Points.Select(p => p.HeldOut.Overall).ToArray(), color);
            heldOut.LegendText = $"{c.Name} held-out";
            heldOut.LinePattern = LinePattern.Dashed;
        }
        plot.Title($"{report.World}: {(report.World == "glyphs" ? "OCR" : "GenEval-style")} overall");
        plot.XLabel(xLabel);
        plot.YLabel("score");
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend(Alignment.UpperLeft);
    }
}
