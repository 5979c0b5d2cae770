namespace Soar.Core.Verification;

/// <summary>What `soar verify` found: every difference in words a person can act on. Empty = reproduced.</summary>
public sealed class VerificationReport
{
    public List<string> Differences { get; } = new();
    public List<string> Checked { get; } = new();
    public bool Reproduced => Differences.Count == 0;

    public void Difference(string text) => Differences.Add(text);
    public void Ok(string text) => Checked.Add(text);
}
