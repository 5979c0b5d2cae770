using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Models;

/// <summary>The one way a model here makes a GroupNorm: libtorch's kernel, affine, initialised as PyTorch does (weight 1, bias 0).</summary>
public static class GroupNorms
{
    public static GroupNorm Create(int groups, int channels, double eps)
    {
        var norm = nn.GroupNorm(groups, channels, eps);
        // TorchSharp 0.107's GroupNorm leaves its affine parameters as torch.empty (uninitialised memory).
        using var noGrad = no_grad();
        norm.weight!.fill_(1.0);
        norm.bias!.zero_();
        return norm;
    }
}
