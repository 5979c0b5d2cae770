using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' T5Block of the encoder: layer.0 self-attention, layer.1 feed-forward.</summary>
public sealed class T5Block : Module
{
    private readonly ModuleList<Module> layer;

    public T5Block(T5Config config, bool hasRelativeAttentionBias) : base(nameof(T5Block))
    {
        layer = new ModuleList<Module>(new T5LayerSelfAttention(config, hasRelativeAttentionBias), new T5LayerFF(config));
        RegisterComponents();
    }

    public (Tensor Output, Tensor PositionBias) Forward(Tensor x, Tensor? positionBias)
    {
        using var scope = NewDisposeScope();
        var (h, bias) = ((T5LayerSelfAttention)layer[0]).Forward(x, positionBias);
        var output = ((T5LayerFF)layer[1]).forward(h).MoveToOuterDisposeScope();
        return (output, positionBias is null ? bias.MoveToOuterDisposeScope() : bias);
    }
}
