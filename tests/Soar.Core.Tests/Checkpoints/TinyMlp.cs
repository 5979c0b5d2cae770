using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Checkpoints;

/// <summary>A 2-layer MLP whose weights come from an explicit seeded generator, not the global RNG.</summary>
internal static class TinyMlp
{
    public static nn.Module<Tensor, Tensor> Create(long seed, int hidden = 16)
    {
        var model = nn.Sequential(
            ("fc1", nn.Linear(4, hidden)),
            ("act", nn.Tanh()),
            ("fc2", nn.Linear(hidden, 2)));
        var g = new Generator((ulong)seed);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach (var p in model.parameters())
            p.copy_(randn(p.shape, generator: g) * 0.3);
        return model;
    }
}
