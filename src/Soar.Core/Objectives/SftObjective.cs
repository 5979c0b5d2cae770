using Soar.Core.Flow;
using Soar.Core.Models;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Objectives;

/// <summary>
/// Plain flow matching on real data (docs/objectives.md, "SFT"):
/// L = mean || f(x_s, s, c) - (eps - x0) ||^2 with logit-normal s and x_s = (1 - s) x0 + s eps.
/// </summary>
public sealed class SftObjective : ITrainingObjective
{
    public string Name => "sft";

    public ObjectiveOutput Loss(VelocityModel model, TrainingBatch batch, Generator generator)
    {
        var x0 = batch.Images;
        // Noise drawn on the CPU generator so CPU and CUDA runs see the same numbers.
        var eps = randn(x0.shape, generator: generator).to(x0.device);
        var (_, sigma) = RectifiedFlow.SampleTimesteps(x0.shape[0], model.Config.TimestepShift, generator, x0.device);
        var xs = RectifiedFlow.Noise(x0, eps, sigma);
        var prediction = model.forward(xs, sigma, batch.CaptionIds);
        var loss = nn.functional.mse_loss(prediction, RectifiedFlow.VelocityTarget(x0, eps));
        return new ObjectiveOutput(loss, new Dictionary<string, double> { ["loss"] = loss.item<float>() });
    }
}
