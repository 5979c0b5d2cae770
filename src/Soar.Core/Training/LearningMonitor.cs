using Soar.Core.Stages;

namespace Soar.Core.Training;

/// <summary>
/// Stops a run that is silently not learning: weights that did not move after the first logged window, or a loss
/// whose logged window means keep rising far above the best one seen (divergence that has not reached NaN yet).
/// </summary>
public sealed class LearningMonitor
{
    /// <summary>Consecutive logged windows above <see cref="RiseFactor"/> x the best window before the run stops.</summary>
    public int Patience { get; init; } = 5;
    public double RiseFactor { get; init; } = 3.0;

    private double _best = double.PositiveInfinity;
    private double _previous = double.NaN;
    private int _risingWindows;
    private bool _checkedWeights;

    /// <summary>Checks one logged window; throws a <see cref="StageException"/> that says which check failed and where.</summary>
    public void Observe(int step, double windowLoss, Func<bool> weightsChanged)
    {
        if (!_checkedWeights)
        {
            _checkedWeights = true;
            if (!weightsChanged())
                throw new StageException("SOAR2106", $"the weights did not change in the first {step} steps (is LearningRate 0, or are all gradients zero?); training stopped");
        }
        bool rising = !double.IsNaN(_previous) && windowLoss > _previous && windowLoss > RiseFactor * _best;
        _risingWindows = rising ? _risingWindows + 1 : 0;
        if (_risingWindows >= Patience)
            throw new StageException("SOAR2107", $"the loss rose for {_risingWindows} logged windows in a row to {windowLoss:G4} at step {step}, over {RiseFactor}x its best ({_best:G4}); training stopped: lower LearningRate or raise WarmupSteps");
        _best = Math.Min(_best, windowLoss);
        _previous = windowLoss;
    }
}
