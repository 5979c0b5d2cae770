using System.Text.Json;
using Soar.Core.Stages;

namespace Soar.Core.Packaging.Bases;

/// <summary>
/// soar/base.json: what a package's model is rebuilt on, since the package holds no copy of it. The root is a model
/// package (Id, Version and its content hash) or a diffusers pipeline folder (its <see cref="PipelineHashes"/>);
/// <see cref="Links"/> are the package folders of LoRA stages, oldest first and the packaged model last, each holding
/// its adapter weights alone. No links: the package holds full weights and needs the root only for its pipeline's
/// VAE and text encoders.
/// </summary>
public sealed record BaseReference
{
    public const string FileName = "soar/base.json";
    public const string PackageKind = "package";
    public const string PipelineKind = "diffusers";

    public required string Kind { get; init; }
    public string? Id { get; init; }
    public string? Version { get; init; }
    /// <summary>A base package's content hash, or the pipeline folder's (<see cref="PipelineHashes.ContentHash"/>).</summary>
    public required string ContentHash { get; init; }
    public PipelineHashes? Pipeline { get; init; }
    /// <summary>The folder name the producer trained from: a hint for the consumer, never a path it reads.</summary>
    public string? PipelineName { get; init; }
    public List<string> Links { get; init; } = [];

    /// <summary>"model package Contoso.Base 1.0.0 (content hash ...)" or "the diffusers pipeline with content hash ... (trained from a folder named ...)".</summary>
    public string Describe() => Kind == PackageKind
        ? $"model package {Id} {Version} (content hash {ContentHash})"
        : $"the diffusers pipeline folder with content hash {ContentHash} (the producer's folder was named '{PipelineName}')";

    private static bool IsPlainName(string name) =>
        name.Length > 0 && name is not ("." or "..") && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    public string ToJson() => JsonSerializer.Serialize(this, StageManifest.Json);

    public static BaseReference? Read(string packageDir, string source)
    {
        var path = Path.Combine(packageDir, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            var reference = JsonSerializer.Deserialize<BaseReference>(File.ReadAllText(path), StageManifest.Json) ?? throw new InvalidDataException("empty");
            if (reference.Kind is not (PackageKind or PipelineKind) || reference.Kind == PackageKind && (reference.Id is null || reference.Version is null)
                || reference.Kind == PipelineKind && reference.Pipeline is null)
                throw new InvalidDataException($"kind '{reference.Kind}' without its fields");
            // Links are folders of this package: the model last, earlier stages by a plain name (never ../ or a root).
            if (reference.Links.Count > 0 && reference.Links[^1] != ModelPackageLayout.ModelFolder
                || reference.Links.SkipLast(1).Any(l => !l.StartsWith(ModelPackageLayout.BasesFolder + "/", StringComparison.Ordinal)
                    || !IsPlainName(l[(ModelPackageLayout.BasesFolder.Length + 1)..])))
                throw new InvalidDataException($"links {string.Join(", ", reference.Links)} are not {ModelPackageLayout.BasesFolder}/<stage> folders ending in {ModelPackageLayout.ModelFolder}");
            return reference;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new StageException("SOAR2613", $"{source}: {FileName} is not a valid base reference ({e.Message}); the package is damaged, rebuild it");
        }
    }
}
