using System.Globalization;
using System.Net;
using System.Text;
using Soar.Core.Eval.Scoring;
using Soar.Core.Imaging;
using Soar.Core.Stages.Eval;

namespace Soar.Core.Eval.Report;

/// <summary>
/// Renders report.html: one self-contained page (inline CSS, images as base64 PNG data URIs) with the summary (a
/// score column per prompt set), seed groups, paired comparisons and per-task scores per set, the drift table per
/// injection step, the Fréchet distance and the images of the first prompts of each task with a pass/fail border.
/// </summary>
public static class EvalReportWriter
{
    private const int CellPixels = 64;

    // The in-distribution set has hundreds of prompts per task: the page shows the first ones, the grids hold all.
    private const int MaxPromptsShownPerTask = 16;

    public static string Render(EvalRun run)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"Evaluation: {run.Stage}")).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}h1{font-size:1.6em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}")
            .Append("table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}")
            .Append("td.num{text-align:right;font-variant-numeric:tabular-nums}.ci{color:#777;font-size:.85em}.note{color:#555;font-size:.9em}")
            .Append("img.px{image-rendering:pixelated;width:").Append(CellPixels).Append("px;height:").Append(CellPixels).Append("px;margin:2px;border:3px solid #888}")
            .Append("img.pass{border-color:rgb(0,200,0)}img.fail{border-color:rgb(220,0,0)}img.grid{image-rendering:pixelated;max-width:100%}")
            .Append("</style></head><body>\n");
        html.Append("<h1>").Append(E($"Evaluation report: {run.Stage}")).Append("</h1>\n<p>")
            .Append(E($"World '{run.World}', {run.Arms.Count} arm(s): {string.Join(", ", run.Arms.Select(a => a.Name))}. "))
            .Append(E($"Euler {Setting(run, "Steps")} steps, CFG {Setting(run, "Cfg")}, seed {run.Seed}; every arm starts from the same noise per (prompt set, prompt, sample), so differences are paired."))
            .Append("</p>\n<p>Prompt sets, each scored on its own:</p>\n<ul>");
        foreach (var set in run.Sets)
            html.Append("<li><b>").Append(E(set.Name)).Append("</b>: ").Append(E($"{set.Prompts.Count} prompts x {run.SamplesPerPrompt} samples per arm; {set.Description}.")).Append("</li>");
        html.Append("</ul>\n");

        Summary(html, run);
        Groups(html, run);
        Comparisons(html, run);
        Tasks(html, run);
        Drift(html, run);
        Images(html, run);
        html.Append("<p class=\"note\">Intervals are 95%: Wilson for 0/1 rates, percentile bootstrap (1000 resamples, stratified by task, paired across arms) for means, overall scores and differences. ")
            .Append(E(EvalMetrics.FrechetNote)).Append("</p>\n</body></html>\n");
        return html.ToString();
    }

    private static void Summary(StringBuilder html, EvalRun run)
    {
        html.Append("<h2>Summary</h2>\n<table><tr><th>arm</th>");
        if (run.Metric is { } m)
            foreach (var set in run.Sets)
                html.Append("<th>").Append(E($"{set.Name}: {(m == "geneval" ? "GenEval overall (mean of task scores)" : "OCR score (mean 1 - d/len)")}")).Append("</th>");
        html.Append("<th>Fréchet distance (own features, not FID)</th><th>images</th><th>checkpoint</th></tr>\n");
        foreach (var arm in run.Arms)
        {
            html.Append("<tr><td>").Append(E(arm.Name)).Append("</td>");
            if (run.Metric is not null)
                foreach (var set in run.Sets) html.Append(Cell(EvalStatistics.Main(run, set, arm)));
            html.Append(arm.Frechet is { } f ? $"<td class=\"num\">{F(f.Distance)} <span class=\"ci\">[{F(f.Lower)}, {F(f.Upper)}] n={f.Generated} vs {f.Real} real</span></td>" : "<td>not measured</td>");
            html.Append("<td class=\"num\">").Append(arm.ImageCount).Append("</td><td>").Append(E(arm.CheckpointDir)).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Groups(StringBuilder html, EvalRun run)
    {
        if (run.Groups.Count == 0) return;
        // Rows: each set's scores (labelled with the set), then the arm-level numbers.
        var rows = run.Sets.SelectMany(set => run.Groups[0].PerSet[set.Name].Keys.Select(key => (Label: $"{set.Name}: {key}", Values: (Func<GroupValues, IReadOnlyDictionary<string, IReadOnlyList<double>>>)(g => g.PerSet[set.Name]), Key: key)))
            .Concat(run.Groups[0].PerArm.Keys.Select(key => (Label: key, Values: (Func<GroupValues, IReadOnlyDictionary<string, IReadOnlyList<double>>>)(g => g.PerArm), Key: key)))
            .ToList();
        html.Append("<h2>Groups (mean over training seeds)</h2>\n<p class=\"note\">").Append(E("Each cell is the mean of the group's arms with a Student t 95% interval over them (n = arms); the difference columns use Welch's interval against the first group."))
            .Append("</p>\n<table><tr><th>metric</th>");
        foreach (var g in run.Groups) html.Append("<th>").Append(E($"{g.Name} ({string.Join(", ", g.Group.Arms)})")).Append("</th>");
        foreach (var g in run.Groups.Skip(1)) html.Append("<th>").Append(E($"{g.Name} - {run.Groups[0].Name}")).Append("</th>");
        html.Append("</tr>\n");
        foreach (var (label, values, key) in rows)
        {
            html.Append("<tr><td>").Append(E(label)).Append("</td>");
            foreach (var g in run.Groups)
                html.Append(values(g).TryGetValue(key, out var v) ? Cell(StudentT.Mean(v)) : "<td></td>");
            foreach (var g in run.Groups.Skip(1))
                html.Append(GroupStatistics.Differences(values(g), values(run.Groups[0])).TryGetValue(key, out var d) ? Cell(d, signed: true) : "<td></td>");
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Comparisons(StringBuilder html, EvalRun run)
    {
        if (run.Arms.Count < 2 || run.Metric is null) return;
        html.Append("<h2>Paired differences against '").Append(E(run.Arms[0].Name)).Append("'</h2>\n<table><tr><th>arm</th>");
        foreach (var set in run.Sets) html.Append("<th>").Append(E(set.Name)).Append("</th>");
        html.Append("</tr>\n");
        foreach (var arm in run.Arms.Skip(1))
        {
            html.Append("<tr><td>").Append(E(arm.Name)).Append("</td>");
            foreach (var set in run.Sets) html.Append(Cell(EvalStatistics.Difference(run, set, arm, run.Arms[0]), signed: true));
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }

    private static void Tasks(StringBuilder html, EvalRun run)
    {
        foreach (var set in run.Sets)
        {
            var perArm = run.Arms.Select(a => EvalStatistics.Tasks(run, set, a)).ToList();
            var tasks = perArm.SelectMany(t => t.Keys).Distinct().ToList();
            if (tasks.Count == 0) continue;
            html.Append("<h2>Per task: ").Append(E(set.Name)).Append("</h2>\n<table><tr><th>task</th>");
            foreach (var arm in run.Arms) html.Append("<th>").Append(E(arm.Name)).Append("</th>");
            html.Append("</tr>\n");
            foreach (var task in tasks)
            {
                html.Append("<tr><td>").Append(E(task)).Append("</td>");
                foreach (var t in perArm) html.Append(t.TryGetValue(task, out var s) ? Cell(s) : "<td></td>");
                html.Append("</tr>\n");
            }
            html.Append("</table>\n");
        }
    }

    private static void Drift(StringBuilder html, EvalRun run)
    {
        if (run.Arms.All(a => a.Drift.Count == 0)) return;
        html.Append("<h2>Drift recovery</h2>\n<p>").Append(E($"On the {run.DriftSet} prompts, each trajectory is perturbed at the injection step ({Setting(run, "DriftMode")} mode, norm {Setting(run, "DriftNorm")} per element) and the model finishes it. "))
            .Append(E("Retention = perturbed score / clean score; confidence = share of clean-correct runs still correct after the perturbation; critique = share of perturbed runs that end correct; image distance = RMS difference of the final images in [-1, 1] units."))
            .Append("</p>\n");
        foreach (var arm in run.Arms.Where(a => a.Drift.Count > 0))
        {
            html.Append("<h3>").Append(E(arm.Name)).Append("</h3>\n<table><tr><th>step</th><th>fraction</th><th>sigma</th><th>clean</th><th>perturbed</th><th>retention</th><th>confidence</th><th>critique</th><th>image distance</th></tr>\n");
            foreach (var d in arm.Drift.Select(r => EvalStatistics.Drift(r, run.Seed)))
                html.Append($"<tr><td class=\"num\">{d.Step}</td><td class=\"num\">{F(d.Fraction)}</td><td class=\"num\">{F(d.Sigma)}</td>")
                    .Append(Cell(d.Clean)).Append(Cell(d.Perturbed)).Append($"<td class=\"num\">{(d.Retention is { } r ? F(r) : "-")}</td>")
                    .Append(Cell(d.Confidence)).Append(Cell(d.Critique)).Append(Cell(d.ImageDistance)).Append("</tr>\n");
            html.Append("</table>\n");
            foreach (var run1 in arm.Drift)
            {
                html.Append("<p>").Append(E($"Step {run1.Step}: clean (top) and perturbed (bottom) final images of the first trajectories")).Append("<br>");
                foreach (var (img, v) in run1.Clean.Zip(run1.CleanVerdicts).Take(16)) html.Append(Img(img, v, ""));
                html.Append("<br>");
                foreach (var (img, v) in run1.Perturbed.Zip(run1.PerturbedVerdicts).Take(16)) html.Append(Img(img, v, ""));
                html.Append("</p>\n");
            }
        }
    }

    private static void Images(StringBuilder html, EvalRun run)
    {
        html.Append("<h2>Images</h2>\n<p class=\"note\">").Append(E($"Green border: the scorer passes the image; red: it fails (hover for the reason); grey: no scorer for this data. The first {MaxPromptsShownPerTask} prompts of each task; every image is in grids/<arm>/<set>/."))
            .Append("</p>\n");
        foreach (var set in run.Sets)
            foreach (var family in set.Families)
            {
                var shown = Enumerable.Range(0, set.Prompts.Count).Where(p => set.Prompts[p].Family == family).Take(MaxPromptsShownPerTask).ToHashSet();
                // A column of the dataset's own images when the prompts are its captions (custom data's validation set).
                bool real = shown.Any(p => run.RealImages.ContainsKey(set.Prompts[p].Caption));
                html.Append("<h3>").Append(E($"{set.Name}: {family}")).Append("</h3>\n<table><tr><th>prompt</th>");
                if (real) html.Append("<th>real (dataset)</th>");
                foreach (var arm in run.Arms) html.Append("<th>").Append(E(arm.Name)).Append("</th>");
                html.Append("</tr>\n");
                foreach (int p in shown.Order())
                {
                    html.Append("<tr><td>").Append(E(set.Prompts[p].Caption)).Append("</td>");
                    if (real) html.Append("<td>").Append(run.RealImages.TryGetValue(set.Prompts[p].Caption, out var image) ? Img(image, null, "the dataset's image") : "").Append("</td>");
                    foreach (var arm in run.Arms)
                    {
                        html.Append("<td>");
                        foreach (var item in arm.Items[set.Name].Where(i => i.Prompt == p)) html.Append(Img(item.Image, item.Verdict, $"sample {item.Sample}"));
                        html.Append("</td>");
                    }
                    html.Append("</tr>\n");
                }
                html.Append("</table>\n");
            }
    }

    private static string Img(RgbImage image, ImageVerdict? verdict, string label)
    {
        var cls = verdict is null ? "px" : verdict.Correct ? "px pass" : "px fail";
        var title = verdict is null ? label : $"{label} {(verdict.Correct ? "pass" : "fail")} ({F(verdict.Value)}): {verdict.Reason}".Trim();
        return $"<img class=\"{cls}\" title=\"{E(title)}\" alt=\"{E(title)}\" src=\"data:image/png;base64,{Convert.ToBase64String(ImageCodec.EncodePng(image))}\">";
    }

    private static string Cell(ScoreSummary? s, bool signed = false) =>
        s is null ? "<td>-</td>" : $"<td class=\"num\">{(signed && s.Mean > 0 ? "+" : "")}{F(s.Mean)} <span class=\"ci\">[{F(s.Lower)}, {F(s.Upper)}] n={s.N}</span></td>";

    private static string Setting(EvalRun run, string name) => run.Settings.TryGetValue(name, out var v) ? v : "?";

    private static string F(double v) => double.IsFinite(v) ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
