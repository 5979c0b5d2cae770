using System.Diagnostics;
using Soar.Core.Imaging;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Stages;
using Soar.Core.Text;
using Soar.Core.Training;
using Soar.Core.Worlds;
using static TorchSharp.torch;

namespace Soar.Bench;

/// <summary>
/// Peak resident memory of a long SFT run of one preset on the shapes world (issue: &lt; 2 GiB for 1,000 steps of
/// the default preset). Run alone (`--train-rss-steps 1000`) so nothing else in the process raises the peak;
/// `--gradient-checkpointing` trains with GradientCheckpointing=true (one process per setting: the peak is the process's).
/// </summary>
public static class TrainingRssBenchmark
{
    public static (double PeakRssMiB, double SecondsPerStep, TrainingMemory Estimate) Run(string preset, int steps, int batch, bool checkpointing = false)
    {
        var world = WorldCatalog.Get("shapes");
        var samples = world.Sample(0, 2000, 32).ToList();
        var tokenizer = CaptionTokenizer.Build(samples.Select(s => s.Caption).Concat(world.EvalPrompts().Select(p => p.Caption)));
        using var data = TrainingSet.Create(samples.Select(s => (s.Image, s.Caption, "shapes")), tokenizer, 32, CPU);
        manual_seed(0);
        using var model = ModelRegistry.Create(ModelRegistry.FromPreset(preset, 32, tokenizer.Vocabulary.Count, tokenizer.MaxTokens, 1.0));
        using var empty = TrainedModel.EmptyIds(tokenizer, 1, CPU);
        var options = new TrainingOptions { Steps = steps, BatchSize = batch, LogEvery = Math.Max(1, steps / 10), GradientCheckpointing = checkpointing };
        var log = new ConsoleStageLog("rss");
        var estimate = TrainingMemory.Of(model, options, batch);
        log.Info(estimate.Describe());
        var trainer = new FlowTrainer(model, new SftObjective(), options, data, empty, log);
        var clock = Stopwatch.StartNew();
        trainer.Train(0, steps, CancellationToken.None);
        return (ProcessMemory.PeakRssMiB(), clock.Elapsed.TotalSeconds / steps, estimate);
    }
}
