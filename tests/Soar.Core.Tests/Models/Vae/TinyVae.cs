using Soar.Core.Models.Vae;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models.Vae;

/// <summary>The tiny VAE: two blocks of 8 and 16 channels, one layer per block, 4 groups.</summary>
internal static class TinyVae
{
    public static VaeConfig Config(int latentChannels = 4, bool quantConvs = true, double scaling = 0.18215, double? shift = null) => new()
    {
        BlockOutChannels = [8, 16],
        DownBlockTypes = [VaeConfig.DownBlockType, VaeConfig.DownBlockType],
        UpBlockTypes = [VaeConfig.UpBlockType, VaeConfig.UpBlockType],
        LayersPerBlock = 1, NormNumGroups = 4, LatentChannels = latentChannels, SampleSize = 16,
        UseQuantConv = quantConvs, UsePostQuantConv = quantConvs, ScalingFactor = scaling, ShiftFactor = shift,
    };

    public static AutoencoderKL Model(VaeConfig config, int seed = 0)
    {
        manual_seed(seed);
        var model = new AutoencoderKL(config);
        // Non-trivial norm affines, so a norm that skipped its weight or bias would show.
        using (no_grad())
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains("norm")) { if (name.EndsWith(".weight")) p.uniform_(0.5, 1.5); else p.uniform_(-0.5, 0.5); }
        model.eval();
        return model;
    }

    public static Tensor Images(int batch = 2, int size = 16, int seed = 1)
    {
        manual_seed(seed);
        return rand(batch, 3, size, size) * 2 - 1;
    }
}
