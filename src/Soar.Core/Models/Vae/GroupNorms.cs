using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Models.Vae;

/// <summary>The VAE's GroupNorm (eps 1e-6, affine) initialised as PyTorch does: weight 1, bias 0.</summary>
internal static class GroupNorms
{
    public static GroupNorm Create(int groups, int channels)
    {
        var norm = nn.GroupNorm(groups, channels, VaeConfig.NormEps);
        // TorchSharp 0.107's GroupNorm leaves its affine parameters as torch.empty (uninitialised memory).
        using var noGrad = no_grad();
        norm.weight!.fill_(1.0);
        norm.bias!.zero_();
        return norm;
    }
}
