using Soar.Core.Models;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Objectives;

/// <summary>A training objective: the differentiable loss of one micro-batch and the scalars worth logging.</summary>
public interface ITrainingObjective
{
    string Name { get; }

    /// <summary>The objective's own options, recorded in the checkpoint's config.json lineage (so a package says how it was trained).</summary>
    System.Text.Json.Nodes.JsonObject Describe() => new();

    ObjectiveOutput Loss(VelocityModel model, TrainingBatch batch, Generator generator);

    /// <summary>Rows of the largest forward pass with a graph for a batch of <paramref name="batch"/> images (the memory estimate's multiplier).</summary>
    int RowsPerForward(int batch) => batch;
}

/// <summary>The loss to back-propagate and the named scalars (already detached) to log.</summary>
/// <param name="BackPropagated">The objective already back-propagated its loss (times the batch's LossScale), chunk by
/// chunk to bound memory; <paramref name="Loss"/> is then its detached value and the trainer only reads it.</param>
public sealed record ObjectiveOutput(Tensor Loss, IReadOnlyDictionary<string, double> Metrics, bool BackPropagated = false);
