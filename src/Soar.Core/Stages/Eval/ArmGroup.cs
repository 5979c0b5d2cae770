namespace Soar.Core.Stages.Eval;

/// <summary>
/// Arms that are one method trained with different seeds (e.g. "SOAR=soar-s1,soar-s2,soar-s3"): the eval reports
/// each group's mean over its arms with a t interval, so the spread between training seeds is in the interval.
/// </summary>
public sealed record ArmGroup(string Name, IReadOnlyList<string> Arms)
{
    /// <summary>Parses the Groups parameter: "name=arm,arm,...|name=arm,..." (empty: no groups).</summary>
    public static IReadOnlyList<ArmGroup> Parse(string parameter, IReadOnlyCollection<string> armNames, string stage)
    {
        var groups = new List<ArmGroup>();
        foreach (var part in parameter.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0 || eq == part.Length - 1)
                throw new StageException("SOAR2407", $"stage '{stage}': Groups entry '{part}' is not 'name=arm,arm,...'; separate groups with '|', e.g. Groups=\"SFT=sft-s1,sft-s2|SOAR=soar-s1,soar-s2\"");
            var name = part[..eq].Trim();
            var arms = part[(eq + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var arm in arms)
                if (!armNames.Contains(arm, StringComparer.OrdinalIgnoreCase))
                    throw new StageException("SOAR2407", $"stage '{stage}': group '{name}' names arm '{arm}', which is not an upstream model of this stage (arms: {string.Join(", ", armNames)})");
            if (arms.Distinct(StringComparer.OrdinalIgnoreCase).Count() != arms.Length)
                throw new StageException("SOAR2407", $"stage '{stage}': group '{name}' lists an arm twice");
            if (groups.Any(g => g.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
                throw new StageException("SOAR2407", $"stage '{stage}': two groups are named '{name}'");
            groups.Add(new ArmGroup(name, arms.Select(a => armNames.First(n => n.Equals(a, StringComparison.OrdinalIgnoreCase))).ToArray()));
        }
        return groups;
    }
}
