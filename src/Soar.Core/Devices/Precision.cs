namespace Soar.Core.Devices;

/// <summary>The Precision parameter: fp32 everywhere, or bf16 autocast (<see cref="Autocast"/>) with fp32 master weights.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<Precision>))]
public enum Precision
{
    Fp32,
    Bf16,
}

public static class PrecisionNames
{
    public static IReadOnlyList<string> All { get; } = ["fp32", "bf16"];

    public static Precision Parse(string value, string parameter = "Precision") => value.Trim().ToLowerInvariant() switch
    {
        "fp32" or "float32" => Precision.Fp32,
        "bf16" or "bfloat16" => Precision.Bf16,
        _ => throw new ArgumentException($"{parameter}='{value}' is not a precision; use fp32 or bf16"),
    };

    public static string Name(this Precision precision) => precision == Precision.Bf16 ? "bf16" : "fp32";
}
