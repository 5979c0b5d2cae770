using Soar.Core.Models.Lora;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// linear_1 - SiLU - linear_2: diffusers' TimestepEmbedding (timestep features) and PixArtAlphaTextProjection with
/// act_fn "silu" (pooled text), which have the same parameters and maths.
/// </summary>
public sealed class SiluMlp : Module<Tensor, Tensor>
{
    private readonly LoraLinear linear_1;
    private readonly LoraLinear linear_2;

    public SiluMlp(int inFeatures, int hidden) : base(nameof(SiluMlp))
    {
        linear_1 = new LoraLinear(inFeatures, hidden);
        linear_2 = new LoraLinear(hidden, hidden);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return linear_2.forward(functional.silu(linear_1.forward(x))).MoveToOuterDisposeScope();
    }
}
