using TorchSharp;
using Soar.Core.Models;
using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>Exponential moving average of a model's weights: ema = d * ema + (1 - d) * w after each step.</summary>
public sealed class EmaWeights : IDisposable
{
    public VelocityModel Model { get; }
    public double Decay { get; }

    public EmaWeights(VelocityModel source, double decay)
    {
        if (decay is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), "EMA decay must be in (0, 1)");
        Decay = decay;
        Model = ModelRegistry.Create(source.Config);
        Model.to(source.parameters().First().device);
        CopyFrom(source);
        Model.eval();
        foreach (var p in Model.parameters()) p.requires_grad = false;
    }

    public void CopyFrom(VelocityModel source)
    {
        using var noGrad = no_grad();
        foreach (var (e, p) in Model.parameters().Zip(source.parameters())) e.copy_(p);
    }

    /// <summary>ema = d * ema + (1 - d) * w with this update's decay (<paramref name="decay"/>, else <see cref="Decay"/>).</summary>
    public void Update(VelocityModel source, double? decay = null)
    {
        double d = decay ?? Decay;
        using var noGrad = no_grad();
        // A frozen weight (LoRA's base) never moves, so its average stays the exact copy CopyFrom made.
        foreach (var (e, p) in Model.parameters().Zip(source.parameters()))
            if (p.requires_grad) e.mul_(d).add_(p.detach(), alpha: 1 - d);
    }

    public void Dispose() => Model.Dispose();
}
