namespace Soar.Core.Models.TextEncoders;

/// <summary>One prompt's token ids as an encoder gets them (special tokens added, padded to the length), and whether text was cut.</summary>
public sealed record TokenizedPrompt(int[] Ids, bool Truncated)
{
    /// <summary>Value equality over the ids (a record compares arrays by reference).</summary>
    public bool Equals(TokenizedPrompt? other) => other is not null && Truncated == other.Truncated && Ids.AsSpan().SequenceEqual(other.Ids);

    public override int GetHashCode() => HashCode.Combine(Truncated, Ids.Length, Ids.Length > 0 ? Ids[0] : 0);

    public override string ToString() => $"[{string.Join(", ", Ids)}]{(Truncated ? " (truncated)" : "")}";
}
