using System.Globalization;
using System.Text;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// The text of a stage's parameter stamp. Any change to it (kind, a parameter, the upstream list, the tool,
/// a file under a path parameter) makes the stamp newer than the stage's manifest, so MSBuild reruns the stage.
/// </summary>
public static class ParameterStamp
{
    public static string Text(string kind, IReadOnlyDictionary<string, string> resolvedParameters, IReadOnlyList<string> upstream,
        string toolVersion, IEnumerable<FileInfo> sourceFiles)
    {
        var text = new StringBuilder();
        text.Append("kind=").Append(kind).Append('\n');
        foreach (var (name, value) in resolvedParameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append("param ").Append(name).Append('=').Append(value).Append('\n');
        text.Append("upstream=").Append(string.Join(";", upstream)).Append('\n');
        text.Append("tool=").Append(toolVersion).Append('\n');
        // Size and write time catch edits, additions and deletions in a source folder without hashing it every build.
        foreach (var file in sourceFiles.OrderBy(f => f.FullName, StringComparer.Ordinal))
            text.Append("source ").Append(file.FullName).Append(' ').Append(file.Length.ToString(CultureInfo.InvariantCulture))
                .Append(' ').Append(file.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }
}
