using Soar.Core.Models;
using Soar.Core.Models.DiT;
using Soar.Core.Rewards;
using Soar.Core.Text;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Rl;

/// <summary>A freshly initialised 16 px tiny model with its tokenizer and an identical frozen copy, for RL tests.</summary>
public sealed class TinyPolicy : IDisposable
{
    public static readonly RewardPrompt[] Prompts = [new("a red circle"), new("a blue square"), new("two green triangles")];

    public CaptionTokenizer Tokenizer { get; } = CaptionTokenizer.Build(Prompts.Select(p => p.Caption));
    public VelocityModel Policy { get; }
    public VelocityModel Reference { get; }

    public TinyPolicy(long seed = 1, Func<ModelConfig, ModelConfig>? reshape = null)
    {
        var config = ModelRegistry.FromPreset("tiny", 16, Tokenizer.Vocabulary.Count, Tokenizer.MaxTokens, 1.0);
        if (reshape is not null) config = reshape(config);
        manual_seed(seed);
        Policy = ModelRegistry.Create(config);
        Reference = ModelRegistry.Create(config);
        Reference.load_state_dict(Policy.state_dict());
        Policy.eval();
    }

    /// <summary>Half tiny's width and depth: the same layers at about an eighth of the block compute, for tests that train.</summary>
    public static TinyPolicy Narrow(long seed = 1) => new(seed, c => (DiTConfig)c with { HiddenSize = 64, Depth = 2, Heads = 2 });

    /// <summary>Mean squared difference of the two models' velocities on fixed random inputs.</summary>
    public double Drift()
    {
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        using var g = new Generator(77, CPU);
        var x = randn([8, 3, 16, 16], generator: g);
        var s = rand([8], generator: g);
        var ids = TrainedModel.EmptyIds(Tokenizer, 8, CPU);
        return (Policy.forward(x, s, ids) - Reference.forward(x, s, ids)).square().mean().item<float>();
    }

    public void Dispose()
    {
        Policy.Dispose();
        Reference.Dispose();
    }
}
