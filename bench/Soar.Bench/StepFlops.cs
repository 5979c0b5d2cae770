using Soar.Core.Models;
using Soar.Core.Models.DiT;
using Soar.Core.Objectives;
using Soar.Core.Rl;

namespace Soar.Bench;

/// <summary>
/// Matrix-multiply FLOPs of one training step, from <see cref="ModelFlops"/>. A forward whose graph is back-propagated
/// costs 3x its forward (the backward computes gradients for weights and inputs, 2x); a no-gradient forward 1x.
/// 3x slightly over-counts the layers whose input needs no gradient (patch embedding, timestep fc1: under 1%).
/// The optimizer step is elementwise and not counted.
/// </summary>
public static class StepFlops
{
    private const double Graded = 3;

    /// <summary>SftObjective: one VelocityModel.forward of the batch with gradient.</summary>
    public static double Sft(ModelConfig c, long b) => Graded * ModelFlops.Forward(c, b);

    /// <summary>
    /// SoarObjective.Loss, B rows, K = TrajectoryLength, M = NumRolloutPaths, in row-forwards:
    ///   caption encoder  B with gradient (encoded once; the main and auxiliary velocities share it via index_select)
    ///                    + 2B without (GuidedVelocity encodes [captions; empty] again for the CFG rollout);
    ///   velocity         B with gradient (main loss) + 2B without (the guided rollout step, cond and uncond in one batch)
    ///                    + B*K*M with gradient (every auxiliary point in one batched forward).
    /// Defaults (K = 6, M = 1): encoder 3B + 2B, velocity 3B + 2B + 18B against SFT's 3B + 3B, so a SOAR step is
    /// (5 enc + 23 vel) / (3 enc + 3 vel) SFT steps: about 7.3 for tiny. For M > 1 every sample is counted on every
    /// extra path (an upper bound: samples whose rollout reached s = 0 take no extra path). LambdaAux = 0 or K = 0 is SFT.
    /// </summary>
    public static double Soar(ModelConfig c, long b, SoarOptions o)
    {
        if (o.LambdaAux == 0 || o.TrajectoryLength == 0) return Sft(c, b);
        double enc = ModelFlops.CaptionEncoderPerRow(c), vel = ModelFlops.VelocityPerRow(c);
        double auxRows = (double)b * o.TrajectoryLength * o.NumRolloutPaths;
        return Graded * b * (enc + vel) + 2 * b * (enc + vel) + Graded * auxRows * vel;
    }

    /// <summary>RolloutSampler.Sample of B = RolloutsPerStep rows: the captions encoded once, then T velocities (2B rows with CFG).</summary>
    public static double FlowGrpoRollout(ModelConfig c, FlowGrpoOptions o)
    {
        double rows = Guided(o) * o.RolloutsPerStep;
        return rows * (ModelFlops.CaptionEncoderPerRow(c) + o.SdeSteps * ModelFlops.VelocityPerRow(c));
    }

    /// <summary>
    /// FlowGrpoObjective's updates over <paramref name="trainedRows"/> rollouts (those with a nonzero advantage), split
    /// into mini-batches whose rows add up to them. Per epoch and trained transition j &lt; J: the policy encodes
    /// the captions and runs the velocity on 2 rows per rollout with CFG, both with gradient (the detached
    /// unconditional half still goes through the batched backward); with beta &gt; 0 the reference encodes once per
    /// mini-batch and runs one no-gradient velocity per transition.
    /// </summary>
    public static double FlowGrpoUpdate(ModelConfig c, FlowGrpoOptions o, int trainedRows, int trainedTimesteps)
    {
        double enc = ModelFlops.CaptionEncoderPerRow(c), vel = ModelFlops.VelocityPerRow(c);
        double rows = Guided(o) * trainedRows;
        double policy = trainedTimesteps * Graded * rows * (enc + vel);
        double reference = o.Beta > 0 ? rows * (enc + trainedTimesteps * vel) : 0;
        return o.InnerEpochs * (policy + reference);
    }

    private static int Guided(FlowGrpoOptions o) => o.Cfg != 1.0 ? 2 : 1;
}
