using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models;

/// <summary>Sinusoidal features of 1000*s through a two-layer MLP.</summary>
public sealed class TimestepEmbedder : Module<Tensor, Tensor>
{
    private const int FrequencyDim = 256;
    private readonly Linear fc1;
    private readonly Linear fc2;

    public TimestepEmbedder(int dim) : base(nameof(TimestepEmbedder))
    {
        fc1 = Linear(FrequencyDim, dim);
        fc2 = Linear(dim, dim);
        RegisterComponents();
    }

    /// <param name="sigma">[B] noise levels in [0, 1]; the model sees 1000*s (docs/objectives.md, "Conventions").</param>
    public override Tensor forward(Tensor sigma)
    {
        using var scope = NewDisposeScope();
        var features = SinCos.Timestep(sigma * 1000.0, FrequencyDim);
        return fc2.forward(functional.silu(fc1.forward(features))).MoveToOuterDisposeScope();
    }
}
