using Soar.Core.Flow;
using Soar.Core.Models;
using Soar.Core.Sampling;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Objectives;

/// <summary>
/// SOAR (docs/objectives.md, "SOAR"; after HY-SOAR's algorithm.py and train script). Per sample:
/// z0 = (1 - s0) x0 + s0 z1; main loss || f(z0, s0) - (z1 - x0) ||^2 (exactly SFT); a no-gradient guided Euler
/// step with the current weights from s0 to s1 = shift(max(u - 1/N, 0)) gives the off-trajectory zh; K points
/// z' = (1 - a) zh + a z1 with s' ~ U[s1, 1], a = (s' - s1) / (1 - s1), are trained towards v* = (z' - x0) / s'.
/// Total = (sum Lm + lambda sum La) / (B + lambda * #aux). All auxiliary points go through one batched forward.
/// </summary>
public sealed class SoarObjective(SoarOptions options) : ITrainingObjective
{
    public SoarOptions Options { get; } = Validated(options);

    public string Name => "soar";

    public System.Text.Json.Nodes.JsonObject Describe()
    {
        var options = System.Text.Json.JsonSerializer.SerializeToNode(Options)!.AsObject();
        // The rollout steps 1/N in pre-shift time on HY-SOAR's 1000-entry table, not on the sampler's schedule.
        options["rollout_step"] = $"u1 = max(u - 1/{Options.NumSamplingSteps}, {SoarOptions.MinRolloutU}) in pre-shift time";
        return options;
    }

    /// <summary>The main points and K x M auxiliary points per image, or with AuxChunkSize the larger of the batch and a chunk.</summary>
    public int RowsPerForward(int batch)
    {
        if (Options.LambdaAux == 0 || Options.TrajectoryLength == 0) return batch;
        int aux = Options.TrajectoryLength * Options.NumRolloutPaths * batch;
        return Options.AuxChunkSize > 0 && Options.AuxChunkSize < aux ? Math.Max(batch, Options.AuxChunkSize) : batch + aux;
    }

    public ObjectiveOutput Loss(VelocityModel model, TrainingBatch batch, Generator generator)
    {
        var x0 = batch.Images;
        long b = x0.shape[0];
        double shift = model.Config.TimestepShift;
        // Same draws in the same order as SftObjective, so lambda = 0 reproduces SFT bit for bit.
        var z1 = randn(x0.shape, generator: generator).to(x0.device);
        var (u, s0) = RectifiedFlow.SampleTimesteps(b, shift, generator, x0.device);
        var z0 = RectifiedFlow.Noise(x0, z1, s0);
        var caption = model.EncodeCaption(batch.CaptionIds);
        var mainPrediction = model.Velocity(z0, s0, caption);
        var mainLoss = nn.functional.mse_loss(mainPrediction, RectifiedFlow.VelocityTarget(x0, z1));
        if (Options.LambdaAux == 0 || Options.TrajectoryLength == 0)
            return new ObjectiveOutput(mainLoss, new Dictionary<string, double> { ["loss"] = mainLoss.item<float>(), ["loss_main"] = mainLoss.item<float>() });

        var aux = AuxiliaryPoints(model, batch, x0, z1, z0, u, s0, shift, generator);
        if (Options.AuxChunkSize > 0 && Options.AuxChunkSize < aux.Sigmas.shape[0])
            return ChunkedLoss(model, batch, caption, mainLoss, b, aux);
        var auxPrediction = model.Velocity(aux.Points, aux.Sigmas, caption.Select(aux.SampleIndex));
        var perPoint = (auxPrediction - aux.Targets).square().flatten(1).mean([1]);
        var auxSum = perPoint.sum();
        long count = aux.Sigmas.shape[0];
        double lambda = Options.LambdaAux;
        var total = Total(mainLoss, b, auxSum, count, lambda);
        return new ObjectiveOutput(total, new Dictionary<string, double>
        {
            ["loss"] = total.item<float>(),
            ["loss_main"] = mainLoss.item<float>(),
            ["loss_aux"] = auxSum.item<float>() / count,
            ["aux_points_per_sample"] = (double)count / b,
            ["deviation"] = aux.Deviation,
        });
    }

    /// <summary>
    /// The same total as the one-forward path, back-propagated in parts so that at most one chunk's activations live
    /// at a time: the main term first, then each chunk of AuxChunkSize auxiliary points with its share lambda / D of the
    /// total. The caption encoding is shared by every part, so its graph is kept until the last one.
    /// </summary>
    private ObjectiveOutput ChunkedLoss(VelocityModel model, TrainingBatch batch, EncodedCaption caption, Tensor mainLoss, long b, AuxiliaryBatch aux)
    {
        long count = aux.Sigmas.shape[0];
        double lambda = Options.LambdaAux;
        double denominator = b + lambda * count;
        var device = batch.Images.device;
        float main = mainLoss.item<float>();
        using (Devices.Autocast.Suspend(device)) (mainLoss.to(ScalarType.Float32) * (b / denominator * batch.LossScale)).backward(retain_graph: true);
        double auxSum = 0;
        for (long start = 0; start < count; start += Options.AuxChunkSize)
        {
            using var scope = NewDisposeScope();
            long n = Math.Min(Options.AuxChunkSize, count - start);
            var prediction = model.Velocity(aux.Points.narrow(0, start, n), aux.Sigmas.narrow(0, start, n), caption.Select(aux.SampleIndex.narrow(0, start, n)));
            var chunkSum = (prediction - aux.Targets.narrow(0, start, n)).square().flatten(1).mean([1]).sum();
            using (Devices.Autocast.Suspend(device)) (chunkSum.to(ScalarType.Float32) * (lambda / denominator * batch.LossScale)).backward(retain_graph: start + n < count);
            auxSum += chunkSum.item<float>();
        }
        double total = (main * (double)b + lambda * auxSum) / denominator;
        return new ObjectiveOutput(tensor((float)total), new Dictionary<string, double>
        {
            ["loss"] = total,
            ["loss_main"] = main,
            ["loss_aux"] = auxSum / count,
            ["aux_points_per_sample"] = (double)count / b,
            ["deviation"] = aux.Deviation,
        }, BackPropagated: true);
    }

    /// <summary>The re-noised off-trajectory points, their sigmas, targets and source sample (all without gradient).</summary>
    public sealed record AuxiliaryBatch(Tensor Points, Tensor Sigmas, Tensor Targets, Tensor SampleIndex, Tensor RolloutState, Tensor RolloutSigma, double Deviation);

    public AuxiliaryBatch AuxiliaryPoints(VelocityModel model, TrainingBatch batch, Tensor x0, Tensor z1, Tensor z0, Tensor u, Tensor s0, double shift, Generator generator)
    {
        using var noGrad = no_grad();
        long b = x0.shape[0];
        var device = x0.device;
        var u1Raw = u - 1.0 / Options.NumSamplingSteps;
        var hitClean = u1Raw.le(0);
        var s1 = RectifiedFlow.Shift(u1Raw.clamp_min(SoarOptions.MinRolloutU), shift);

        var vCfg = Guidance.Velocity(model, z0, s0, Guidance.Encode(model, batch.CaptionIds, batch.EmptyCaptionIds, Options.CfgScaleSampling), Options.CfgScaleSampling);
        var s0b = RectifiedFlow.Broadcast(s0, z0);
        var s1b = RectifiedFlow.Broadcast(s1, z0);
        var zh = RolloutState(z0, vCfg, s0, s1);
        // How far the model's own step leaves the forward path: the exposure bias SOAR corrects.
        double deviation = (zh - RectifiedFlow.Noise(x0, z1, s1)).flatten(1).norm(1).mean().item<float>();

        var all = arange(b, dtype: ScalarType.Int64, device: device);
        var points = new List<Tensor>();
        var sigmas = new List<Tensor>();
        var indices = new List<Tensor>();
        Interpolate(all, zh, s1, z1, generator, points, sigmas, indices);
        if (Options.NumRolloutPaths > 1)
        {
            // Samples whose rollout reached s = 0 keep only the ODE path, as in the reference.
            var active = hitClean.logical_not().nonzero().flatten();
            if (active.shape[0] > 0)
            {
                double sigmaMax = RectifiedFlow.Shift(0.999, shift);
                for (int m = 1; m < Options.NumRolloutPaths; m++)
                {
                    var zs = StochasticRollout.Step(Options.RolloutType, z0.index_select(0, active), vCfg.index_select(0, active),
                        s0b.index_select(0, active), s1b.index_select(0, active), Options.RolloutNoiseScale, sigmaMax, generator);
                    Interpolate(active, zs, s1.index_select(0, active), z1, generator, points, sigmas, indices);
                }
            }
        }
        var zPrime = cat(points, 0);
        var sPrime = cat(sigmas, 0);
        var sampleIndex = cat(indices, 0);
        var targets = CorrectionTarget(zPrime, x0.index_select(0, sampleIndex), sPrime);
        return new AuxiliaryBatch(zPrime, sPrime, targets, sampleIndex, zh, s1, deviation);
    }

    /// <summary>K points between a rollout state (at s1) and the SAME noise z1: s' ~ U[s1, 1].</summary>
    private void Interpolate(Tensor sampleIndex, Tensor start, Tensor s1, Tensor z1, Generator generator, List<Tensor> points, List<Tensor> sigmas, List<Tensor> indices)
    {
        long n = sampleIndex.shape[0];
        var fractions = rand([Options.TrajectoryLength, n], generator: generator).to(start.device);
        var targetsSigma = s1.unsqueeze(0) + fractions * (1 - s1).unsqueeze(0);
        var noise = z1.index_select(0, sampleIndex);
        for (int k = 0; k < Options.TrajectoryLength; k++)
        {
            var sPrime = targetsSigma[k];
            points.Add(Renoise(start, noise, s1, sPrime));
            sigmas.Add(sPrime);
            indices.Add(sampleIndex);
        }
    }

    /// <summary>One Euler step of the guided velocity from s0 to s1: zh = z0 + (s1 - s0) v_cfg.</summary>
    public static Tensor RolloutState(Tensor z0, Tensor vCfg, Tensor s0, Tensor s1) =>
        z0 + (RectifiedFlow.Broadcast(s1, z0) - RectifiedFlow.Broadcast(s0, z0)) * vCfg;

    /// <summary>z' = (1 - a) zh + a z1 with a = (s' - s1) / (1 - s1), clamped to [0, 1] as in the reference.</summary>
    public static Tensor Renoise(Tensor zh, Tensor z1, Tensor s1, Tensor sPrime)
    {
        var a = ((sPrime - s1) / (1 - s1).clamp_min(1e-8)).clamp(0, 1);
        var a4 = RectifiedFlow.Broadcast(a, zh);
        return (1 - a4) * zh + a4 * z1;
    }

    /// <summary>v* = (z' - x0) / s': one Euler step from z' to s = 0 lands exactly on x0.</summary>
    public static Tensor CorrectionTarget(Tensor zPrime, Tensor x0, Tensor sPrime) =>
        (zPrime - x0) / RectifiedFlow.Broadcast(sPrime, zPrime);

    /// <summary>
    /// (sum_i Lm_i + lambda sum_ik La_ik) / (B + lambda * count). mean * B is the reference's sum of per-sample
    /// means, since every sample has the same number of elements.
    /// </summary>
    public static Tensor Total(Tensor mainMean, long b, Tensor auxSum, long count, double lambda) =>
        (mainMean * b + auxSum * lambda) / (b + lambda * count);

    private static SoarOptions Validated(SoarOptions o) { o.Validate(); return o; }
}
