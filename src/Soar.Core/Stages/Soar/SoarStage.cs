using Soar.Core.Objectives;
using Soar.Core.Stages.Training;

namespace Soar.Core.Stages.Soar;

/// <summary>Kind "soar": SOAR self-correction training; every sft parameter plus the SOAR ones.</summary>
public sealed class SoarStage : IStage
{
    public string Kind => "soar";

    public StageResult Run(StageContext context, CancellationToken cancellationToken)
    {
        SoarOptions options;
        try
        {
            options = new SoarOptions
            {
                LambdaAux = context.Double("LambdaAux"),
                TrajectoryLength = context.Int("TrajectoryLength"),
                NumSamplingSteps = context.Int("NumSamplingSteps"),
                CfgScaleSampling = context.Double("CfgScaleSampling"),
                NumRolloutPaths = context.Int("NumRolloutPaths"),
                RolloutType = context.String("RolloutType").ToLowerInvariant(),
                RolloutNoiseScale = context.Double("RolloutNoiseScale"),
                AuxChunkSize = context.Int("AuxChunkSize"),
            };
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new StageException("SOAR1003", $"stage '{context.Name}': {e.Message}", e);
        }
        var result = TrainingStageRunner.Run(context, new SoarObjective(options), cancellationToken);
        result.Notes["soar"] = $"lambda_aux={options.LambdaAux} K={options.TrajectoryLength} N={options.NumSamplingSteps} cfg={options.CfgScaleSampling} M={options.NumRolloutPaths} rollout={options.RolloutType}";
        return result;
    }
}
