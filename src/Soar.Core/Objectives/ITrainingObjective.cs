using Soar.Core.Models;
using Soar.Core.Training;
using static TorchSharp.torch;

namespace Soar.Core.Objectives;

/// <summary>A training objective: the differentiable loss of one micro-batch and the scalars worth logging.</summary>
public interface ITrainingObjective
{
    string Name { get; }
    ObjectiveOutput Loss(VelocityModel model, TrainingBatch batch, Generator generator);
}

/// <summary>The loss to back-propagate and the named scalars (already detached) to log.</summary>
public sealed record ObjectiveOutput(Tensor Loss, IReadOnlyDictionary<string, double> Metrics);
