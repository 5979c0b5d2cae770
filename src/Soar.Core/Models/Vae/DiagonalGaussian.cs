using static TorchSharp.torch;

namespace Soar.Core.Models.Vae;

/// <summary>
/// diffusers' DiagonalGaussianDistribution: the encoder's moments split along channels into mean and logvar, logvar
/// clamped to [-30, 20]; a sample is mean + exp(logvar / 2) * noise, the noise drawn like diffusers' randn_tensor on
/// the CPU (torch.randn with the given generator), so the same seed gives the same sample as PyTorch.
/// </summary>
public sealed class DiagonalGaussian : IDisposable
{
    public Tensor Mean { get; }
    public Tensor LogVar { get; }

    public DiagonalGaussian(Tensor moments)
    {
        using var scope = NewDisposeScope();
        var halves = moments.chunk(2, dim: 1);
        Mean = halves[0].contiguous().MoveToOuterDisposeScope();
        LogVar = halves[1].clamp(-30.0, 20.0).contiguous().MoveToOuterDisposeScope();
    }

    public Tensor Std => (0.5 * LogVar).exp();

    /// <summary>The distribution's mode (diffusers' latent_dist.mode()).</summary>
    public Tensor Mode() => Mean.alias();

    public Tensor Sample(Generator generator)
    {
        using var scope = NewDisposeScope();
        var noise = randn(Mean.shape, dtype: Mean.dtype, device: CPU, generator: generator).to(Mean.device);
        return (Mean + Std * noise).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Mean.Dispose();
        LogVar.Dispose();
    }
}
