using Soar.Core.Models;
using Soar.Core.Objectives;
using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>
/// One optimizer update: the sum of <paramref name="MicroBatches"/> losses, each divided by their count, back-propagated
/// into one gradient. <paramref name="MicroBatch"/> builds micro-batch m's loss when the trainer asks for it (in order).
/// </summary>
public sealed record OptimizerUpdate(int MicroBatches, Func<int, ObjectiveOutput> MicroBatch);

/// <summary>What training step k does: its optimizer updates in order (none = the step is skipped) and step-level metrics.</summary>
public sealed record StepPlan(IReadOnlyList<OptimizerUpdate> Updates, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// Where a training step's data comes from: <see cref="DatasetSteps"/> (a batch objective over a curated dataset, as SFT
/// and SOAR train) or <see cref="FlowGrpoObjective"/> (scored rollouts of the current policy). <see cref="FlowTrainer"/>
/// runs either, so resume, EMA, clipping, logging and checkpoints exist once.
/// </summary>
public interface IStepSource
{
    string Name { get; }

    /// <summary>Whether the "loss" metric falls as the model learns (a regression loss does; a policy-gradient surrogate does not).</summary>
    bool MonitorsLoss { get; }

    /// <summary>Draws step k's data with the weights as they are at the step's start; all randomness from <paramref name="generator"/> or (seed, k).</summary>
    StepPlan Plan(VelocityModel model, int step, Generator generator, CancellationToken cancellationToken);

    /// <summary>Rows of the largest forward pass with a graph (what the activation estimate multiplies): one micro-batch unless the source says more.</summary>
    int RowsPerForward(TrainingOptions options) => options.BatchSize / options.GradAccumulation;
}
