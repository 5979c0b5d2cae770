using System.Text.Json;

namespace Soar.Pipeline.Tasks;

/// <summary>Writes the worker's stage spec JSON (the shape of Soar.Core's StageSpec, camelCase).</summary>
public static class StageSpecFile
{
    public sealed record Input(string Name, string Kind, string Dir);

    public static void Write(string path, string name, string kind, string projectPath, string outputDir,
        IReadOnlyDictionary<string, string> parameters, IReadOnlyList<Input> inputs, string fingerprint)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("kind", kind);
            json.WriteString("projectPath", projectPath);
            json.WriteString("outputDir", outputDir);
            json.WriteStartObject("parameters");
            foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
            json.WriteEndObject();
            json.WriteStartArray("inputs");
            foreach (var input in inputs)
            {
                json.WriteStartObject();
                json.WriteString("name", input.Name);
                json.WriteString("kind", input.Kind);
                json.WriteString("dir", input.Dir);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("fingerprint", fingerprint);
            json.WriteEndObject();
        }
        File.Move(temp, path, overwrite: true);
    }
}
