namespace Soar.Core.Objectives;

/// <summary>SOAR hyper-parameters, named and defaulted as in the official HY-SOAR training script.</summary>
public sealed record SoarOptions
{
    /// <summary>lambda_aux: weight of the auxiliary (correction) loss; 0 turns SOAR into SFT exactly.</summary>
    public double LambdaAux { get; init; } = 1.0;
    /// <summary>trajectory_length K: re-noised points per rollout path.</summary>
    public int TrajectoryLength { get; init; } = 6;
    /// <summary>num_sampling_steps N: the rollout step is 1/N in pre-shift time.</summary>
    public int NumSamplingSteps { get; init; } = 40;
    /// <summary>cfg_scale_sampling: CFG scale of the rollout velocity.</summary>
    public double CfgScaleSampling { get; init; } = 4.5;
    /// <summary>num_rollout_paths M: 1 = the ODE path only; extra paths take a stochastic step.</summary>
    public int NumRolloutPaths { get; init; } = 1;
    /// <summary>sde_rollout_type of the extra paths: simple, sde, flow_sde or cps.</summary>
    public string RolloutType { get; init; } = "flow_sde";
    /// <summary>sde_noise_scale of the stochastic paths.</summary>
    public double RolloutNoiseScale { get; init; } = 0.5;
    /// <summary>
    /// Auxiliary points per forward-backward chunk (0: all K x B in one forward). Chunks bound a step's activation
    /// memory by about one SFT step's; the loss and gradients equal the unchunked step's up to float summation order.
    /// </summary>
    public int AuxChunkSize { get; init; }

    /// <summary>
    /// The reference snaps sigmas to a 1000-entry table, so its rollout never reaches below shift(1/1000);
    /// we keep that floor so the correction target (z' - x0) / s' stays bounded: s' >= shift(0.001).
    /// </summary>
    public const double MinRolloutU = 1.0 / 1000;

    public static IReadOnlyList<string> RolloutTypes { get; } = ["simple", "sde", "flow_sde", "cps"];

    public void Validate()
    {
        if (LambdaAux < 0) throw new ArgumentOutOfRangeException(nameof(LambdaAux), "LambdaAux must be >= 0");
        if (TrajectoryLength < 0) throw new ArgumentOutOfRangeException(nameof(TrajectoryLength), "TrajectoryLength must be >= 0");
        if (NumSamplingSteps < 1) throw new ArgumentOutOfRangeException(nameof(NumSamplingSteps), "NumSamplingSteps must be >= 1");
        if (AuxChunkSize < 0) throw new ArgumentOutOfRangeException(nameof(AuxChunkSize), "AuxChunkSize must be >= 0 (0: one forward)");
        if (NumRolloutPaths < 1) throw new ArgumentOutOfRangeException(nameof(NumRolloutPaths), "NumRolloutPaths must be >= 1");
        if (!RolloutTypes.Contains(RolloutType))
            throw new ArgumentException($"unknown RolloutType '{RolloutType}'; use one of {string.Join(", ", RolloutTypes)}", nameof(RolloutType));
    }
}
