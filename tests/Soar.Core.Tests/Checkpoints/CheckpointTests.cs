using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Checkpoints;

public sealed class CheckpointTests : IDisposable
{
    private const int HalfSteps = 6;
    private readonly string _root = Directory.CreateTempSubdirectory("soar-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumingFromACheckpointIsBitIdenticalToNotStopping(bool amsgrad)
    {
        var (x, y) = Data();

        var straight = TinyMlp.Create(seed: 1);
        var straightEma = TinyMlp.Create(seed: 1);
        var straightOpt = MakeOptimizer(straight, amsgrad);
        var straightLosses = Train(straight, straightEma, straightOpt, x, y, 0, 2 * HalfSteps);

        var first = TinyMlp.Create(seed: 1);
        var firstEma = TinyMlp.Create(seed: 1);
        var firstOpt = MakeOptimizer(first, amsgrad);
        var losses = Train(first, firstEma, firstOpt, x, y, 0, HalfSteps);
        var dir = Path.Combine(_root, "ckpt");
        CheckpointWriter.Save(dir, first, firstEma, firstOpt, new JsonObject { ["hidden"] = 16 }, new TrainerState(HalfSteps));

        // Fresh objects with other weights and other hyper-parameters: everything must come from the checkpoint.
        var resumed = TinyMlp.Create(seed: 99);
        var resumedEma = TinyMlp.Create(seed: 98);
        var resumedOpt = new AdamW(resumed.parameters(), lr: 0.5, beta1: 0.5, weight_decay: 0.3, amsgrad: !amsgrad);
        var reader = CheckpointReader.Open(dir);
        reader.LoadInto(resumed, resumedEma, resumedOpt);
        losses.AddRange(Train(resumed, resumedEma, resumedOpt, x, y, (int)reader.State.Step, HalfSteps));

        Assert.Equal(straightLosses, losses);
        AssertSameBytes(straight, resumed);
        AssertSameBytes(straightEma, resumedEma);
    }

    [Fact]
    public void RoundTripsConfigAndTrainerStateAndReplacesAnExistingCheckpoint()
    {
        var model = TinyMlp.Create(seed: 3);
        var dir = Path.Combine(_root, "run", "checkpoint");
        var config = new JsonObject { ["model"] = new JsonObject { ["hidden"] = 16, ["name"] = "mlp" }, ["lr"] = 1e-3 };
        CheckpointWriter.Save(dir, model, null, null, config, new TrainerState(5, new JsonObject { ["samples_seen"] = 160 }));
        CheckpointWriter.Save(dir + "/", model, null, null, config, new TrainerState(10, new JsonObject { ["samples_seen"] = 320, ["rng"] = "abc" }));

        var reader = CheckpointReader.Open(dir);
        Assert.Equal(10, reader.State.Step);
        Assert.Equal(320, reader.State.Values["samples_seen"]!.GetValue<int>());
        Assert.Equal("abc", reader.State.Values["rng"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(config, reader.Config));
        Assert.False(reader.HasEma);
        Assert.False(reader.HasOptimizer);
        Assert.Equal(["checkpoint"], Directory.GetFileSystemEntries(Path.Combine(_root, "run")).Select(Path.GetFileName));
        Assert.Equal(
            [CheckpointLayout.Checksums, CheckpointLayout.Config, CheckpointLayout.Model, CheckpointLayout.TrainerState],
            Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        Assert.Equal("pt", SafeTensorsFile.ReadHeader(Path.Combine(dir, CheckpointLayout.Model)).Metadata["format"]);
        Assert.Equal(["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"],
            SafeTensorsFile.ReadHeader(Path.Combine(dir, CheckpointLayout.Model)).Entries.Select(e => e.Name).Order());

        var other = TinyMlp.Create(seed: 4);
        reader.LoadWeightsInto(other);
        AssertSameBytes(model, other);
    }

    [Fact]
    public void AMissingCheckpointOrFileIsAnErrorNamingThePath()
    {
        var missing = Path.Combine(_root, "nothing-here");
        var e = Assert.Throws<FileNotFoundException>(() => CheckpointReader.Open(missing));
        Assert.Contains(missing, e.Message);

        var model = TinyMlp.Create(seed: 5);
        var dir = Path.Combine(_root, "ckpt");
        CheckpointWriter.Save(dir, model, null, null, [], new TrainerState(1));
        var reader = CheckpointReader.Open(dir);
        var optimizer = MakeOptimizer(model, amsgrad: false);
        var noOptimizer = Assert.Throws<FileNotFoundException>(() => reader.LoadInto(model, null, optimizer));
        Assert.Contains(Path.Combine(dir, CheckpointLayout.Optimizer), noOptimizer.Message);
        Assert.Contains(Path.Combine(dir, CheckpointLayout.Ema), Assert.Throws<FileNotFoundException>(() => reader.LoadWeightsInto(model, useEma: true)).Message);

        File.Delete(Path.Combine(dir, CheckpointLayout.TrainerState));
        Assert.Contains(CheckpointLayout.TrainerState, Assert.Throws<FileNotFoundException>(() => CheckpointReader.Open(dir)).Message);

        // Without checksums.json (a checkpoint from before they existed) the edited file is parsed and its value checked.
        File.Delete(Path.Combine(dir, CheckpointLayout.Checksums));
        File.WriteAllText(Path.Combine(dir, CheckpointLayout.TrainerState), "{\"global_step\": -3}");
        Assert.Contains("non-negative integer 'global_step'", Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir)).Message);
    }

    [Fact]
    public void OpenPointsAtAPreviousCheckpointLeftAsideByAnInterruptedSave()
    {
        var dir = Path.Combine(_root, "ckpt");
        CheckpointWriter.Save(dir, TinyMlp.Create(seed: 6), null, null, [], new TrainerState(2));
        var aside = dir + ".old-0123";
        Directory.Move(dir, aside);
        Directory.CreateDirectory(dir + ".tmp-4567");
        var e = Assert.Throws<FileNotFoundException>(() => CheckpointReader.Open(dir));
        Assert.Contains(aside, e.Message);

        // The next successful save clears what interrupted saves left behind.
        CheckpointWriter.Save(dir, TinyMlp.Create(seed: 6), null, null, [], new TrainerState(3));
        Assert.Equal(["ckpt"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void AShapeOrNameMismatchIsAnErrorNamingTheTensorAndChangesNothing()
    {
        var dir = Path.Combine(_root, "ckpt");
        CheckpointWriter.Save(dir, TinyMlp.Create(seed: 7, hidden: 16), null, null, [], new TrainerState(1));
        var reader = CheckpointReader.Open(dir);

        var narrower = TinyMlp.Create(seed: 8, hidden: 8);
        var before = narrower.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var shape = Assert.Throws<InvalidDataException>(() => reader.LoadInto(narrower));
        Assert.Contains("'fc1.weight'", shape.Message);
        Assert.Contains("[16,4]", shape.Message);
        foreach (var (name, tensor) in narrower.state_dict())
            Assert.True(tensor.bytes.SequenceEqual(before[name].bytes), $"{name} changed");

        var renamed = nn.Sequential(("first", nn.Linear(4, 16)), ("act", nn.Tanh()), ("fc2", nn.Linear(16, 2)));
        var names = Assert.Throws<InvalidDataException>(() => reader.LoadInto(renamed));
        Assert.Contains("'first.bias'", names.Message);
    }

    [Fact]
    public void AnOptimizerOverDifferentParametersIsRejected()
    {
        var model = TinyMlp.Create(seed: 9);
        var dir = Path.Combine(_root, "ckpt");
        CheckpointWriter.Save(dir, model, null, MakeOptimizer(model, amsgrad: false), [], new TrainerState(0));
        var fresh = TinyMlp.Create(seed: 9);
        var partial = new AdamW(fresh.named_parameters().Where(p => p.name.StartsWith("fc2")).Select(p => p.parameter));
        var e = Assert.Throws<InvalidDataException>(() => CheckpointReader.Open(dir).LoadInto(fresh, null, partial));
        Assert.Contains("has 4 parameters but the optimizer's has 2", e.Message);
    }

    [Fact]
    public void AReaderOpenedBeforeAnotherSaveLoadsItsOwnSnapshotOrRejectsTheNewFiles()
    {
        var dir = Path.Combine(_root, "ckpt");
        SaveFilled(dir, 1);
        var reader = CheckpointReader.Open(dir);
        // Another process saves step 2 over it while this reader is open.
        SaveFilled(dir, 2);

        var model = TinyMlp.Create(seed: 50);
        reader.LoadWeightsInto(model);
        Assert.Equal(1, reader.State.Step);
        Assert.All(model.parameters(), p => Assert.Equal(1f, p.max().item<float>()));
        // Loading again reads the files anew: on disk they now belong to step 2 and do not match the snapshot's checksums.
        var mixed = Assert.Throws<InvalidDataException>(() => reader.LoadInto(TinyMlp.Create(seed: 51), TinyMlp.Create(seed: 52)));
        Assert.Contains(CheckpointLayout.Model, mixed.Message);
        Assert.Contains("replaced by another save", mixed.Message);
    }

    [Fact]
    public async Task AReaderRacingAWriterGetsOneWholeSaveOrAClearRejection()
    {
        const int Saves = 40, MaxReads = 2000;
        var dir = Path.Combine(_root, "ckpt");
        SaveFilled(dir, 0);
        var writer = Task.Run(() => { for (var step = 1; step <= Saves; step++) SaveFilled(dir, step); });
        int whole = 0, rejected = 0;
        for (var read = 0; read < MaxReads && !writer.IsCompleted; read++)
        {
            try
            {
                var (step, configStep, weights, ema) = ReadFilled(dir);
                Assert.Equal(step, configStep);
                Assert.Equal(step, weights);
                Assert.Equal(step, ema);
                whole++;
            }
            catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException)
            {
                rejected++;
            }
        }
        await writer;
        Assert.Equal((Saves, Saves, (float)Saves, (float)Saves), ReadFilled(dir));
        Assert.True(whole + rejected > 0);
    }

    /// <summary>Saves a checkpoint whose weights, EMA weights, config and step all carry <paramref name="step"/>.</summary>
    private static void SaveFilled(string dir, int step)
    {
        var model = TinyMlp.Create(seed: 1);
        var ema = TinyMlp.Create(seed: 1);
        using (no_grad())
            foreach (var p in model.parameters().Concat(ema.parameters())) p.fill_(step);
        CheckpointWriter.Save(dir, model, ema, MakeOptimizer(model, amsgrad: false), new JsonObject { ["step"] = step }, new TrainerState(step));
    }

    private static (long Step, int ConfigStep, float Weights, float Ema) ReadFilled(string dir)
    {
        var reader = CheckpointReader.Open(dir);
        reader.Verify();
        var model = TinyMlp.Create(seed: 60);
        var ema = TinyMlp.Create(seed: 61);
        reader.LoadInto(model, ema, MakeOptimizer(model, amsgrad: false));
        float Value(nn.Module m)
        {
            var values = m.parameters().SelectMany(p => new[] { p.min().item<float>(), p.max().item<float>() }).Distinct().ToList();
            return values.Count == 1 ? values[0] : float.NaN;
        }
        return (reader.State.Step, reader.Config["step"]!.GetValue<int>(), Value(model), Value(ema));
    }

    private static AdamW MakeOptimizer(nn.Module model, bool amsgrad) =>
        new(model.parameters(), lr: 0.05, weight_decay: 0.01, amsgrad: amsgrad);

    private static (Tensor X, Tensor Y) Data()
    {
        var g = new Generator(seed: 42);
        var x = randn([64, 4], generator: g);
        var y = stack([x[.., 0] * x[.., 1], x[.., 2].sin() - x[.., 3]], dim: 1);
        return (x, y);
    }

    private static List<float> Train(nn.Module<Tensor, Tensor> model, nn.Module ema, AdamW optimizer, Tensor x, Tensor y, int firstStep, int steps)
    {
        var losses = new List<float>();
        var emaParams = ema.parameters().ToArray();
        for (var step = firstStep; step < firstStep + steps; step++)
        {
            using var scope = NewDisposeScope();
            var rows = arange(16) + 16 * (step % 4);
            optimizer.zero_grad();
            var loss = nn.functional.mse_loss(model.forward(x.index_select(0, rows)), y.index_select(0, rows));
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
            using var noGrad = no_grad();
            foreach (var (e, p) in emaParams.Zip(model.parameters()))
                e.mul_(0.9).add_(p, alpha: 0.1);
        }
        return losses;
    }

    private static void AssertSameBytes(nn.Module expected, nn.Module actual)
    {
        var a = expected.state_dict();
        var b = actual.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, tensor) in a)
            Assert.True(tensor.bytes.SequenceEqual(b[name].bytes), $"{name} differs");
    }
}
