using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Models.Lora;

/// <summary>
/// The policy with its adapters turned off, as a <see cref="VelocityModel"/>: Flow-GRPO's KL reference when only
/// adapters train (as the official code does, disable_adapter()), without a second copy of the weights. It owns no
/// weights of its own, only an empty marker parameter that says which device the policy is on.
/// </summary>
public sealed class LoraReference : VelocityModel
{
    // Held outside a module-typed field, so the policy is neither registered nor disposed with this wrapper.
    private readonly Holder _policy;
    private readonly Parameter device_marker;

    public LoraReference(VelocityModel policy) : base(nameof(LoraReference))
    {
        _policy = new Holder(policy, LoraAdapters.RootOf(policy));
        device_marker = new Parameter(zeros(0, device: policy.parameters().First().device), requires_grad: false);
        RegisterComponents();
    }

    public override ModelConfig Config => _policy.Model.Config;

    public override EncodedCaption EncodeCaption(Tensor ids)
    {
        using var off = LoraAdapters.Disabled(_policy.Root);
        return _policy.Model.EncodeCaption(ids);
    }

    public override Tensor Velocity(Tensor x, Tensor sigma, EncodedCaption caption)
    {
        using var off = LoraAdapters.Disabled(_policy.Root);
        return _policy.Model.Velocity(x, sigma, caption);
    }

    private sealed record Holder(VelocityModel Model, nn.Module Root);
}
