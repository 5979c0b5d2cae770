using NuGet.Common;
using NuGet.Configuration;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using NuGet.Versioning;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// A NuGet feed holding model packages: a local folder feed or an HTTP feed, named directly or by its key in
/// NuGet.config. Push and download go through NuGet.Protocol's resources.
/// </summary>
public sealed class ModelFeed
{
    public PackageSource Source { get; }
    private readonly ISettings _settings;

    private ModelFeed(PackageSource source, ISettings settings) => (Source, _settings) = (source, settings);

    /// <summary>The enabled package sources of the NuGet.config files that apply to <paramref name="workingDir"/>, in order.</summary>
    public static IReadOnlyList<ModelFeed> Configured(string workingDir)
    {
        var settings = Settings.LoadDefaultSettings(workingDir);
        return new PackageSourceProvider(settings).LoadPackageSources().Where(s => s.IsEnabled).Select(s => new ModelFeed(s, settings)).ToList();
    }

    /// <summary>A feed by NuGet.config name, URL or folder path (relative to <paramref name="workingDir"/>).</summary>
    public static ModelFeed Resolve(string source, string workingDir)
    {
        var settings = Settings.LoadDefaultSettings(workingDir);
        var named = new PackageSourceProvider(settings).LoadPackageSources()
            .FirstOrDefault(s => s.Name.Equals(source, StringComparison.OrdinalIgnoreCase));
        if (named is not null) return new ModelFeed(named, settings);
        if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
            return new ModelFeed(new PackageSource(source), settings);
        return new ModelFeed(new PackageSource(Path.GetFullPath(source, workingDir)), settings);
    }

    /// <summary>
    /// The API key for pushing to an HTTP feed: from the environment variable <paramref name="apiKeyVariable"/>, else
    /// from NuGet.config's apikeys section; never from a project file.
    /// </summary>
    public string? ApiKey(string? apiKeyVariable)
    {
        if (apiKeyVariable is not null && Environment.GetEnvironmentVariable(apiKeyVariable) is { Length: > 0 } key) return key;
        try { return SettingsUtility.GetDecryptedValueForAddItem(_settings, ConfigurationConstants.ApiKeys, Source.Source); }
        // NuGet.config keys are encrypted with DPAPI; elsewhere reading one fails and the variable is the way.
        catch (Exception e) when (e is NotSupportedException or System.Security.Cryptography.CryptographicException or PlatformNotSupportedException) { return null; }
    }

    /// <summary>
    /// Pushes the package. A version a folder feed already has is refused with a clear error, as NuGet servers do (the
    /// folder would otherwise be overwritten in place while consumers keep a stale copy), unless the feed's copy has the
    /// same bytes; with <paramref name="skipDuplicate"/> it is left as it is. Returns false when nothing was pushed.
    /// </summary>
    public async Task<bool> PushAsync(string nupkgPath, string? apiKey, ILogger log, CancellationToken ct, bool skipDuplicate = false)
    {
        if (!File.Exists(nupkgPath)) throw new StageException("SOAR2620", $"package {nupkgPath} does not exist");
        if (Source.IsLocal && !Directory.Exists(Source.Source))
            throw new StageException("SOAR2621", $"feed {Source.Source} does not exist; create the folder or name another --source");
        if (Source.IsHttp && string.IsNullOrEmpty(apiKey))
            throw new StageException("SOAR2622", $"pushing to {Source.Source} needs an API key: set it in the environment variable named by --api-key-env, or with `dotnet nuget setapikey` in NuGet.config (never in the project file)");
        if (Source.IsLocal)
        {
            NuGet.Packaging.Core.PackageIdentity identity;
            using (var reader = new NuGet.Packaging.PackageArchiveReader(nupkgPath)) identity = reader.GetIdentity();
            if ((await VersionsAsync(identity.Id, log, ct)).Contains(identity.Version))
            {
                // Packing is deterministic, so a rerun package stage re-pushes the very same bytes: that is no conflict.
                if (skipDuplicate || await HasIdenticalAsync(identity, nupkgPath, log, ct)) return false;
                throw new StageException("SOAR2626", $"feed {Source.Source} already has {identity.Id} {identity.Version.ToNormalizedString()}; a published version is never replaced. Push it under a new version, or pass --skip-duplicate to leave the feed's copy as it is");
            }
        }
        var errors = new FeedErrorLog(log);
        try
        {
            var update = await Repository.Factory.GetCoreV3(Source).GetResourceAsync<PackageUpdateResource>(ct)
                ?? throw new StageException("SOAR2623", $"feed {Source.Source} does not accept pushes");
            // NuGet reads a null symbol source as "no symbol package" (its signature predates nullable annotations);
            // plain HTTP only where NuGet.config allows it for this source (allowInsecureConnections).
            await update.Push([nupkgPath], symbolSource: null!, timeoutInSecond: 300, disableBuffering: false,
                getApiKey: _ => apiKey ?? "", getSymbolApiKey: _ => null!, noServiceEndpoint: false, skipDuplicate,
                symbolPackageUpdateResource: null, allowInsecureConnections: Source.AllowInsecureConnections, errors);
        }
        catch (Exception e) when (e is FatalProtocolException or HttpRequestException or InvalidOperationException or ArgumentException)
        {
            throw new StageException("SOAR2623", $"pushing {Path.GetFileName(nupkgPath)} to feed {Source.Source} failed: {e.GetBaseException().Message}", e);
        }
        if (errors.Errors.Count > 0)
            throw new StageException("SOAR2623", $"pushing {Path.GetFileName(nupkgPath)} to feed {Source.Source} failed: {string.Join(" ", errors.Errors)}");
        return true;
    }

    private async Task<bool> HasIdenticalAsync(NuGet.Packaging.Core.PackageIdentity identity, string nupkgPath, ILogger log, CancellationToken ct)
    {
        var copy = Path.Combine(Path.GetTempPath(), $"soar-{Guid.NewGuid():N}.nupkg");
        try
        {
            await DownloadAsync(identity.Id, identity.Version, copy, log, ct);
            return PackageCacheStamp.HashOf(copy) == PackageCacheStamp.HashOf(nupkgPath);
        }
        finally
        {
            if (File.Exists(copy)) File.Delete(copy);
        }
    }

    /// <summary>
    /// The package <paramref name="id"/> <paramref name="version"/>, extracted and verified under
    /// <paramref name="cacheRoot"/>/id/version. The feed's .nupkg is fetched every time and its signature verified; a cached
    /// copy is reused (re-verified) only when it was extracted from exactly those bytes, else it is replaced by the feed's.
    /// </summary>
    public async Task<ExtractedModelPackage> RestoreAsync(string id, string version, string cacheRoot, ILogger log, CancellationToken ct)
    {
        if (!NuGetVersion.TryParse(version, out var wanted))
            throw new StageException("SOAR2602", $"'{version}' is not a valid NuGet version of package {id}");
        var label = $"package {id} {wanted.ToNormalizedString()} from feed {Source.Source}";
        var target = Path.Combine(Path.GetFullPath(cacheRoot), id.ToLowerInvariant(), wanted.ToNormalizedString().ToLowerInvariant());

        var versions = await VersionsAsync(id, log, ct);
        if (versions.Count == 0)
            throw new StageException("SOAR2625", $"feed {Source.Source} has no package {id}");
        if (!versions.Contains(wanted))
            throw new StageException("SOAR2625", $"feed {Source.Source} has no version {wanted} of {id}; it has {string.Join(", ", versions.OrderDescending().Select(v => v.ToNormalizedString()))}");
        var download = Path.Combine(Path.GetTempPath(), $"soar-{Guid.NewGuid():N}.nupkg");
        try
        {
            await DownloadAsync(id, wanted, download, log, ct);
            var feedHash = PackageCacheStamp.HashOf(download);
            var signature = await PackageSignatures.VerifyAsync(download, label, _settings, ct);
            var stamp = PackageCacheStamp.Read(target);
            if (stamp == feedHash && File.Exists(Path.Combine(target, ModelPackageLayout.ContentManifest)))
                return ModelPackageExtractor.Verify(target, $"cached {label} at {target}") with { Signature = signature };
            var note = Directory.Exists(target)
                ? $"the cached copy at {target} was not extracted from the feed's package ({(stamp is null ? "no record of its .nupkg" : $"its .nupkg had SHA-512 {stamp[..16]}...")}, the feed's has {feedHash[..16]}...); replaced it with the feed's"
                : null;
            PackageCacheStamp.Clear(target);
            var extracted = ModelPackageExtractor.Extract(download, target, label, replace: true);
            PackageCacheStamp.Write(target, feedHash);
            return extracted with { Signature = signature, CacheNote = note };
        }
        finally
        {
            if (File.Exists(download)) File.Delete(download);
        }
    }

    /// <summary>The versions of <paramref name="id"/> on the feed (empty when the feed has no such package).</summary>
    public async Task<IReadOnlyList<NuGetVersion>> VersionsAsync(string id, ILogger log, CancellationToken ct)
    {
        using var cache = new SourceCacheContext { NoCache = true };
        var find = await FindAsync(id, ct);
        try { return (await find.GetAllVersionsAsync(id, cache, log, ct)).ToList(); }
        catch (Exception e) when (e is FatalProtocolException or HttpRequestException)
        {
            throw new StageException("SOAR2624", $"feed {Source.Source} could not be read for {id}: {e.GetBaseException().Message}", e);
        }
    }

    /// <summary>Downloads the .nupkg of <paramref name="id"/> <paramref name="version"/> to <paramref name="destination"/>.</summary>
    public async Task DownloadAsync(string id, NuGetVersion version, string destination, ILogger log, CancellationToken ct)
    {
        using var cache = new SourceCacheContext { NoCache = true };
        var find = await FindAsync(id, ct);
        try
        {
            await using var stream = File.Create(destination);
            if (!await find.CopyNupkgToStreamAsync(id, version, stream, cache, log, ct))
                throw new StageException("SOAR2625", $"feed {Source.Source} listed {id} {version} but did not return it");
        }
        catch (Exception e) when (e is FatalProtocolException or HttpRequestException)
        {
            throw new StageException("SOAR2624", $"feed {Source.Source} could not be read for {id} {version}: {e.GetBaseException().Message}", e);
        }
    }

    private async Task<FindPackageByIdResource> FindAsync(string id, CancellationToken ct)
    {
        if (Source.IsLocal && !Directory.Exists(Source.Source))
            throw new StageException("SOAR2624", $"feed {Source.Source} (looking for {id}) does not exist");
        return await Repository.Factory.GetCoreV3(Source).GetResourceAsync<FindPackageByIdResource>(ct)
            ?? throw new StageException("SOAR2624", $"feed {Source.Source} cannot list packages by id");
    }
}
