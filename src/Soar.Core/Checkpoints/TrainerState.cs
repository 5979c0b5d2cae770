using System.Text.Json;
using System.Text.Json.Nodes;

namespace Soar.Core.Checkpoints;

/// <summary>
/// Where training stands: the cumulative optimizer step plus caller-defined values (samples seen, RNG state,
/// schedule position...). Stored as <c>trainer_state.json</c>: <c>{"global_step": N, ...values}</c>.
/// </summary>
public sealed class TrainerState
{
    public const string StepKey = "global_step";

    public TrainerState(long step, JsonObject? values = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (values?.ContainsKey(StepKey) == true)
            throw new ArgumentException($"'{StepKey}' is the step itself; pass it as the step, not as a value.", nameof(values));
        Step = step;
        Values = values ?? [];
    }

    public long Step { get; }

    public JsonObject Values { get; }

    public string ToJson()
    {
        var root = new JsonObject { [StepKey] = Step };
        foreach (var (key, value) in Values)
            root[key] = value?.DeepClone();
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public static TrainerState FromJson(string json, string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Trainer state '{path}' is not valid JSON: {e.Message}");
        }
        if (root is not JsonObject obj)
            throw new InvalidDataException($"Trainer state '{path}' must be a JSON object.");
        if (obj[StepKey] is not JsonValue stepValue || !stepValue.TryGetValue<long>(out var step) || step < 0)
            throw new InvalidDataException($"Trainer state '{path}' needs a non-negative integer '{StepKey}'.");
        var values = new JsonObject();
        foreach (var (key, value) in obj)
            if (key != StepKey)
                values[key] = value?.DeepClone();
        return new TrainerState(step, values);
    }
}
