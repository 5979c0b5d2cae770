using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Checkpoints;

/// <summary>
/// TorchSharp's AdamW state as a safetensors file, keyed by the model's parameter names (PyTorch's layout):
/// tensors <c>state.{param}.exp_avg</c>, <c>.exp_avg_sq</c>, <c>.max_exp_avg_sq</c> (amsgrad only) and <c>.step</c>
/// (I64 scalar); metadata <c>param_groups</c> = JSON list of {params, lr, initial_lr, betas, eps, weight_decay,
/// amsgrad, maximize}. Restoring all of it makes a resumed run bit-identical to an uninterrupted one.
/// </summary>
public static class AdamWState
{
    public const string OptimizerKey = "optimizer";
    public const string ParamGroupsKey = "param_groups";

    public static void Save(string path, AdamW optimizer, nn.Module model)
    {
        using var scope = NewDisposeScope();
        var names = ParameterNames(model);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var groups = new JsonArray();
        foreach (var (group, parameters) in Groups(optimizer))
        {
            var options = (AdamW.Options)group.Options;
            var paramNames = new JsonArray();
            foreach (var (parameter, state) in parameters)
            {
                var name = names.TryGetValue(parameter.Handle, out var n) ? n : throw new ArgumentException(
                    $"The optimizer updates a parameter of shape [{string.Join(',', parameter.shape)}] that is not in the model; pass the module whose parameters the optimizer was built from.");
                paramNames.Add(name);
                tensors[$"state.{name}.step"] = tensor(state.step);
                tensors[$"state.{name}.exp_avg"] = state.exp_avg;
                tensors[$"state.{name}.exp_avg_sq"] = state.exp_avg_sq;
                if (state.max_exp_avg_sq is not null)
                    tensors[$"state.{name}.max_exp_avg_sq"] = state.max_exp_avg_sq;
            }
            groups.Add(new JsonObject
            {
                ["params"] = paramNames,
                ["lr"] = options.LearningRate!.Value,
                ["initial_lr"] = options.InitialLearningRate,
                ["betas"] = new JsonArray(options.beta1!.Value, options.beta2!.Value),
                ["eps"] = options.eps!.Value,
                ["weight_decay"] = options.weight_decay!.Value,
                ["amsgrad"] = options.amsgrad!.Value,
                ["maximize"] = options.maximize!.Value,
            });
        }
        SafeTensorsFile.Save(path, tensors, new Dictionary<string, string>
        {
            [OptimizerKey] = "AdamW",
            [ParamGroupsKey] = groups.ToJsonString(),
        });
    }

    /// <summary>
    /// Restores hyper-parameters and moment estimates into <paramref name="optimizer"/>, which must have been built
    /// over <paramref name="model"/>'s parameters in the same groups; the saved hyper-parameters win, as in PyTorch.
    /// </summary>
    public static void Load(string path, AdamW optimizer, nn.Module model) => Load(optimizer, model, path, () => SafeTensorsFile.Load(path));

    /// <summary>As <see cref="Load(string, AdamW, nn.Module)"/>, from a seekable stream of safetensors bytes; <paramref name="name"/> names it in errors.</summary>
    public static void Load(Stream data, string name, AdamW optimizer, nn.Module model) => Load(optimizer, model, name, () => SafeTensorsFile.Load(data, name));

    private static void Load(AdamW optimizer, nn.Module model, string path, Func<(Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata)> read)
    {
        using var scope = NewDisposeScope();
        var (tensors, metadata) = read();
        if (!metadata.TryGetValue(OptimizerKey, out var kind) || kind != "AdamW")
            throw new InvalidDataException($"'{path}' is not an AdamW state file (metadata '{OptimizerKey}' is '{kind}').");
        var savedGroups = ReadGroups(metadata, path);
        var names = ParameterNames(model);
        var groups = Groups(optimizer).ToList();
        if (groups.Count != savedGroups.Count)
            throw new InvalidDataException($"'{path}' holds {savedGroups.Count} parameter groups but the optimizer has {groups.Count}.");

        // Validate everything before changing anything, so a mismatch leaves the optimizer untouched.
        var plan = new List<(AdamW.Options Options, SavedGroup Saved, List<(Parameter Parameter, AdamW.State State, string Name)> Items)>();
        for (var g = 0; g < groups.Count; g++)
        {
            var (group, parameters) = groups[g];
            var saved = savedGroups[g];
            if (parameters.Count != saved.Params.Length)
                throw new InvalidDataException($"Parameter group {g} in '{path}' has {saved.Params.Length} parameters but the optimizer's has {parameters.Count}.");
            var items = new List<(Parameter, AdamW.State, string)>();
            for (var i = 0; i < parameters.Count; i++)
            {
                var (parameter, state) = parameters[i];
                var name = names.TryGetValue(parameter.Handle, out var n) ? n : throw new ArgumentException(
                    "The optimizer updates a parameter that is not in the model; pass the module whose parameters the optimizer was built from.");
                if (name != saved.Params[i])
                    throw new InvalidDataException($"Parameter group {g} position {i} in '{path}' is '{saved.Params[i]}' but the optimizer has '{name}' there.");
                foreach (var suffix in saved.Amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : new[] { "exp_avg", "exp_avg_sq" })
                    CheckMoment(tensors, $"state.{name}.{suffix}", parameter, path);
                var step = tensors.GetValueOrDefault($"state.{name}.step");
                if (step is null || step.dtype != ScalarType.Int64 || step.NumberOfElements != 1)
                    throw new InvalidDataException($"'{path}' has no I64 scalar 'state.{name}.step'.");
                items.Add((parameter, state, name));
            }
            plan.Add(((AdamW.Options)group.Options, saved, items));
        }

        using var noGrad = no_grad();
        foreach (var (options, saved, items) in plan)
        {
            options.LearningRate = saved.Lr;
            options.InitialLearningRate = saved.InitialLr;
            options.beta1 = saved.Beta1;
            options.beta2 = saved.Beta2;
            options.eps = saved.Eps;
            options.weight_decay = saved.WeightDecay;
            options.amsgrad = saved.Amsgrad;
            options.maximize = saved.Maximize;
            foreach (var (parameter, state, name) in items)
            {
                state.step = tensors[$"state.{name}.step"].item<long>();
                state.exp_avg.copy_(tensors[$"state.{name}.exp_avg"]);
                state.exp_avg_sq.copy_(tensors[$"state.{name}.exp_avg_sq"]);
                if (saved.Amsgrad)
                {
                    state.max_exp_avg_sq ??= zeros_like(parameter).DetachFromDisposeScope();
                    state.max_exp_avg_sq.copy_(tensors[$"state.{name}.max_exp_avg_sq"]);
                }
                else
                {
                    state.max_exp_avg_sq?.Dispose();
                    state.max_exp_avg_sq = null;
                }
            }
        }
    }

    private static void CheckMoment(Dictionary<string, Tensor> tensors, string key, Parameter parameter, string path)
    {
        if (!tensors.TryGetValue(key, out var t))
            throw new InvalidDataException($"'{path}' has no tensor '{key}'.");
        if (!t.shape.SequenceEqual(parameter.shape) || t.dtype != parameter.dtype)
            throw new InvalidDataException($"Tensor '{key}' in '{path}' is {t.dtype} [{string.Join(',', t.shape)}] but the parameter is {parameter.dtype} [{string.Join(',', parameter.shape)}].");
    }

    private static Dictionary<IntPtr, string> ParameterNames(nn.Module model)
    {
        var names = new Dictionary<IntPtr, string>();
        foreach (var (name, parameter) in model.named_parameters())
            names.TryAdd(parameter.Handle, name);
        return names;
    }

    /// <summary>Parameter groups with each parameter's state, in the order <c>state_dict()</c> lists them.</summary>
    private static IEnumerable<(ParamGroup Group, List<(Parameter Parameter, AdamW.State State)> Parameters)> Groups(AdamW optimizer)
    {
        var states = optimizer.state_dict().State;
        var index = 0;
        foreach (var group in optimizer.ParamGroups.Cast<ParamGroup>())
        {
            var items = new List<(Parameter, AdamW.State)>();
            foreach (var parameter in group.Parameters)
                items.Add((parameter, (AdamW.State)states[index++]));
            yield return (group, items);
        }
    }

    private sealed record SavedGroup(string[] Params, double Lr, double InitialLr, double Beta1, double Beta2, double Eps, double WeightDecay, bool Amsgrad, bool Maximize);

    private static List<SavedGroup> ReadGroups(Dictionary<string, string> metadata, string path)
    {
        try
        {
            var groups = JsonNode.Parse(metadata.GetValueOrDefault(ParamGroupsKey) ?? "null") as JsonArray
                ?? throw new InvalidDataException($"'{path}' has no '{ParamGroupsKey}' metadata list.");
            return groups.Select(node =>
            {
                var g = node!.AsObject();
                var betas = g["betas"]!.AsArray();
                return new SavedGroup(
                    g["params"]!.AsArray().Select(p => p!.GetValue<string>()).ToArray(),
                    g["lr"]!.GetValue<double>(), g["initial_lr"]!.GetValue<double>(),
                    betas[0]!.GetValue<double>(), betas[1]!.GetValue<double>(),
                    g["eps"]!.GetValue<double>(), g["weight_decay"]!.GetValue<double>(),
                    g["amsgrad"]!.GetValue<bool>(), g["maximize"]!.GetValue<bool>());
            }).ToList();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw new InvalidDataException($"'{path}' has malformed '{ParamGroupsKey}' metadata: {e.Message}");
        }
    }
}
