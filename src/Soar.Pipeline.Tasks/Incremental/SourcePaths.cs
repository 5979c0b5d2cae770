namespace Soar.Pipeline.Tasks;

/// <summary>
/// Files a stage reads from outside the pipeline: any string parameter whose value names an existing file or
/// folder (relative to the project) contributes that file or every file under that folder.
/// </summary>
public static class SourcePaths
{
    public static IReadOnlyList<FileInfo> Find(KindInfo kind, IReadOnlyDictionary<string, string> resolvedParameters, string projectDir)
    {
        var files = new List<FileInfo>();
        foreach (var (name, value) in resolvedParameters)
        {
            if (kind.Parameters[name].Type != "string" || value.Length == 0 || value.IndexOfAny(Path.GetInvalidPathChars()) >= 0) continue;
            var path = Path.GetFullPath(Path.Combine(projectDir, value));
            if (File.Exists(path))
                files.Add(new FileInfo(path));
            else if (Directory.Exists(path))
                files.AddRange(new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories));
        }
        return files;
    }
}
