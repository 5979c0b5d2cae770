using System.Globalization;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// What one parameter accepts: type (int = 32-bit, long = 64-bit, double, bool, string), optional range and choices;
/// <paramref name="Fingerprint"/> false for a knob that cannot change any output (LogEvery), kept out of the stage fingerprint.
/// </summary>
public sealed record ParameterRule(string Name, string Type, string Default, string? Min, string? Max, string[]? Choices, bool Fingerprint = true)
{
    /// <summary>Returns why <paramref name="raw"/> is not acceptable, or null when it is.</summary>
    public string? Check(string raw)
    {
        switch (Type)
        {
            // The worker reads "int" parameters as Int32: validate in the range it can read, not after upstream stages ran.
            case "int":
                if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
                    return long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? $"{raw} is outside the 32-bit integer range (at most {int.MaxValue})" : $"'{raw}' is not an integer";
                return CheckRange(i);
            case "long":
                if (!long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return $"'{raw}' is not a 64-bit integer";
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
