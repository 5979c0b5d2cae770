namespace Soar.Pipeline.Tasks;

/// <summary>
/// What a stage run was started for: the stage's parameter stamp and each upstream's content hash as they were on
/// disk. Before its outputs move into place, the run compares them with the disk again: a later build that declared
/// the stage differently (or rebuilt an upstream) has rewritten them, and the outputs are then for a stale declaration.
/// </summary>
public sealed class StageStartState
{
    private readonly string _stage;
    private readonly string? _parameterStamp;
    private readonly IReadOnlyList<KeyValuePair<string, string>> _upstreamHashes;

    private StageStartState(string stage, string? parameterStamp, IReadOnlyList<KeyValuePair<string, string>> upstreamHashes)
    {
        _stage = stage;
        _parameterStamp = parameterStamp;
        _upstreamHashes = upstreamHashes;
    }

    public static StageStartState Capture(StageLayout layout, string stage, IReadOnlyList<KeyValuePair<string, string>> upstreamHashes) =>
        new(stage, ReadStamp(layout, stage), upstreamHashes);

    /// <summary>Null while the disk still says what it said at the start; otherwise what changed, for the error.</summary>
    public string? Drift(StageLayout layout)
    {
        var now = ReadStamp(layout, _stage);
        if (_parameterStamp is not null && now != _parameterStamp)
        {
            if (now is null) return "its parameter stamp was deleted";
            var before = Lines(_parameterStamp);
            var after = Lines(now);
            var gone = before.Except(after).ToList();
            var added = after.Except(before).ToList();
            return gone.Count == 0 ? $"its declaration changed ({string.Join(", ", added)} was added)"
                : $"its declaration changed ({string.Join(", ", gone)} is now {(added.Count > 0 ? string.Join(", ", added) : "gone")})";
        }
        foreach (var (name, hash) in _upstreamHashes)
        {
            var check = ManifestCheck.Check(layout.StageDir(name));
            if (!check.Intact) return $"upstream '{name}' no longer holds the outputs it read ({check.Problem})";
            if (check.ContentHash != hash) return $"upstream '{name}' was rebuilt with other outputs ({hash[..12]} is now {check.ContentHash![..12]})";
        }
        return null;
    }

    private static string? ReadStamp(StageLayout layout, string stage)
    {
        try { return File.ReadAllText(layout.ParameterStamp(stage)); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
    }

    // The stamp's lines are "kind=...", "param Name=value", "upstream=...", "tool=..." and "source <file> ...".
    private static List<string> Lines(string stamp) =>
        stamp.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.StartsWith("param ", StringComparison.Ordinal) ? l[6..] : l).ToList();
}
