namespace Soar.Core.Data;

/// <summary>
/// Image files with same-name .txt captions (photo.png + photo.txt), the convention of kohya and ai-toolkit users;
/// sub-folders are searched too. An image without a .txt has an empty caption (curation reports it as missing).
/// </summary>
internal static class CaptionedImagesStream
{
    public static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"];

    /// <summary>The image files under <paramref name="folder"/>, or none when not one of them has a .txt caption
    /// (then the folder is not in this layout at all).</summary>
    public static IReadOnlyList<string> ImageFiles(string folder)
    {
        var images = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        return images.Any(f => File.Exists(Path.ChangeExtension(f, ".txt"))) ? images : [];
    }

    public static DatasetRecord ReadOne(string imagePath, SourceFiles files)
    {
        var where = files.Name(imagePath);
        var captionPath = Path.ChangeExtension(imagePath, ".txt");
        string caption = "";
        if (File.Exists(captionPath))
        {
            var (text, kind, problem) = files.ReadCaption(captionPath, where);
            if (text is null) return Broken(imagePath, where, problem!, kind, files);
            caption = text;
        }
        else if (!files.Options.KeepBrokenRows)
            throw new InvalidDataException($"{where}: no caption file {Path.GetFileName(captionPath)} next to it; write the caption into it");
        var (bytes, readKind, readProblem) = files.ReadBytes(Path.GetDirectoryName(imagePath)!, Path.GetFileName(imagePath), where);
        if (bytes is null) return Broken(imagePath, where, readProblem!, readKind, files);
        return new DatasetRecord
        {
            ImageBytes = bytes,
            ImagePath = Path.GetFileName(imagePath),
            Caption = caption,
            Source = where,
        };
    }

    private static DatasetRecord Broken(string imagePath, string where, string problem, RecordProblem kind, SourceFiles files) =>
        files.Options.KeepBrokenRows
            ? new DatasetRecord { ImageBytes = [], ImagePath = Path.GetFileName(imagePath), Caption = "", Source = where, Problem = problem, ProblemKind = kind }
            : throw new InvalidDataException(problem);
}
