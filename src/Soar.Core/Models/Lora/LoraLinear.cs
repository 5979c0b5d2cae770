using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Lora;

/// <summary>
/// A linear layer y = W x + b (parameters named "weight" and "bias", as torch's Linear names them, initialised as it
/// does) that can carry a LoRA adapter with PEFT's semantics: y = W x + b + (alpha / rank) B (A x), A
/// Kaiming-uniform (a = sqrt 5), B zeros, registered as submodules "lora_A" and "lora_B" so their state-dict names are
/// PEFT's with the adapter name dropped (<c>to_q.lora_A.weight</c>).
/// </summary>
public sealed class LoraLinear : Module<Tensor, Tensor>
{
    private Parameter weight;
    private Parameter? bias;
    // Registered by hand (register_module) when an adapter is added; fields only for the forward pass.
    private Linear? _loraA;
    private Linear? _loraB;

    public long InFeatures { get; }
    public long OutFeatures { get; }
    /// <summary>alpha / rank, PEFT's scaling of B(A x).</summary>
    public double Scaling { get; private set; }
    public int Rank { get; private set; }
    public double Alpha { get; private set; }
    /// <summary>False runs the base layer alone (Flow-GRPO's KL reference is the model with its adapters off).</summary>
    public bool AdapterEnabled { get; set; } = true;
    public bool HasAdapter => _loraA is not null;

    public Parameter Weight => weight;
    public Parameter? Bias => bias;
    public Linear? LoraA => _loraA;
    public Linear? LoraB => _loraB;

    public LoraLinear(long inFeatures, long outFeatures, bool hasBias = true) : base(nameof(LoraLinear))
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        // torch.nn.Linear's initialisation, in its order (weight then bias), so a seed gives the same numbers.
        // Detached: a model may be built inside a caller's dispose scope.
        weight = (Parameter)empty(outFeatures, inFeatures).AsParameter().DetachFromDisposeScope();
        init.kaiming_uniform_(weight, a: Math.Sqrt(5));
        if (hasBias)
        {
            bias = (Parameter)empty(outFeatures).AsParameter().DetachFromDisposeScope();
            var bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
            init.uniform_(bias, -bound, bound);
        }
        RegisterComponents();
    }

    /// <summary>
    /// Adds a rank-<paramref name="rank"/> adapter, B zeros so the output is unchanged; A Kaiming-uniform (a = sqrt 5,
    /// PEFT's default) or, with <paramref name="gaussianInit"/>, N(0, 1/rank^2) (PEFT's init_lora_weights="gaussian", which flow_grpo uses).
    /// </summary>
    public void AddAdapter(int rank, double alpha, bool gaussianInit = false)
    {
        if (HasAdapter) throw new InvalidOperationException("this layer already has a LoRA adapter; remove or merge it first");
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be at least 1");
        var a = Linear(InFeatures, rank, hasBias: false, device: weight.device, dtype: weight.dtype);
        var b = Linear(rank, OutFeatures, hasBias: false, device: weight.device, dtype: weight.dtype);
        using (no_grad())
        {
            if (gaussianInit) init.normal_(a.weight, std: 1.0 / rank);
            else init.kaiming_uniform_(a.weight, a: Math.Sqrt(5));
            b.weight.zero_();
        }
        register_module("lora_A", a);
        register_module("lora_B", b);
        (_loraA, _loraB, Rank, Alpha, Scaling, AdapterEnabled) = (a, b, rank, alpha, alpha / rank, true);
    }

    /// <summary>W += (alpha / rank) B A, then drops the adapter: the layer computes what it computed with the adapter on.</summary>
    public void Merge()
    {
        if (!HasAdapter) return;
        using (no_grad())
        using (var scope = NewDisposeScope())
            weight.add_(_loraB!.weight.matmul(_loraA!.weight).mul(Scaling).to(weight.dtype));
        RemoveAdapter();
    }

    /// <summary>Drops the adapter without changing the base weights.</summary>
    public void RemoveAdapter()
    {
        if (!HasAdapter) return;
        register_module("lora_A", null!);
        register_module("lora_B", null!);
        _loraA!.Dispose();
        _loraB!.Dispose();
        (_loraA, _loraB, Rank, Alpha, Scaling) = (null, null, 0, 0, 0);
    }

    public override Tensor forward(Tensor x)
    {
        var y = functional.linear(x, weight, bias);
        if (_loraA is null || !AdapterEnabled) return y;
        using var scope = NewDisposeScope();
        return y.add(_loraB!.forward(_loraA.forward(x)).mul(Scaling)).MoveToOuterDisposeScope();
    }
}
