using System.Text;

namespace Soar.Core.Data;

/// <summary>
/// Reads RFC 4180 CSV one record at a time: comma-separated fields, fields in double quotes may hold commas,
/// line breaks and doubled quotes (""). Yields each record with the line it starts on.
/// </summary>
internal static class CsvRows
{
    public static IEnumerable<(int Line, IReadOnlyList<string> Fields)> Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var fields = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, any = false;
        int line = 1, startLine = 1;
        int c;
        while ((c = reader.Read()) >= 0)
        {
            char ch = (char)c;
            if (quoted)
            {
                if (ch == '"')
                {
                    if (reader.Peek() == '"') { reader.Read(); field.Append('"'); }
                    else quoted = false;
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    any = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    any = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    if (any || field.Length > 0)
                    {
                        fields.Add(field.ToString());
                        yield return (startLine, fields.ToArray());
                    }
                    fields.Clear();
                    field.Clear();
                    any = false;
                    line++;
                    startLine = line;
                    break;
                default:
                    field.Append(ch);
                    any = true;
                    break;
            }
        }
        if (quoted) throw new InvalidDataException($"{path} line {startLine}: a quoted field is not closed before the end of the file");
        if (any || field.Length > 0)
        {
            fields.Add(field.ToString());
            yield return (startLine, fields.ToArray());
        }
    }
}
