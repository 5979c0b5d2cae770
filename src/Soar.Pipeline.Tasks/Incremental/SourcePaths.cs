namespace Soar.Pipeline.Tasks;

/// <summary>
/// Files a stage reads from outside the pipeline: any string parameter whose value names an existing file or
/// folder (relative to the project) contributes that file or every file under that folder; a symbolic link counts
/// as the file it points to, so editing the target reruns the stage.
/// </summary>
public static class SourcePaths
{
    /// <summary>Written by a curate stage into its folder (Soar.Core's CurateStage.OutsideFilesFileName): files it
    /// read from outside its Source folder, one a line, relative to the project folder.</summary>
    public const string OutsideFilesFileName = "outside-files.txt";

    public static IReadOnlyList<FileInfo> Find(KindInfo kind, IReadOnlyDictionary<string, string> resolvedParameters, string projectDir)
    {
        var files = new List<FileInfo>();
        foreach (var (name, value) in resolvedParameters)
        {
            if (kind.Parameters[name].Type != "string" || value.Length == 0 || value.IndexOfAny(Path.GetInvalidPathChars()) >= 0) continue;
            var path = Path.GetFullPath(Path.Combine(projectDir, value));
            if (File.Exists(path))
                files.Add(Target(new FileInfo(path)));
            else if (Directory.Exists(path))
                files.AddRange(new DirectoryInfo(path).EnumerateFiles("*", SearchOption.AllDirectories).Select(Target));
        }
        return files;
    }

    /// <summary>The files a finished stage in <paramref name="stageDir"/> recorded reading from outside its path
    /// parameters (missing ones included: a missing input reruns the target).</summary>
    public static IReadOnlyList<string> Recorded(string stageDir, string projectDir)
    {
        var list = Path.Combine(stageDir, OutsideFilesFileName);
        if (!File.Exists(list)) return [];
        return File.ReadAllLines(list).Where(l => l.Length > 0).Select(l => Path.GetFullPath(Path.Combine(projectDir, l))).ToList();
    }

    // A link's own size and time do not change when its target is edited; a dangling link stays itself.
    private static FileInfo Target(FileInfo file) =>
        file.LinkTarget is not null && file.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true } target ? target : file;
}
