using System.Collections;
using Microsoft.Build.Framework;

namespace Soar.Pipeline.Tasks;

/// <summary>Reads &lt;Stage&gt; items into declarations: Kind and Upstream are reserved, every other custom metadata is a parameter.</summary>
public static class StageItems
{
    public static StageDeclaration ToDeclaration(ITaskItem item, string projectFile)
    {
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in item.CloneCustomMetadata())
        {
            var name = (string)entry.Key;
            var value = (string?)entry.Value ?? "";
            // An empty attribute means "not set" in MSBuild; the catalog default applies.
            if (value.Length > 0 && !StageDeclaration.ReservedMetadata.Contains(name, StringComparer.OrdinalIgnoreCase))
                parameters[name] = value;
        }
        var definedIn = item.GetMetadata("DefiningProjectFullPath");
        var file = string.IsNullOrEmpty(definedIn) ? projectFile : definedIn;
        return new StageDeclaration(item.ItemSpec, item.GetMetadata("Kind").Trim(),
            StageDeclaration.SplitUpstream(item.GetMetadata("Upstream")), parameters, file,
            ProjectLineMap.FindItemLine(file, "Stage", item.ItemSpec));
    }
}
