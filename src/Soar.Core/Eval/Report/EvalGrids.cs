using Soar.Core.Imaging;
using Soar.Core.Stages.Eval;

namespace Soar.Core.Eval.Report;

/// <summary>
/// PNG grids per arm and prompt set (grids/&lt;arm&gt;/&lt;set&gt;/): one per task (a row per prompt, a column per sample,
/// green/red borders for pass/fail) when a scorer judged the images, else one per prompt; plus, per drift step
/// (grids/&lt;arm&gt;/drift-stepNN.png), clean (top) over perturbed (bottom) images.
/// </summary>
public static class EvalGrids
{
    public static IReadOnlyList<string> Write(EvalRun run, string folder)
    {
        var written = new List<string>();
        foreach (var arm in run.Arms)
        {
            var armFolder = Path.Combine(folder, FileName(arm.Name));
            foreach (var set in run.Sets)
            {
                var setItems = arm.Items[set.Name];
                var groups = setItems.Any(i => i.Verdict is not null)
                    ? setItems.GroupBy(i => set.Prompts[i.Prompt].Family).Select(g => (Name: g.Key, Items: g.ToList()))
                    : setItems.GroupBy(i => i.Prompt).Select(g => (Name: $"prompt-{g.Key:000}", Items: g.ToList()));
                foreach (var (name, items) in groups)
                {
                    var path = Path.Combine(armFolder, FileName(set.Name), FileName(name) + ".png");
                    // Upscaled and labelled: each row is one prompt, its caption under every sample.
                    new ImageGrid { Columns = run.SamplesPerPrompt, Scale = ImageGrid.ReadableScale(items[0].Image.Width, 96), BorderWidth = 2, Padding = 3 }
                        .Save(path, items.Select(i => i.Image).ToList(), items.Select(Border).ToList(), items.Select(i => set.Prompts[i.Prompt].Caption).ToList());
                    written.Add(path);
                }
            }
            foreach (var drift in arm.Drift)
            {
                var path = Path.Combine(armFolder, $"drift-step{drift.Step:00}.png");
                int columns = Math.Min(16, drift.Clean.Count);
                var cells = new List<RgbImage>();
                var borders = new List<(byte, byte, byte)?>();
                // Rows of `columns` clean images, each followed by the same trajectories after the perturbation.
                for (int start = 0; start < drift.Clean.Count; start += columns)
                {
                    int n = Math.Min(columns, drift.Clean.Count - start);
                    for (int c = 0; c < columns; c++) { cells.Add(c < n ? drift.Clean[start + c] : Blank(drift.Clean[0])); borders.Add(c < n ? Border(drift.CleanVerdicts[start + c]) : null); }
                    for (int c = 0; c < columns; c++) { cells.Add(c < n ? drift.Perturbed[start + c] : Blank(drift.Clean[0])); borders.Add(c < n ? Border(drift.PerturbedVerdicts[start + c]) : null); }
                }
                new ImageGrid { Columns = columns }.Save(path, cells, borders);
                written.Add(path);
            }
        }
        return written;
    }

    public static (byte R, byte G, byte B)? Border(EvalItem item) => Border(item.Verdict);

    public static (byte R, byte G, byte B)? Border(Scoring.ImageVerdict? verdict) =>
        verdict is null ? null : verdict.Correct ? ImageGrid.Pass : ImageGrid.Fail;

    /// <summary>A name safe as a file name on every platform.</summary>
    public static string FileName(string name) =>
        new(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());

    private static RgbImage Blank(RgbImage like) => new(like.Width, like.Height);
}
