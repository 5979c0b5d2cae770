using System.Text;

namespace Soar.Core.Data;

/// <summary>
/// Reads RFC 4180 CSV one record at a time from strict UTF-8 (<see cref="Utf8Lines"/>): comma-separated fields,
/// fields in double quotes may hold commas, line breaks and doubled quotes (""). Yields each record with the line
/// it starts on; a field longer than <c>maxFieldChars</c> is cut there and its index listed in Overlong, so one
/// huge field cannot exhaust memory.
/// </summary>
internal static class CsvRows
{
    public static IEnumerable<(int Line, IReadOnlyList<string> Fields, IReadOnlyList<int> Overlong)> Read(string path, string name, int maxFieldChars = int.MaxValue)
    {
        var fields = new List<string>();
        var overlong = new List<int>();
        var field = new StringBuilder();
        bool quoted = false, any = false, cut = false;
        int startLine = 1;

        void Append(char ch)
        {
            if (field.Length < maxFieldChars) field.Append(ch);
            else cut = true;
        }
        void EndField()
        {
            if (cut) overlong.Add(fields.Count);
            fields.Add(field.ToString());
            field.Clear();
            cut = false;
        }

        foreach (var (line, text) in Utf8Lines.Read(path, name))
        {
            if (!quoted) startLine = line;
            for (int i = 0; i < text.Length; i++)
            {
                char ch = text[i];
                if (quoted)
                {
                    if (ch != '"') Append(ch);
                    else if (i + 1 < text.Length && text[i + 1] == '"') { Append('"'); i++; }
                    else quoted = false;
                    continue;
                }
                switch (ch)
                {
                    case '"' when field.Length == 0 && !cut:
                        quoted = true;
                        any = true;
                        break;
                    case ',':
                        EndField();
                        any = true;
                        break;
                    default:
                        Append(ch);
                        any = true;
                        break;
                }
            }
            if (quoted)
            {
                Append('\n');
                continue;
            }
            if (any || field.Length > 0)
            {
                EndField();
                yield return (startLine, fields.ToArray(), overlong.ToArray());
            }
            fields.Clear();
            overlong.Clear();
            any = false;
        }
        if (quoted) throw new InvalidDataException($"{name} line {startLine}: a quoted field is not closed before the end of the file");
    }
}
