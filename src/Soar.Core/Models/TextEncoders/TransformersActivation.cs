using static TorchSharp.torch;

namespace Soar.Core.Models.TextEncoders;

/// <summary>The activations of transformers' ACT2FN that CLIP and T5 configs name (hidden_act, dense_act_fn).</summary>
public static class TransformersActivation
{
    public static IReadOnlyList<string> Names { get; } = ["quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish"];

    /// <summary>The function for <paramref name="name"/>; an unknown name is an error listing the supported ones.</summary>
    public static Func<Tensor, Tensor> Get(string name) => name switch
    {
        // CLIP's original activation: x * sigmoid(1.702 x).
        "quick_gelu" => x => x * nn.functional.sigmoid(1.702 * x),
        "gelu" => x => nn.functional.gelu(x),
        // The tanh approximation: 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).
        "gelu_new" or "gelu_pytorch_tanh" => x => 0.5 * x * (1.0 + tanh(Math.Sqrt(2.0 / Math.PI) * (x + 0.044715 * pow(x, 3.0)))),
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        _ => throw new ArgumentException($"activation \"{name}\" is not supported; use one of {string.Join(", ", Names)}"),
    };
}
