namespace Soar.Core.Eval.Scoring;

/// <summary>GenEval's aggregation: task score = mean of its images' 0/1 scores; overall = unweighted mean of the task scores.</summary>
public static class GenEvalSummary
{
    public static double Overall(IEnumerable<(string Task, bool Correct)> images)
    {
        var tasks = images.GroupBy(i => i.Task).Select(g => g.Average(i => i.Correct ? 1.0 : 0.0)).ToArray();
        if (tasks.Length == 0) throw new ArgumentException("no images to score");
        return tasks.Average();
    }
}
