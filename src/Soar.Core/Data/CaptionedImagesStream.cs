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

    public static DatasetRecord ReadOne(string imagePath, bool keepBrokenRows)
    {
        var captionPath = Path.ChangeExtension(imagePath, ".txt");
        string caption = "";
        if (File.Exists(captionPath))
            caption = File.ReadAllText(captionPath).Trim();
        else if (!keepBrokenRows)
            throw new InvalidDataException($"{imagePath}: no caption file {Path.GetFileName(captionPath)} next to it; write the caption into it");
        return new DatasetRecord
        {
            ImageBytes = File.ReadAllBytes(imagePath),
            ImagePath = Path.GetFileName(imagePath),
            Caption = caption,
            Source = imagePath,
        };
    }
}
