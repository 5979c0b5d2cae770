using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' CombinedTimestepTextProjEmbeddings: 256 sinusoidal features of the timestep (Timesteps with
/// flip_sin_to_cos = True, downscale_freq_shift = 0: [cos(t f_i), sin(t f_i)], f_i = 10000^(-i/128)) through
/// timestep_embedder, plus the pooled text through text_embedder. The timestep is what the pipeline passes, 1000 sigma.
/// </summary>
public sealed class TimestepTextEmbedding : Module<Tensor, Tensor, Tensor>
{
    public const int FrequencyDim = 256;
    private readonly SiluMlp timestep_embedder;
    private readonly SiluMlp text_embedder;

    public TimestepTextEmbedding(int dim, int pooledDim) : base(nameof(TimestepTextEmbedding))
    {
        timestep_embedder = new SiluMlp(FrequencyDim, dim);
        text_embedder = new SiluMlp(pooledDim, dim);
        RegisterComponents();
    }

    /// <summary>[B] timesteps -> [B, 256] features (cos half first).</summary>
    public static Tensor Features(Tensor timestep) => SinCos.Timestep(timestep, FrequencyDim);

    /// <param name="timestep">[B] timesteps (1000 sigma).</param>
    /// <param name="pooled">[B, pooled_projection_dim].</param>
    public override Tensor forward(Tensor timestep, Tensor pooled)
    {
        using var scope = NewDisposeScope();
        var t = timestep_embedder.forward(Features(timestep).to(pooled.dtype));
        return (t + text_embedder.forward(pooled)).MoveToOuterDisposeScope();
    }
}
