using System.Xml;

namespace Soar.Pipeline.Tasks;

/// <summary>Finds a &lt;Stage Include="name"&gt; element in a project file, so errors point at its line.</summary>
public static class ProjectLineMap
{
    /// <summary>Attributes of an item element that are not metadata.</summary>
    private static readonly string[] ItemAttributes = ["Include", "Exclude", "Remove", "Update", "Condition", "KeepMetadata", "RemoveMetadata", "KeepDuplicates", "MatchOnMetadata", "MatchOnMetadataOptions", "Label"];

    /// <summary>Where an item element is and which metadata its author wrote (as attributes or child elements).</summary>
    public sealed record ItemLocation(int Line, IReadOnlyList<string> WrittenMetadata)
    {
        public static readonly ItemLocation Unknown = new(0, []);
    }

    /// <summary>
    /// Line (1-based) of the element named <paramref name="itemType"/> whose Include lists <paramref name="name"/>,
    /// the <paramref name="occurrence"/>-th such element (0-based, for duplicates); 0 when not found.
    /// </summary>
    public static int FindItemLine(string projectFile, string itemType, string name, int occurrence = 0) =>
        FindItem(projectFile, itemType, name, occurrence).Line;

    public static ItemLocation FindItem(string projectFile, string itemType, string name, int occurrence = 0)
    {
        if (!File.Exists(projectFile)) return ItemLocation.Unknown;
        try
        {
            using var reader = XmlReader.Create(projectFile, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
            var info = (IXmlLineInfo)reader;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != itemType) continue;
                var include = reader.GetAttribute("Include") ?? "";
                if (!include.Split(';').Any(part => string.Equals(part.Trim(), name, StringComparison.OrdinalIgnoreCase)) || occurrence-- != 0)
                    continue;
                int line = info.LineNumber;
                var written = new List<string>();
                for (bool more = reader.MoveToFirstAttribute(); more; more = reader.MoveToNextAttribute())
                    if (!ItemAttributes.Contains(reader.LocalName, StringComparer.OrdinalIgnoreCase)) written.Add(reader.LocalName);
                reader.MoveToElement();
                if (!reader.IsEmptyElement)
                {
                    int depth = reader.Depth;
                    while (reader.Read() && reader.Depth > depth)
                        if (reader.NodeType == XmlNodeType.Element && reader.Depth == depth + 1) written.Add(reader.LocalName);
                }
                return new ItemLocation(line, written);
            }
        }
        catch (XmlException)
        {
            // MSBuild already parsed the file; a reader failure here only costs the line number.
        }
        return ItemLocation.Unknown;
    }
}
