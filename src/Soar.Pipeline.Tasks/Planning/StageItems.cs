using System.Collections;
using Microsoft.Build.Framework;

namespace Soar.Pipeline.Tasks;

/// <summary>Reads &lt;Stage&gt; items into declarations: Kind and Upstream are reserved, every other custom metadata is a parameter.</summary>
public static class StageItems
{
    /// <summary>Reads all items; a name declared twice points at its own line each time.</summary>
    public static IReadOnlyList<StageDeclaration> ToDeclarations(IEnumerable<ITaskItem> items, string projectFile)
    {
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        return items.Select(item =>
        {
            var key = item.GetMetadata("DefiningProjectFullPath") + "|" + item.ItemSpec;
            seen[key] = seen.TryGetValue(key, out var n) ? n + 1 : 0;
            return ToDeclaration(item, projectFile, seen[key]);
        }).ToList();
    }

    public static StageDeclaration ToDeclaration(ITaskItem item, string projectFile, int occurrence = 0)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in item.CloneCustomMetadata())
        {
            var name = (string)entry.Key;
            var value = (string?)entry.Value ?? "";
            // Blank values are reported from the project text below (MSBuild may drop empty metadata).
            if (value.Trim().Length > 0 && !StageDeclaration.ReservedMetadata.Contains(name, StringComparer.OrdinalIgnoreCase))
                parameters[name] = value;
        }
        var definedIn = item.GetMetadata("DefiningProjectFullPath");
        var file = string.IsNullOrEmpty(definedIn) ? projectFile : definedIn;
        var location = ProjectLineMap.FindItem(file, "Stage", item.ItemSpec, occurrence);
        // Kind has its own error (SOAR1007); any other metadata the author wrote must have a value.
        var blank = location.WrittenMetadata
            .Where(m => !m.Equals("Kind", StringComparison.OrdinalIgnoreCase) && item.GetMetadata(m).Trim().Length == 0)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return new StageDeclaration(item.ItemSpec, item.GetMetadata("Kind").Trim(),
            StageDeclaration.SplitUpstream(item.GetMetadata("Upstream")), parameters, file, location.Line, blank);
    }
}
