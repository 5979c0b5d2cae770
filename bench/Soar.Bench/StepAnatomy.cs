using System.Diagnostics;
using Soar.Core.Models;
using Soar.Core.Models.UNet;
using Soar.Core.Objectives;
using Soar.Core.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Bench;

/// <summary>
/// `--step-anatomy [--presets unet-tiny] [--repeats 7] [--batch 32]`: where a U-Net sft step's time goes, op by op.
/// TorchSharp binds no libtorch profiler and module hooks do not fire on the models' direct forward calls, so every op
/// of the step is re-run on its own at the exact shape it has in the step (forward plus backward, its input needing a
/// gradient as in the step), timed as the median of repeats, and multiplied by how often the step runs it. The sum is
/// set against the whole step measured in the same process; what is left is autograd bookkeeping, allocation and
/// glue between ops. Convolutions and linear layers also get their GFLOP/s against the same process's matmul peak.
/// </summary>
public static class StepAnatomy
{
    public sealed record OpRow(string Op, string Shape, int Count, double MillisecondsEach, double MillisecondsPerStep, double Share, double? GflopPerSecond);

    public sealed record Anatomy(string Preset, int Batch, double StepMilliseconds, double MatmulPeakGflopPerSecond, IReadOnlyList<OpRow> Ops,
        IReadOnlyDictionary<string, double> ShareByKind, double UnattributedShare);

    public static Anatomy Run(string preset, int batch, int repeats)
    {
        var config = ModelRegistry.FromPreset(preset, 32, 64, 24, 1.0) as UNetConfig
            ?? throw new ArgumentException($"--step-anatomy takes a U-Net preset (unet-tiny, unet-tiny-p2, unet-small), not '{preset}'");
        var peak = MatmulPeak.Measure();
        double step = WholeStep(config, batch, repeats);
        var ops = new List<(string Kind, string Shape, int Count, double Ms, double Gflop)>();
        void Add(string kind, string shape, int count, (double Ms, double Gflop) t) => ops.Add((kind, shape, count, t.Ms, t.Gflop));

        int b = batch, d = config.TextDim, p = config.PatchSize, s0 = config.SideAt(0), cells = config.Channels * p * p;
        Add("conv 3x3", $"stem {cells}->{config.ChannelsAt(0)} @{s0}", 1, Conv(b, cells, config.ChannelsAt(0), s0, 3, 1, repeats, inputGrad: false));
        foreach (var (inCh, outCh, side, attends) in Blocks(config))
        {
            foreach (var (ch, role) in new[] { (inCh, "in"), (outCh, "out") })
            {
                Add("group norm", $"{ch} @{side} ({role})", 1, Elementwise(GroupNorms.Create(UNetConfig.Groups, ch, UNetConfig.NormEps), b, ch, side, repeats));
                Add("silu", $"{ch} @{side} ({role})", 1, Elementwise(SiLU(), b, ch, side, repeats));
            }
            Add("conv 3x3", $"{inCh}->{outCh} @{side}", 1, Conv(b, inCh, outCh, side, 3, 1, repeats));
            Add("conv 3x3", $"{outCh}->{outCh} @{side}", 1, Conv(b, outCh, outCh, side, 3, 1, repeats));
            if (inCh != outCh) Add("conv 1x1", $"{inCh}->{outCh} @{side}", 1, Conv(b, inCh, outCh, side, 1, 1, repeats));
            Add("modulate + residual", $"{outCh} @{side}", 1, Modulate(b, outCh, side, repeats));
            if (attends) Add("caption attention", $"{outCh} @{side}, {config.MaxTokens} tokens", 1, Attention(b, outCh, side, d, config.Heads, config.MaxTokens, repeats));
        }
        int levels = config.ChannelMults.Count;
        for (int i = 0; i + 1 < levels; i++)
        {
            Add("conv 3x3", $"down {config.ChannelsAt(i)} @{config.SideAt(i)} stride 2", 1, Conv(b, config.ChannelsAt(i), config.ChannelsAt(i), config.SideAt(i), 3, 2, repeats));
            Add("conv 3x3", $"up {config.ChannelsAt(i + 1)}->{config.ChannelsAt(i)} @{config.SideAt(i)}", 1, Conv(b, config.ChannelsAt(i + 1), config.ChannelsAt(i), config.SideAt(i), 3, 1, repeats));
            Add("upsample + concat", $"{config.ChannelsAt(i + 1)} @{config.SideAt(i + 1)}", 1, UpsampleConcat(b, config.ChannelsAt(i + 1), config.ChannelsAt(i), config.SideAt(i + 1), repeats));
        }
        Add("group norm", $"out {config.ChannelsAt(0)} @{s0}", 1, Elementwise(GroupNorms.Create(UNetConfig.Groups, config.ChannelsAt(0), UNetConfig.NormEps), b, config.ChannelsAt(0), s0, repeats));
        Add("silu", $"out {config.ChannelsAt(0)} @{s0}", 1, Elementwise(SiLU(), b, config.ChannelsAt(0), s0, repeats));
        Add("conv 3x3", $"out {config.ChannelsAt(0)}->{cells} @{s0}", 1, Conv(b, config.ChannelsAt(0), cells, s0, 3, 1, repeats));
        Add("text encoder", $"{config.TextLayers} layers, width {d}, {config.MaxTokens} tokens", 1, TextEncoding(config, b, repeats));
        Add("condition linears", $"timestep + pool + {Blocks(config).Count()} modulations, width {d}", 1, ConditionLinears(config, b, repeats));
        Add("optimizer", "AdamW over all parameters", 1, Optimizer(config, repeats));

        double sum = ops.Sum(o => o.Count * o.Ms);
        var rows = ops.Select(o => new OpRow(o.Kind, o.Shape, o.Count, o.Ms, o.Count * o.Ms, o.Count * o.Ms / step,
            o.Gflop > 0 ? o.Gflop / (o.Ms / 1000) : null)).ToList();
        var byKind = rows.GroupBy(r => r.Op).ToDictionary(g => g.Key, g => g.Sum(r => r.MillisecondsPerStep) / step);
        return new Anatomy(preset, batch, step, peak.GflopPerSecond, rows, byKind, 1 - sum / step);
    }

    public static void Print(Anatomy a)
    {
        Console.WriteLine($"{a.Preset} sft step, batch {a.Batch}: {a.StepMilliseconds:F1} ms (median); fp32 matmul peak {a.MatmulPeakGflopPerSecond:F0} GFLOP/s");
        Console.WriteLine($"{"op",-20}{"shape",-44}{"ms/step",9}{"share",8}{"GFLOP/s",9}{"of peak",9}");
        foreach (var r in a.Ops)
            Console.WriteLine($"{r.Op,-20}{r.Shape,-44}{r.MillisecondsPerStep,9:F2}{r.Share,8:P1}{r.GflopPerSecond?.ToString("F1") ?? "",9}{(r.GflopPerSecond is { } g ? (g / a.MatmulPeakGflopPerSecond).ToString("P0") : ""),9}");
        Console.WriteLine();
        Console.WriteLine($"{"by kind",-20}{"share",8}");
        foreach (var (kind, share) in a.ShareByKind.OrderByDescending(kv => kv.Value)) Console.WriteLine($"{kind,-20}{share,8:P1}");
        Console.WriteLine($"{"unattributed",-20}{a.UnattributedShare,8:P1}  (autograd bookkeeping, allocation, glue; negative: the ops run faster inside the step)");
    }

    /// <summary>(in, out, side, attends) of every residual block the step runs: down levels, the middle, up levels.</summary>
    private static IEnumerable<(int In, int Out, int Side, bool Attends)> Blocks(UNetConfig c)
    {
        int levels = c.ChannelMults.Count, bottom = c.ChannelsAt(levels - 1);
        bool Attends(int level) => c.SideAt(level) <= c.AttentionResolution;
        for (int i = 0; i < levels; i++)
            for (int k = 0; k < c.ResBlocksPerLevel; k++)
                yield return (k == 0 ? (i == 0 ? c.ChannelsAt(0) : c.ChannelsAt(i - 1)) : c.ChannelsAt(i), c.ChannelsAt(i), c.SideAt(i), Attends(i));
        yield return (bottom, bottom, c.SideAt(levels - 1), Attends(levels - 1));
        for (int i = levels - 1; i >= 0; i--)
            for (int k = 0; k < c.ResBlocksPerLevel; k++)
                yield return (k == 0 ? (i == levels - 1 ? bottom : c.ChannelsAt(i)) + c.ChannelsAt(i) : c.ChannelsAt(i), c.ChannelsAt(i), c.SideAt(i), Attends(i));
    }

    /// <summary>Median milliseconds of forward + backward of <paramref name="run"/> (its output's gradient is random).</summary>
    private static double Time(Func<Tensor> run, int repeats)
    {
        var times = new List<double>();
        for (int i = 0; i < repeats + 2; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var output = run();
            output.backward([ones_like(output)]);
            if (i >= 2) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return Stats.Median(times);
    }

    private static Tensor Input(int b, int ch, int side, bool grad = true) => randn([b, ch, side, side]).requires_grad_(grad);

    private static (double, double) Conv(int b, int inCh, int outCh, int side, int k, int stride, int repeats, bool inputGrad = true)
    {
        using var conv = Conv2d(inCh, outCh, k, stride: stride, padding: k / 2);
        using var x = Input(b, inCh, side, inputGrad);
        int outSide = side / stride;
        // Forward k*k*Cin*Cout multiply-adds per output pixel; backward twice that (weights, and the input when it needs one).
        double forward = 2.0 * b * outSide * outSide * inCh * outCh * k * k;
        return (Time(() => conv.forward(x), repeats), forward * (inputGrad ? 3 : 2) / 1e9);
    }

    private static (double, double) Elementwise(Module<Tensor, Tensor> op, int b, int ch, int side, int repeats)
    {
        using var x = Input(b, ch, side);
        using (op) return (Time(() => op.forward(x), repeats), 0);
    }

    private static (double, double) Modulate(int b, int ch, int side, int repeats)
    {
        using var h = Input(b, ch, side);
        using var residual = Input(b, ch, side);
        using var scale = randn([b, ch, 1, 1]).requires_grad_(true);
        using var shift = randn([b, ch, 1, 1]).requires_grad_(true);
        return (Time(() => residual + (h * (scale + 1) + shift), repeats), 0);
    }

    private static (double, double) Attention(int b, int ch, int side, int textDim, int heads, int tokens, int repeats)
    {
        using var attention = new CaptionAttention(ch, textDim, heads);
        using var x = Input(b, ch, side);
        using var text = randn([b, tokens, textDim]).requires_grad_(true);
        using var mask = zeros(b, 1, 1, tokens);
        long n = (long)side * side;
        // q, kv, text kv and output projections, then Q K^T and A V over N + L keys.
        double forward = 2.0 * b * (n * ch * ch * 4 + (double)tokens * textDim * 2 * ch + 2 * n * (n + tokens) * ch);
        return (Time(() => attention.forward(x, text, mask), repeats), 3 * forward / 1e9);
    }

    private static (double, double) UpsampleConcat(int b, int ch, int skipCh, int side, int repeats)
    {
        using var x = Input(b, ch, side);
        using var skip = Input(b, skipCh, side * 2);
        return (Time(() => cat([functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest), skip], dim: 1), repeats), 0);
    }

    private static (double, double) TextEncoding(UNetConfig c, int b, int repeats)
    {
        using var encoder = new TextEncoder(c.VocabSize, c.MaxTokens, c.TextDim, c.TextHeads, c.TextLayers, c.MlpRatio);
        using var ids = randint(1, c.VocabSize, [b, c.MaxTokens]);
        return (Time(() => { var e = encoder.forward(ids); return e.Tokens.sum() + e.Pooled.sum(); }, repeats), 0);
    }

    /// <summary>The timestep embedder, the pooled-caption projection and every block's modulation Linear (d -> 2 out).</summary>
    private static (double, double) ConditionLinears(UNetConfig c, int b, int repeats)
    {
        using var embedder = new TimestepEmbedder(c.TextDim);
        using var pool = Linear(c.TextDim, c.TextDim);
        var modulations = Blocks(c).Select(block => Linear(c.TextDim, 2 * block.Out)).ToList();
        using var sigma = rand(b);
        using var pooled = randn([b, c.TextDim]).requires_grad_(true);
        double ms = Time(() =>
        {
            var cond = functional.silu(embedder.forward(sigma) + pool.forward(pooled));
            return modulations.Select(m => m.forward(cond).sum()).Aggregate((x, y) => x + y);
        }, repeats);
        foreach (var m in modulations) m.Dispose();
        return (ms, 0);
    }

    private static (double, double) Optimizer(UNetConfig c, int repeats)
    {
        using var model = ModelRegistry.Create(c);
        foreach (var p in model.parameters()) p.grad = randn_like(p);
        var optimizer = optim.AdamW(model.parameters(), 1e-4);
        var times = new List<double>();
        for (int i = 0; i < repeats + 2; i++)
        {
            var clock = Stopwatch.StartNew();
            optimizer.step();
            if (i >= 2) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return (Stats.Median(times), 0);
    }

    /// <summary>The step as the throughput table times it (BenchmarkCommand.TimeTraining), in milliseconds.</summary>
    private static double WholeStep(UNetConfig c, int batch, int repeats)
    {
        manual_seed(0);
        using var model = ModelRegistry.Create(c);
        return 1000 * BenchmarkCommand.TimeTraining(model, new SftObjective(), batch, repeats);
    }
}
