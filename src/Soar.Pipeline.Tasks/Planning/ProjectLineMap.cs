using System.Xml;

namespace Soar.Pipeline.Tasks;

/// <summary>Finds the line of a &lt;Stage Include="name"&gt; element in a project file, so errors point at it.</summary>
public static class ProjectLineMap
{
    /// <summary>
    /// Line (1-based) of the element named <paramref name="itemType"/> whose Include lists <paramref name="name"/>,
    /// the <paramref name="occurrence"/>-th such element (0-based, for duplicates); 0 when not found.
    /// </summary>
    public static int FindItemLine(string projectFile, string itemType, string name, int occurrence = 0)
    {
        if (!File.Exists(projectFile)) return 0;
        try
        {
            using var reader = XmlReader.Create(projectFile, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
            var info = (IXmlLineInfo)reader;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != itemType) continue;
                var include = reader.GetAttribute("Include") ?? "";
                if (include.Split(';').Any(part => string.Equals(part.Trim(), name, StringComparison.OrdinalIgnoreCase)) && occurrence-- == 0)
                    return info.LineNumber;
            }
        }
        catch (XmlException)
        {
            // MSBuild already parsed the file; a reader failure here only costs the line number.
        }
        return 0;
    }
}
