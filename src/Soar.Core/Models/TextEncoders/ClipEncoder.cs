using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.TextEncoders;

/// <summary>transformers' CLIPEncoder: num_hidden_layers encoder layers under "layers.{i}".</summary>
public sealed class ClipEncoder : Module
{
    private readonly ModuleList<ClipEncoderLayer> layers;

    public ClipEncoder(ClipTextConfig config) : base(nameof(ClipEncoder))
    {
        layers = new ModuleList<ClipEncoderLayer>(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new ClipEncoderLayer(config)).ToArray());
        RegisterComponents();
    }

    /// <summary>The input followed by every layer's output (num_hidden_layers + 1 tensors, transformers' hidden_states).</summary>
    public List<Tensor> Forward(Tensor embeddings, Tensor mask)
    {
        var states = new List<Tensor> { embeddings };
        foreach (var layer in layers) states.Add(layer.forward(states[^1], mask));
        return states;
    }
}
