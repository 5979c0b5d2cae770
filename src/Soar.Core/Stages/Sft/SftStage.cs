using Soar.Core.Objectives;
using Soar.Core.Stages.Training;

namespace Soar.Core.Stages.Sft;

/// <summary>Kind "sft": supervised flow matching on a curated dataset (docs/objectives.md, "SFT").</summary>
public sealed class SftStage : IStage
{
    public string Kind => "sft";

    public StageResult Run(StageContext context, CancellationToken cancellationToken) =>
        TrainingStageRunner.Run(context, new SftObjective(), cancellationToken);
}
