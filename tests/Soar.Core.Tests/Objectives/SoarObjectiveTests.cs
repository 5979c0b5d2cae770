using Soar.Core.Flow;
using Soar.Core.Models;
using Soar.Core.Objectives;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Objectives;

public class SoarObjectiveTests
{
    private static float[] Values(Tensor t) => t.detach().flatten().data<float>().ToArray();

    [Fact]
    public void Two_pixel_hand_computed_case_for_every_formula()
    {
        // x0 = [1, -1], z1 = [0.5, 2], u = 0.5, shift 1 -> s0 = 0.5; N = 4 -> u1 = s1 = 0.25.
        using var x0 = tensor(new float[] { 1, -1 }).view(1, 1, 1, 2);
        using var z1 = tensor(new float[] { 0.5f, 2 }).view(1, 1, 1, 2);
        using var s0 = tensor(new float[] { 0.5f });
        var z0 = RectifiedFlow.Noise(x0, z1, s0);
        Assert.Equal(new[] { 0.75f, 0.5f }, Values(z0));
        // v_c = [1, 0], v_u = [0, 1], w = 4.5 -> v_cfg = [4.5, -3.5]
        var vCfg = RectifiedFlow.Guide(tensor(new float[] { 1, 0 }).view(1, 1, 1, 2), tensor(new float[] { 0, 1 }).view(1, 1, 1, 2), 4.5);
        Assert.Equal(new[] { 4.5f, -3.5f }, Values(vCfg));
        Assert.Equal(0.25, RectifiedFlow.Shift(Math.Max(0.5 - 1.0 / 4, 0), 1.0), 12);
        using var s1 = tensor(new float[] { 0.25f });
        // zh = z0 + (s1 - s0) v_cfg = [0.75 - 1.125, 0.5 + 0.875]
        var zh = SoarObjective.RolloutState(z0, vCfg, s0, s1);
        Assert.Equal(new[] { -0.375f, 1.375f }, Values(zh));
        // s' = 0.625 -> a = (0.625 - 0.25) / 0.75 = 0.5 -> z' = 0.5 zh + 0.5 z1
        using var sPrime = tensor(new float[] { 0.625f });
        var zPrime = SoarObjective.Renoise(zh, z1, s1, sPrime);
        Assert.Equal(new[] { 0.0625f, 1.6875f }, Values(zPrime));
        // v* = (z' - x0) / s' = [-0.9375 / 0.625, 2.6875 / 0.625]
        var target = SoarObjective.CorrectionTarget(zPrime, x0, sPrime);
        Assert.Equal(-1.5f, Values(target)[0], 5);
        Assert.Equal(4.3f, Values(target)[1], 5);
        // Total with B = 2, 6 aux points, lambda 0.5: (2 * 0.3 + 0.5 * 1.2) / (2 + 0.5 * 6) = 1.2 / 5
        var total = SoarObjective.Total(tensor(0.3f), 2, tensor(1.2f), 6, 0.5);
        Assert.Equal(0.24f, total.item<float>(), 6);
    }

    [Fact]
    public void Target_equals_the_sft_target_when_the_rollout_lies_on_the_forward_path()
    {
        using var x0 = randn(4, 3, 8, 8);
        using var z1 = randn(4, 3, 8, 8);
        using var s1 = tensor(new float[] { 0.05f, 0.2f, 0.5f, 0.9f });
        var onPath = RectifiedFlow.Noise(x0, z1, s1);
        using var sPrime = s1 + (1 - s1) * tensor(new float[] { 0.3f, 0.7f, 0.01f, 0.99f });
        var target = SoarObjective.CorrectionTarget(SoarObjective.Renoise(onPath, z1, s1, sPrime), x0, sPrime);
        Assert.True(target.allclose(z1 - x0, rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void One_euler_step_with_the_target_from_each_auxiliary_point_lands_on_x0()
    {
        var (model, batch) = Setup();
        var objective = new SoarObjective(new SoarOptions { NumRolloutPaths = 3, RolloutType = "cps" });
        using var g = new Generator(11, CPU);
        var x0 = batch.Images;
        var z1 = randn(x0.shape, generator: g);
        var (u, s0) = RectifiedFlow.SampleTimesteps(x0.shape[0], 1.0, g, CPU);
        var aux = objective.AuxiliaryPoints(model, batch, x0, z1, RectifiedFlow.Noise(x0, z1, s0), u, s0, 1.0, g);
        var landed = aux.Points - RectifiedFlow.Broadcast(aux.Sigmas, aux.Points) * aux.Targets;
        Assert.True(landed.allclose(x0.index_select(0, aux.SampleIndex), rtol: 1e-3, atol: 1e-3));
        // s' stays in [s1, 1] of its sample, never below the reference's floor shift(1/1000).
        var s1 = aux.RolloutSigma.index_select(0, aux.SampleIndex);
        Assert.True(aux.Sigmas.ge(s1 - 1e-6).all().item<bool>() && aux.Sigmas.le(1).all().item<bool>());
        Assert.True(aux.Sigmas.min().item<float>() >= SoarOptions.MinRolloutU * 0.999);
    }

    [Fact]
    public void No_gradient_flows_through_the_rollout()
    {
        var (model, batch) = Setup();
        var objective = new SoarObjective(new SoarOptions { NumRolloutPaths = 2, RolloutType = "flow_sde" });
        using var g = new Generator(3, CPU);
        var x0 = batch.Images;
        var z1 = randn(x0.shape, generator: g);
        var (u, s0) = RectifiedFlow.SampleTimesteps(x0.shape[0], 1.0, g, CPU);
        var aux = objective.AuxiliaryPoints(model, batch, x0, z1, RectifiedFlow.Noise(x0, z1, s0), u, s0, 1.0, g);
        Assert.False(aux.Points.requires_grad);
        Assert.False(aux.Targets.requires_grad);
        Assert.False(aux.RolloutState.requires_grad);
        // The loss still has a gradient (through the predictions at z0 and z').
        var output = objective.Loss(model, batch, new Generator(3, CPU));
        Assert.True(output.Loss.requires_grad);
    }

    [Fact]
    public void Loss_is_normalised_by_B_plus_lambda_B_K()
    {
        // A fresh model predicts v = 0, so every term can be recomputed by hand from the same draws.
        var (model, batch) = Setup(zeroOutput: true);
        var options = new SoarOptions { LambdaAux = 0.5, TrajectoryLength = 3, NumSamplingSteps = 10 };
        var output = new SoarObjective(options).Loss(model, batch, new Generator(21, CPU));

        using var g = new Generator(21, CPU);
        var x0 = batch.Images;
        long b = x0.shape[0];
        var z1 = randn(x0.shape, generator: g);
        var (u, s0) = RectifiedFlow.SampleTimesteps(b, 1.0, g, CPU);
        var z0 = RectifiedFlow.Noise(x0, z1, s0);
        double mainSum = (z1 - x0).square().flatten(1).mean([1]).sum().item<float>();
        var s1 = RectifiedFlow.Shift((u - 0.1).clamp_min(SoarOptions.MinRolloutU), 1.0);
        var fractions = rand([3, b], generator: g);
        double auxSum = 0;
        for (int k = 0; k < 3; k++)
        {
            var sPrime = s1 + fractions[k] * (1 - s1);
            // v = 0, so zh = z0 (the zero model's rollout does not move).
            var target = SoarObjective.CorrectionTarget(SoarObjective.Renoise(z0, z1, s1, sPrime), x0, sPrime);
            auxSum += target.square().flatten(1).mean([1]).sum().item<float>();
        }
        double expected = (mainSum + 0.5 * auxSum) / (b + 0.5 * b * 3);
        Assert.Equal(expected, output.Loss.item<float>(), 3);
        Assert.Equal(3.0, output.Metrics["aux_points_per_sample"]);
    }

    [Fact]
    public void Extra_paths_skip_samples_whose_rollout_reached_s_zero()
    {
        var (model, batch) = Setup();
        var objective = new SoarObjective(new SoarOptions { NumRolloutPaths = 3, TrajectoryLength = 2, NumSamplingSteps = 2 });
        using var g = new Generator(1, CPU);
        var x0 = batch.Images;
        var z1 = randn(x0.shape, generator: g);
        // u = 0.3 hits the clean boundary with N = 2 (0.3 - 0.5 <= 0); u = 0.9 does not.
        using var u = tensor(new float[] { 0.3f, 0.9f, 0.3f, 0.9f });
        var aux = objective.AuxiliaryPoints(model, batch, x0, z1, RectifiedFlow.Noise(x0, z1, u), u, u, 1.0, g);
        var perSample = aux.SampleIndex.bincount(null, 4).data<long>().ToArray();
        Assert.Equal(new long[] { 2, 6, 2, 6 }, perSample);
    }

    private static (VelocityModel Model, TrainingBatch Batch) Setup(bool zeroOutput = false)
    {
        manual_seed(5);
        var model = ModelRegistry.Create(ModelRegistry.FromPreset("tiny", 8, vocabSize: 6, maxTokens: 4, timestepShift: 1.0));
        if (!zeroOutput)
            using (no_grad()) foreach (var p in model.parameters()) if (p.abs().sum().item<float>() == 0) p.normal_(0, 0.05);
        var images = rand(4, 3, 8, 8) * 2 - 1;
        var ids = tensor(new long[] { 1, 2, 3, 0, 1, 4, 0, 0, 1, 5, 2, 0, 1, 3, 0, 0 }).view(4, 4);
        var empty = tensor(new long[] { 1, 0, 0, 0 }).view(1, 4);
        return (model, new TrainingBatch(images, ids, empty));
    }
}
