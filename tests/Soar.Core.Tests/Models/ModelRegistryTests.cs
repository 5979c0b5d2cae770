using System.Text.Json.Nodes;
using Soar.Core.Checkpoints;
using Soar.Core.Models;
using Soar.Core.Models.DiT;
using Soar.Core.Text;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models;

public sealed class ModelRegistryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("soar-registry-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_model_section_names_its_architecture_and_round_trips()
    {
        var config = ModelRegistry.FromPreset("dit2-tiny", 16, 12, 6, 3.0);
        var section = ModelRegistry.WriteConfig(config);
        Assert.Equal("dit", section["architecture"]!.GetValue<string>());
        Assert.Equal(2, section["PatchSize"]!.GetValue<int>());
        var read = ModelRegistry.ReadConfig(JsonNode.Parse(section.ToJsonString())!, "test");
        Assert.Equal(config, read);
    }

    [Fact]
    public void A_checkpoint_written_before_the_seam_still_loads_as_a_DiT()
    {
        // config.json exactly as format soar-flow-dit/1 wrote it: no "architecture", PascalCase DiT fields.
        const string oldConfig = """
        {"format":"soar-flow-dit/1",
         "model":{"Preset":"tiny","ImageSize":8,"Channels":3,"PatchSize":4,"HiddenSize":128,"Depth":4,"Heads":4,"MlpRatio":4,"TextLayers":1,"VocabSize":7,"MaxTokens":4,"TimestepShift":1},
         "tokenizer":{"max_tokens":4,"vocabulary":["[pad]","[bos]","[eos]","[unk]","a","red","circle"]},
         "dataset":{"world":"shapes"}}
        """;
        var dir = Path.Combine(_root, "checkpoint");
        Directory.CreateDirectory(dir);
        manual_seed(5);
        using var original = new FlowDiT(new DiTConfig { Preset = "tiny", ImageSize = 8, VocabSize = 7, MaxTokens = 4 });
        ModuleWeights.Save(Path.Combine(dir, CheckpointLayout.Model), original);
        File.WriteAllText(Path.Combine(dir, CheckpointLayout.Config), oldConfig);
        File.WriteAllText(Path.Combine(dir, CheckpointLayout.TrainerState), """{"global_step":3}""");

        using var loaded = TrainedModel.Load(dir, CPU);
        Assert.IsType<FlowDiT>(loaded.Network);
        Assert.Equal("dit", loaded.Network.Config.Architecture);
        foreach (var (a, b) in original.state_dict().Zip(loaded.Network.state_dict()))
        {
            Assert.Equal(a.Key, b.Key);
            Assert.True(a.Value.equal(b.Value).all().item<bool>(), a.Key);
        }
    }

    [Fact]
    public void An_unknown_architecture_or_format_is_a_clear_error()
    {
        var unknown = JsonNode.Parse("""{"architecture":"wavenet","ImageSize":8}""")!;
        var e = Assert.Throws<InvalidDataException>(() => ModelRegistry.ReadConfig(unknown, "m/config.json"));
        Assert.Contains("wavenet", e.Message);
        Assert.Contains("dit", e.Message);
        var future = JsonNode.Parse("""{"format":"soar-model/9","model":{},"tokenizer":{}}""")!.AsObject();
        var f = Assert.Throws<InvalidDataException>(() => TrainedModel.ReadArchitecture(future, "m"));
        Assert.Contains("soar-model/9", f.Message);
    }

    [Fact]
    public void Every_preset_builds_through_the_registry_and_names_its_architecture()
    {
        foreach (var preset in ModelRegistry.PresetNames)
        {
            var config = ModelRegistry.FromPreset(preset, 32, 20, 8, 1.0);
            using var model = ModelRegistry.Create(config);
            Assert.Equal(preset, model.Config.Preset);
            Assert.Contains(config.Architecture, ModelRegistry.Architectures);
            using var v = model.forward(zeros(1, 3, 32, 32), full(1, 0.5f), ones(1, 8, dtype: ScalarType.Int64));
            Assert.Equal(new long[] { 1, 3, 32, 32 }, v.shape);
        }
    }

    [Fact]
    public void The_catalog_offers_exactly_the_registered_presets()
    {
        var catalog = Soar.Core.Stages.StageKindCatalog.Default;
        var choices = catalog.Get("sft").Parameters["Preset"].Choices!;
        Assert.Equal(ModelRegistry.PresetNames.Order(), choices.Order());
    }

    [Fact]
    public void A_hostile_model_section_is_refused_before_anything_is_allocated()
    {
        var hostile = JsonNode.Parse("""{"architecture":"dit","ImageSize":32,"PatchSize":4,"HiddenSize":128,"Depth":1000000000,"Heads":4,"VocabSize":10,"MaxTokens":8}""")!;
        var e = Assert.Throws<InvalidDataException>(() => ModelRegistry.ReadConfig(hostile, "m/config.json"));
        Assert.Contains("m/config.json", e.Message);
        Assert.Contains("Depth", e.Message);
    }

    [Fact]
    public void A_hostile_unet_section_is_refused_naming_the_field()
    {
        var hostile = JsonNode.Parse("""{"architecture":"unet","ImageSize":32,"BaseChannels":1000000,"ChannelMults":[1,2,4],"VocabSize":10,"MaxTokens":8}""")!;
        var e = Assert.Throws<InvalidDataException>(() => ModelRegistry.ReadConfig(hostile, "u/config.json"));
        Assert.Contains("u/config.json", e.Message);
        Assert.Contains("BaseChannels", e.Message);
        // Within every bound but far too big for memory: the estimate and the limit are named.
        var huge = JsonNode.Parse("""{"architecture":"unet","ImageSize":4096,"BaseChannels":4096,"ChannelMults":[1,2,4],"VocabSize":10,"MaxTokens":8}""")!;
        var m = Assert.Throws<InvalidDataException>(() => ModelRegistry.ReadConfig(huge, "u/config.json"));
        Assert.Contains("SOAR_MAX_MODEL_GB", m.Message);
    }
}
