using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Models.SD3;

/// <summary>
/// One forward of an <see cref="SD3Transformer2DModel"/> on tensors named as diffusers' forward names its arguments
/// (hidden_states, timestep, encoder_hidden_states, pooled_projections), for numerical comparison with other
/// implementations; the result is "sample". Inputs of any float dtype run in the model's dtype (float32).
/// </summary>
public static class VelocityInputs
{
    public static IReadOnlyList<string> Names { get; } = ["hidden_states", "timestep", "encoder_hidden_states", "pooled_projections"];
    public const string OutputName = "sample";

    /// <summary>Reads <paramref name="inputsPath"/>, runs the model without gradients and writes "sample" to <paramref name="outputPath"/>.</summary>
    public static void Run(SD3Transformer2DModel model, string inputsPath, string outputPath)
    {
        using var scope = NewDisposeScope();
        var (tensors, _) = SafeTensorsFile.Load(inputsPath);
        var missing = Names.Where(n => !tensors.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{inputsPath}: no tensor{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)}; the inputs file needs {string.Join(", ", Names)}");
        var extra = tensors.Keys.Where(k => !Names.Contains(k)).ToList();
        if (extra.Count > 0)
            throw new InvalidDataException($"{inputsPath}: unexpected tensor{(extra.Count > 1 ? "s" : "")} {string.Join(", ", extra)}; the inputs file holds only {string.Join(", ", Names)}");
        var dtype = model.parameters().First().dtype;
        var device = model.parameters().First().device;
        Tensor Get(string name, int dims)
        {
            var t = tensors[name];
            if (t.dim() != dims) throw new InvalidDataException($"{inputsPath}: '{name}' has shape {SD3Weights.Shape(t)}, expected {dims} dimensions");
            return t.to(dtype).to(device);
        }
        var x = Get("hidden_states", 4);
        var timestep = tensors["timestep"].dim() == 0 ? tensors["timestep"].to(dtype).to(device).expand(x.shape[0]) : Get("timestep", 1);
        var context = Get("encoder_hidden_states", 3);
        var pooled = Get("pooled_projections", 2);
        var c = model.Config;
        if (x.shape[1] != c.InChannels || context.shape[2] != c.JointAttentionDim || pooled.shape[1] != c.PooledProjectionDim
            || timestep.shape[0] != x.shape[0] || context.shape[0] != x.shape[0] || pooled.shape[0] != x.shape[0])
            throw new InvalidDataException($"{inputsPath}: hidden_states {SD3Weights.Shape(x)}, timestep {SD3Weights.Shape(timestep)}, encoder_hidden_states {SD3Weights.Shape(context)} " +
                $"and pooled_projections {SD3Weights.Shape(pooled)} do not fit the model: [B, {c.InChannels}, H, W], [B], [B, L, {c.JointAttentionDim}], [B, {c.PooledProjectionDim}]");
        model.eval();
        using var noGrad = no_grad();
        var sample = model.forward(x, timestep, context, pooled);
        SafeTensorsFile.Save(outputPath, new Dictionary<string, Tensor> { [OutputName] = sample }, new Dictionary<string, string> { ["format"] = "pt" });
    }
}
