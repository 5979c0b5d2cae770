using System.Runtime.ExceptionServices;
using Soar.Core.Devices;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Soar.Core.Models;

/// <summary>
/// Gradient checkpointing of one block, as torch.utils.checkpoint's reentrant form (TorchSharp 0.107 has none): the
/// forward runs the block without a graph and keeps only its inputs; the backward runs it again with the graph on, under
/// the forward's autocast state and CPU generator state, and differentiates that run for the gradients of the inputs
/// and of the block's trainable parameters. A block's activations then cost its inputs and outputs, plus one block's
/// full activations while it is recomputed, for a second forward of every block.
/// </summary>
public static class BlockCheckpoint
{
    /// <summary>
    /// <paramref name="forward"/>(<paramref name="inputs"/>) checkpointed when <paramref name="enabled"/> and a graph is
    /// being recorded; otherwise a plain call. <paramref name="forward"/> must compute only from the tensors it is given
    /// and <paramref name="block"/>'s parameters (anything else it reads gets no gradient), and must compute the same when
    /// re-run in the backward pass: nothing may switch the block's state in between (LoraReference turns adapters off
    /// only under no_grad, where nothing is checkpointed).
    /// </summary>
    public static Tensor[] Run(bool enabled, nn.Module block, Func<Tensor[], Tensor[]> forward, params Tensor[] inputs)
    {
        if (!enabled || !is_grad_enabled()) return forward(inputs);
        var parameters = block.parameters().Where(p => p.requires_grad).ToArray();
        if (parameters.Length == 0 && !inputs.Any(t => t.requires_grad)) return forward(inputs);
        var device = inputs[0].device;
        var call = new Call(forward, inputs.Select(t => t.requires_grad).ToArray(), parameters, device,
            Autocast.IsActive(device), get_rng_state().DetachFromDisposeScope());
        return Recompute.apply([call, .. inputs, .. parameters]).ToArray();
    }

    // An exception cannot cross libtorch's autograd engine (it would end the process): the backward keeps it for the caller.
    private static ExceptionDispatchInfo? _failure;

    /// <summary>Rethrows what a recompute threw during the last backward pass (which then gave no gradients); the trainer calls it after each.</summary>
    public static void ThrowIfFailed() => Interlocked.Exchange(ref _failure, null)?.Throw();

    /// <summary>One output; see the other overload.</summary>
    public static Tensor Run(bool enabled, nn.Module block, Func<Tensor[], Tensor> forward, params Tensor[] inputs) =>
        Run(enabled, block, xs => [forward(xs)], inputs)[0];

    /// <summary>What the backward needs besides the saved inputs (the generator state is left to the finalizer: a retained graph may replay it twice).</summary>
    private sealed record Call(Func<Tensor[], Tensor[]> Forward, bool[] InputNeedsGrad, Tensor[] Parameters, Device Device, bool Autocast, Tensor RngState);

    private sealed class Recompute : MultiTensorFunction<Recompute>
    {
        public override string Name => nameof(BlockCheckpoint);

        public override List<Tensor> forward(AutogradContext ctx, params object[] vars)
        {
            var call = (Call)vars[0];
            var inputs = vars.Skip(1).Take(call.InputNeedsGrad.Length).Cast<Tensor>().ToList();
            ctx.save_for_backward(inputs);
            ctx.save_data(nameof(Call), call);
            // TorchSharp would fill a missing output gradient from a shape copy the caller's dispose scope has freed by then.
            ctx.set_materialize_grads(false);
            // The caller runs this without a graph: nothing inside the block is kept.
            return call.Forward([.. inputs]).ToList();
        }

        public override List<Tensor> backward(AutogradContext ctx, List<Tensor> gradOutputs)
        {
            try { return Gradients(ctx, gradOutputs); }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
                var call = (Call)ctx.get_data(nameof(Call));
                return [.. Enumerable.Repeat<Tensor>(null!, 1 + call.InputNeedsGrad.Length + call.Parameters.Length)];
            }
        }

        private static List<Tensor> Gradients(AutogradContext ctx, List<Tensor> gradOutputs)
        {
            var call = (Call)ctx.get_data(nameof(Call));
            var saved = ctx.get_saved_variables();
            using var scope = NewDisposeScope();
            var inputs = saved.Select((t, i) => t.detach().requires_grad_(call.InputNeedsGrad[i])).ToArray();
            Tensor[] outputs;
            var backwardRng = get_rng_state();
            set_rng_state(call.RngState);
            try
            {
                using var recording = enable_grad();
                using var autocast = call.Autocast ? Autocast.Enter(Precision.Bf16, call.Device) : Autocast.Suspend(call.Device);
                outputs = call.Forward(inputs);
            }
            finally
            {
                // Random draws after this backward continue from where they were, as torch's fork_rng leaves them.
                set_rng_state(backwardRng);
            }
            var wrt = inputs.Where((_, i) => call.InputNeedsGrad[i]).Concat(call.Parameters).ToList();
            var outputGrads = outputs.Select((o, i) => gradOutputs[i] is { IsInvalid: false } g ? g : zeros_like(o)).ToList();
            var grads = grad(outputs, wrt, outputGrads, allow_unused: true);
            // The argument list was (call, inputs..., parameters...): no gradient for the call itself.
            var result = new List<Tensor> { null! };
            int k = 0;
            foreach (bool needs in call.InputNeedsGrad) result.Add(needs ? Keep(grads[k++]) : null!);
            foreach (var _ in call.Parameters) result.Add(Keep(grads[k++]));
            return result;
        }

        // libtorch copies the returned gradients; the wrappers live until the caller's scope ends.
        private static Tensor Keep(Tensor t) => t.IsInvalid ? null! : t.MoveToOuterDisposeScope();
    }
}
