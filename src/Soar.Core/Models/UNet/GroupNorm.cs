using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.UNet;

/// <summary>
/// Group normalisation of [B, C, H, W] features with a per-channel affine, computed as a layer norm over each
/// group's values. Written when the NaN outputs of TorchSharp 0.107's nn.GroupNorm were blamed on libtorch's kernel;
/// the cause is that its constructor leaves weight and bias uninitialised (Models/Vae/GroupNorms.cs fixes that for
/// the VAE). Kept because U-Net checkpoints name these weights and the measured curves used it.
/// </summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    private readonly int _groups;
    private readonly Parameter weight;
    private readonly Parameter bias;

    public GroupNorm(int groups, int channels) : base(nameof(GroupNorm))
    {
        _groups = groups;
        weight = Parameter(ones(channels));
        bias = Parameter(zeros(channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], c = x.shape[1];
        var grouped = x.reshape(b, _groups, -1);
        var normalised = functional.layer_norm(grouped, [grouped.shape[2]], eps: 1e-5).view(x.shape);
        return (normalised * weight.view(1, c, 1, 1) + bias.view(1, c, 1, 1)).MoveToOuterDisposeScope();
    }
}
