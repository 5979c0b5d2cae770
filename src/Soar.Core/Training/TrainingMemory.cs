using System.Globalization;
using Soar.Core.Models;

namespace Soar.Core.Training;

/// <summary>
/// What a training run will hold, printed before its first step so an out-of-memory error is no surprise: the weights
/// (as allocated), the gradients and AdamW's two moments of the trainable ones (a LoRA model trains only its adapters),
/// an EMA copy, and the activations of one forward's rows from the architecture's estimate per image, without and with
/// GradientCheckpointing. The activation numbers are estimates from the config's sizes, not measurements.
/// </summary>
public sealed record TrainingMemory(long Parameters, long Trainable, double WeightBytes, double GradientBytes, double OptimizerBytes,
    double EmaBytes, int Rows, double ActivationBytes, double CheckpointedActivationBytes, bool Checkpointing)
{
    /// <summary>The run's total: the state plus the activations of the chosen mode.</summary>
    public double TotalBytes => WeightBytes + GradientBytes + OptimizerBytes + EmaBytes + (Checkpointing ? CheckpointedActivationBytes : ActivationBytes);

    /// <param name="rows">Images (or latents) in the largest forward pass with a graph: <see cref="IStepSource.RowsPerForward"/>.</param>
    public static TrainingMemory Of(VelocityModel model, TrainingOptions options, int rows)
    {
        long parameters = 0, trainable = 0;
        double weightBytes = 0, trainableBytes = 0;
        foreach (var p in model.parameters())
        {
            parameters += p.numel();
            weightBytes += p.numel() * p.ElementSize;
            if (!p.requires_grad) continue;
            trainable += p.numel();
            trainableBytes += p.numel() * p.ElementSize;
        }
        var perImage = model.Config.Estimate();
        return new TrainingMemory(parameters, trainable, weightBytes, trainableBytes, 2 * trainableBytes, options.EmaDecay > 0 ? weightBytes : 0,
            rows, rows * perImage.ActivationBytes, rows * perImage.CheckpointedBytes, options.GradientCheckpointing);
    }

    public string Describe()
    {
        string ema = EmaBytes > 0 ? $" + EMA {Mb(EmaBytes)}" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"memory estimate: {Parameters:N0} parameters, {Trainable:N0} trainable; weights {Mb(WeightBytes)} + gradients {Mb(GradientBytes)} + AdamW state {Mb(OptimizerBytes)}{ema}; activations for {Rows} rows per forward about {Mb(ActivationBytes)}, {Mb(CheckpointedActivationBytes)} with GradientCheckpointing ({(Checkpointing ? "on" : "off")}); about {Mb(TotalBytes)} in all");
    }

    private static string Mb(double bytes) => bytes >= 1e9
        ? (bytes / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " GB"
        : (bytes / 1e6).ToString("0.#", CultureInfo.InvariantCulture) + " MB";
}
