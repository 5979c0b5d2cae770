using System.Text;

namespace Soar.Pipeline.Tasks;

/// <summary>Stamp files whose timestamp means "content changed": written only when the text differs.</summary>
public static class FileStamp
{
    /// <summary>Writes <paramref name="text"/> (temp file + rename) unless the file already holds it; true when written.</summary>
    public static bool WriteIfDifferent(string path, string text)
    {
        if (File.Exists(path) && File.ReadAllText(path, Encoding.UTF8) == text) return false;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, text, new UTF8Encoding(false));
        File.Move(temp, path, overwrite: true);
        return true;
    }
}
