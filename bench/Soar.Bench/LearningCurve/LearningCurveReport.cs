using System.Text.Json;
using System.Text.Json.Serialization;

namespace Soar.Bench.LearningCurve;

/// <summary>One prompt set's score at one point: the overall (mean over task families) and each family's.</summary>
public sealed record SetScore(double Overall, IReadOnlyDictionary<string, double> Families, int Images);

public sealed record CurvePoint(int Step, long ImagesSeen, double TrainSeconds, double Loss, SetScore InDistribution, SetScore HeldOut, double EvalSeconds);

public sealed class CandidateCurve(string name, string preset, string recipe, long parameters, double secondsPerStep, int plannedSteps)
{
    public string Name { get; } = name;
    public string Preset { get; } = preset;
    public string Recipe { get; } = recipe;
    public long Parameters { get; } = parameters;
    public double MeasuredSecondsPerStep { get; } = secondsPerStep;
    public int PlannedSteps { get; } = plannedSteps;
    public int StepsDone { get; set; }
    public double TrainSeconds { get; set; }
    public List<CurvePoint> Points { get; } = [];
}

/// <summary>What --learning-curve writes: every candidate's curve, with the machine's state (wall times depend on it).</summary>
public sealed class LearningCurveReport(string world, double budgetMinutes, double evalEveryMinutes, int count, int threads, string loadAverage)
{
    public string Kind => "learning-curve";
    public string World { get; } = world;
    public double BudgetMinutes { get; } = budgetMinutes;
    public double EvalEveryMinutes { get; } = evalEveryMinutes;
    public int DatasetCount { get; } = count;
    /// <summary>--steps: every candidate's schedule length in steps, whatever the wall time (0: as many as the budget holds).</summary>
    public int FixedSteps { get; init; }
    /// <summary>--eval-every-steps: evaluation points by steps instead of minutes (0: by minutes).</summary>
    public int EvalEverySteps { get; init; }
    /// <summary>Load average when the report was last written (the machine's state matters for wall times).</summary>
    public string LoadAverageAtEnd => LearningCurveBenchmark.LoadAverage();
    public string Machine { get; } = Environment.MachineName;
    public int Cores { get; } = Environment.ProcessorCount;
    public int Threads { get; } = threads;
    public string LoadAverageAtStart { get; } = loadAverage;
    public string Sampler => $"Euler {CurvePrompts.SamplerSteps} steps, CFG {CurvePrompts.Cfg}, one image per prompt, EMA weights where the recipe keeps them";
    public DateTime Date { get; } = DateTime.UtcNow;
    public List<CandidateCurve> Candidates { get; } = [];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Written to a temporary file and renamed, so a run stopped mid-way leaves the last complete report.</summary>
    public void Write(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, full, overwrite: true);
    }

    public void PrintTable()
    {
        Console.WriteLine();
        Console.WriteLine($"{"candidate",-22}{"params",11}{"s/step",8}{"steps",7}{"images",9}{"train min",10}{"in-dist",9}{"held-out",10}{"best in-dist",13}  families (in-distribution, last point)");
        foreach (var c in Candidates)
        {
            var last = c.Points.LastOrDefault();
            var families = last is null ? "" : string.Join(", ", last.InDistribution.Families.Select(f => $"{f.Key} {f.Value:F2}"));
            Console.WriteLine($"{c.Name,-22}{c.Parameters,11:N0}{c.MeasuredSecondsPerStep,8:F3}{c.StepsDone,7}{(long)c.StepsDone * (last?.ImagesSeen / Math.Max(1, last?.Step ?? 1) ?? 0),9:N0}{c.TrainSeconds / 60,10:F1}"
                + $"{last?.InDistribution.Overall ?? double.NaN,9:F3}{last?.HeldOut.Overall ?? double.NaN,10:F3}{c.Points.Select(p => p.InDistribution.Overall).DefaultIfEmpty(double.NaN).Max(),13:F3}  {families}");
        }
    }
}
