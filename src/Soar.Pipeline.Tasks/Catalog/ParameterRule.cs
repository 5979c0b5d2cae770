using System.Globalization;

namespace Soar.Pipeline.Tasks;

/// <summary>What one parameter accepts: type (int, double, bool, string), optional range and choices.</summary>
public sealed record ParameterRule(string Name, string Type, string Default, string? Min, string? Max, string[]? Choices)
{
    /// <summary>Returns why <paramref name="raw"/> is not acceptable, or null when it is.</summary>
    public string? Check(string raw)
    {
        switch (Type)
        {
            case "int":
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return $"'{raw}' is not an integer";
                return CheckRange(l);
            case "double":
                if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || double.IsNaN(d) || double.IsInfinity(d))
                    return $"'{raw}' is not a finite number";
                return CheckRange(d);
            case "bool":
                return bool.TryParse(raw, out _) ? null : $"'{raw}' is not true or false";
            default:
                return Choices is { } c && !c.Contains(raw, StringComparer.OrdinalIgnoreCase) ? $"'{raw}' is not one of {string.Join(", ", c)}" : null;
        }
    }

    public string Describe() =>
        Choices is { } c ? $"{Type}, one of {string.Join("|", c)}"
        : (Min, Max) switch
        {
            (null, null) => Type,
            (var min, null) => $"{Type} >= {min}",
            (null, var max) => $"{Type} <= {max}",
            var (min, max) => $"{Type} in [{min}, {max}]",
        };

    private string? CheckRange(double v)
    {
        if (Min is { } min && v < double.Parse(min, CultureInfo.InvariantCulture)) return $"{v.ToString(CultureInfo.InvariantCulture)} is below the minimum {min}";
        if (Max is { } max && v > double.Parse(max, CultureInfo.InvariantCulture)) return $"{v.ToString(CultureInfo.InvariantCulture)} is above the maximum {max}";
        return null;
    }
}
