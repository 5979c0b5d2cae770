using System.Text.Json;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>soar/package.json: the package identity and the SHA-256 of every file in it, checked before a package is used.</summary>
public sealed class PackageContentManifest
{
    public const string CurrentFormat = "soar-model-package/1";
    /// <summary>A package of LoRA adapters that references its base (soar/base.json) instead of holding full weights.</summary>
    public const string AdapterFormat = "soar-model-package/2";

    public string Format { get; init; } = CurrentFormat;
    public required string Id { get; init; }
    public required string Version { get; init; }
    /// <summary>Content hash of the model stage the package was built from (its manifest's contentHash).</summary>
    public required string ModelContentHash { get; init; }
    /// <summary>Package path ('/' separators) -> SHA-256 (lower-case hex).</summary>
    public SortedDictionary<string, string> Files { get; init; } = new(StringComparer.Ordinal);

    public string ToJson() => JsonSerializer.Serialize(this, StageManifest.Json);

    public static PackageContentManifest Parse(string json, string source)
    {
        try
        {
            var manifest = JsonSerializer.Deserialize<PackageContentManifest>(json, StageManifest.Json)
                ?? throw new InvalidDataException("empty");
            if (manifest.Format is not (CurrentFormat or AdapterFormat))
                throw new StageException("SOAR2610", $"{source}: {ModelPackageLayout.ContentManifest} has format '{manifest.Format}'; this soar reads '{CurrentFormat}' and '{AdapterFormat}' (update soar)");
            return manifest;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new StageException("SOAR2610", $"{source}: {ModelPackageLayout.ContentManifest} is not a valid package manifest ({e.Message}); the package is damaged, rebuild it with soar pack");
        }
    }
}
