using NuGet.Common;
using NuGet.Packaging;
using NuGet.Versioning;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// A shared run cache on a NuGet feed (DVC's run cache): a finished stage folder is published as package
/// SoarRun.&lt;fingerprint&gt; of type <see cref="PackageType"/>; a build anywhere with the same fingerprint restores the
/// outputs byte for byte instead of running the stage. The stage's own manifest.json is the checklist on restore.
/// </summary>
public sealed class RunCache(ModelFeed feed, string? apiKeyVariable = null)
{
    public const string PackageType = "SoarRunCache";
    /// <summary>Opt-in: the feed (NuGet.config source name, URL or folder) of the shared run cache.</summary>
    public const string FeedVariable = "SOAR_RUN_CACHE";
    public static readonly NuGetVersion Version = new(1, 0, 0);

    public ModelFeed Feed => feed;

    /// <summary>The cache named by $SOAR_RUN_CACHE, or null when the variable is unset (the cache is off).</summary>
    public static RunCache? FromEnvironment(string workingDir) =>
        Environment.GetEnvironmentVariable(FeedVariable) is { Length: > 0 } source
            ? new RunCache(ModelFeed.Resolve(source, workingDir), "NUGET_API_KEY") : null;

    public static string PackageIdFor(string fingerprint)
    {
        if (fingerprint.Length is < 16 or > 90 || !fingerprint.All(char.IsAsciiHexDigit))
            throw new StageException("SOAR2640", $"run cache: fingerprint '{fingerprint}' is not a hex hash");
        return "SoarRun." + fingerprint.ToLowerInvariant();
    }

    /// <summary>Restores the stage from the cache when its fingerprint is there; else runs it and publishes the result.</summary>
    public StageManifest Run(StageRunner runner, StageSpec spec, IStageLog log, CancellationToken ct)
    {
        if (spec.Fingerprint is not { Length: > 0 } fingerprint) return runner.Run(spec, log, ct);
        if (TryRestoreAsync(fingerprint, spec.OutputDir, log, ct).GetAwaiter().GetResult() is { } restored) return restored;
        var manifest = runner.Run(spec, log, ct);
        PublishAsync(spec.OutputDir, log, ct).GetAwaiter().GetResult();
        return manifest;
    }

    /// <summary>Packs a finished stage folder (manifest.json included) and pushes it; a version already there is left as is.</summary>
    public async Task PublishAsync(string stageDir, IStageLog log, CancellationToken ct)
    {
        var manifest = StageManifest.Load(Path.Combine(stageDir, ContentHash.ManifestFileName));
        if (manifest.Fingerprint is not { Length: > 0 } fingerprint)
            throw new StageException("SOAR2640", $"run cache: stage '{manifest.Name}' has no fingerprint in its manifest; only stages run by a build can be cached");
        var builder = new PackageBuilder(deterministic: true)
        {
            // Without a fixed timestamp NuGet stamps every entry with the current time, so packing twice would differ.
            DeterministicTimestamp = ModelPackageLayout.DeterministicTimestamp,
            Id = PackageIdFor(fingerprint),
            Version = Version,
            Description = $"Soar run cache: outputs of stage '{manifest.Name}' (kind {manifest.Kind}), content hash {manifest.ContentHash}.",
        };
        builder.Authors.Add("soar");
        builder.PackageTypes.Add(new NuGet.Packaging.Core.PackageType(PackageType, NuGet.Packaging.Core.PackageType.EmptyVersion));
        foreach (var relative in ContentHash.ListOutputs(stageDir).Append(ContentHash.ManifestFileName))
            builder.Files.Add(new PhysicalPackageFile { SourcePath = Path.Combine(stageDir, relative), TargetPath = relative });
        var nupkg = Path.Combine(Path.GetTempPath(), $"{builder.Id}.{Version}.{Guid.NewGuid():N}.nupkg");
        try
        {
            using (var stream = File.Create(nupkg)) builder.Save(stream);
            await feed.PushAsync(nupkg, feed.ApiKey(apiKeyVariable), NullLogger.Instance, ct, skipDuplicate: true);
            log.Info($"run cache: published outputs under fingerprint {fingerprint} to {feed.Source.Source}");
        }
        finally
        {
            if (File.Exists(nupkg)) File.Delete(nupkg);
        }
    }

    /// <summary>The restored stage's manifest, or null on a cache miss. Refuses packages that do not match their manifest.</summary>
    public async Task<StageManifest?> TryRestoreAsync(string fingerprint, string outputDir, IStageLog log, CancellationToken ct)
    {
        var id = PackageIdFor(fingerprint);
        if (!(await feed.VersionsAsync(id, NullLogger.Instance, ct)).Contains(Version)) return null;
        var nupkg = Path.Combine(Path.GetTempPath(), $"{id}.{Guid.NewGuid():N}.nupkg");
        var temp = Path.Combine(Path.GetTempPath(), $"soar-runcache-{Guid.NewGuid():N}");
        try
        {
            await feed.DownloadAsync(id, Version, nupkg, NullLogger.Instance, ct);
            var source = $"run cache package {id} on {feed.Source.Source}";
            PackageFiles.ExtractAll(nupkg, temp, PackageType, source);
            var manifest = Verify(temp, fingerprint, source);
            MoveInto(temp, outputDir, manifest);
            log.Info($"run cache: restored outputs of fingerprint {fingerprint} from {feed.Source.Source} instead of running the stage");
            return manifest;
        }
        finally
        {
            if (File.Exists(nupkg)) File.Delete(nupkg);
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static StageManifest Verify(string dir, string fingerprint, string source)
    {
        var path = Path.Combine(dir, ContentHash.ManifestFileName);
        if (!File.Exists(path)) throw new StageException("SOAR2641", $"{source}: no {ContentHash.ManifestFileName}; not a run cache package, do not use it");
        var manifest = StageManifest.Load(path);
        if (manifest.Fingerprint != fingerprint)
            throw new StageException("SOAR2641", $"{source}: its manifest records fingerprint {manifest.Fingerprint ?? "(none)"}, expected {fingerprint}; the package was tampered with");
        var present = ContentHash.ListOutputs(dir).ToHashSet(StringComparer.Ordinal);
        foreach (var (file, output) in manifest.Outputs)
        {
            if (!present.Remove(file))
                throw new StageException("SOAR2641", $"{source}: {file} is listed in its manifest but missing; the package is damaged or was tampered with");
            if (ContentHash.OfFile(Path.Combine(dir, file)) != output.Sha256)
                throw new StageException("SOAR2641", $"{source}: {file} does not match its SHA-256 in the manifest; the package is damaged or was tampered with");
        }
        if (present.Count > 0)
            throw new StageException("SOAR2641", $"{source}: {string.Join(", ", present.Order())} not listed in its manifest; the package was tampered with");
        return manifest;
    }

    /// <summary>Moves the files into the (empty) stage output folder, manifest.json last, with the write times the manifest recorded.</summary>
    private static void MoveInto(string from, string outputDir, StageManifest manifest)
    {
        Directory.CreateDirectory(outputDir);
        foreach (var relative in ContentHash.ListOutputs(from).Append(ContentHash.ManifestFileName))
        {
            var destination = Path.Combine(outputDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Move(Path.Combine(from, relative), destination, overwrite: true);
            if (manifest.Run.OutputTimes.TryGetValue(relative, out var time) && DateTime.TryParse(time, null, System.Globalization.DateTimeStyles.RoundtripKind, out var utc))
                File.SetLastWriteTimeUtc(destination, utc.ToUniversalTime());
        }
    }
}
