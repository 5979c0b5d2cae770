using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Soar.Core.Stages;

/// <summary>
/// Runs one stage from its spec: validates parameters, checks the upstream folders, runs the <see cref="IStage"/>
/// and writes manifest.json (outputs with SHA-256, content hash, seeds, metrics, versions, timing) last,
/// so a folder without a manifest is never a finished stage.
/// </summary>
public sealed class StageRunner(StageRegistry? registry = null, StageKindCatalog? catalog = null)
{
    private readonly StageRegistry _registry = registry ?? StageRegistry.Default;
    private readonly StageKindCatalog _catalog = catalog ?? StageKindCatalog.Default;

    /// <summary>Version of the soar tool recorded in manifests (the host sets it; defaults to Soar.Core's).</summary>
    public string ToolVersion { get; init; } = VersionOf(typeof(StageRunner).Assembly);

    public StageManifest Run(StageSpec spec, IStageLog log, CancellationToken cancellationToken)
    {
        var context = new StageContext(spec, log, _catalog);
        var stage = _registry.Create(spec.Kind);
        var inputs = spec.Inputs.Select(ReadInput).ToList();
        Directory.CreateDirectory(spec.OutputDir);
        if (File.Exists(Path.Combine(spec.OutputDir, ContentHash.ManifestFileName)))
            throw new StageException("SOAR2008", $"stage '{spec.Name}': output folder {spec.OutputDir} already holds a finished stage; run into an empty folder");

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var result = stage.Run(context, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        clock.Stop();

        var outputs = new SortedDictionary<string, ManifestOutput>(StringComparer.Ordinal);
        var times = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var relative in ContentHash.ListOutputs(spec.OutputDir))
        {
            var file = new FileInfo(Path.Combine(spec.OutputDir, relative));
            outputs[relative] = new ManifestOutput(ContentHash.OfFile(file.FullName), file.Length);
            times[relative] = file.LastWriteTimeUtc.ToString("O", CultureInfo.InvariantCulture);
        }
        var (device, threads, libtorch) = DescribeRuntime(context);
        var manifest = new StageManifest
        {
            Name = spec.Name,
            Kind = context.KindInfo.Name,
            Fingerprint = spec.Fingerprint,
            Parameters = new SortedDictionary<string, string>(context.ResolvedParameters.ToDictionary(), StringComparer.Ordinal),
            Inputs = inputs,
            Outputs = outputs,
            ContentHash = ContentHash.Combine(outputs.Select(o => KeyValuePair.Create(o.Key, o.Value.Sha256))),
            Seeds = new SortedDictionary<string, long>(result.Seeds, StringComparer.Ordinal),
            Metrics = new SortedDictionary<string, double>(result.Metrics, StringComparer.Ordinal),
            Notes = new SortedDictionary<string, string>(result.Notes, StringComparer.Ordinal),
            Determinism = Determinism(device, threads),
            Versions = new ManifestVersions(ToolVersion, VersionOf(typeof(StageRunner).Assembly),
                VersionOf(typeof(torch).Assembly), libtorch, RuntimeInformation.FrameworkDescription),
            Run = new ManifestRun
            {
                Device = device,
                Threads = threads,
                Machine = $"{Environment.MachineName} ({RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}, {Environment.ProcessorCount} cores)",
                StartedUtc = started,
                FinishedUtc = started + clock.Elapsed,
                WallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
                Phases = result.Phases.Seconds.Count == 0 ? null
                    : new SortedDictionary<string, double>(result.Phases.Seconds.ToDictionary(p => p.Key, p => Math.Round(p.Value, 3)), StringComparer.Ordinal),
                OutputTimes = times,
            },
        };
        manifest.Save(Path.Combine(spec.OutputDir, ContentHash.ManifestFileName));
        log.Info($"finished in {clock.Elapsed.TotalSeconds:0.0} s: {outputs.Count} files, content {manifest.ContentHash[..12]}");
        return manifest;
    }

    private ManifestInput ReadInput(StageInput input)
    {
        var path = Path.Combine(input.Dir, ContentHash.ManifestFileName);
        if (!File.Exists(path))
            throw new StageException("SOAR2007", $"upstream stage '{input.Name}' has no finished output in {input.Dir} (no {ContentHash.ManifestFileName}); build it first");
        return new ManifestInput(input.Name, input.Kind, StageManifest.Load(path).ContentHash);
    }

    /// <summary>
    /// Device, thread count and libtorch version. Only kinds with a Device parameter touch libtorch, so a curate
    /// stage never pays for (or fails on) loading the native library.
    /// </summary>
    private static (string Device, int Threads, string Libtorch) DescribeRuntime(StageContext context)
    {
        if (!context.KindInfo.Parameters.ContainsKey("Device"))
            return ("none (no tensors)", Environment.ProcessorCount, "not loaded");
        var cuda = torch.cuda.is_available();
        var requested = context.String("Device");
        var device = requested == "auto" ? (cuda ? "cuda" : "cpu") : requested;
        // The device a build running stages side by side leased this worker (SoarDevices).
        if (device == "cuda" && Devices.ComputeDevice.LeasedCudaIndex() is { } index) device = $"cuda:{index}";
        return (device, torch.get_num_threads(), torch.__version__);
    }

    /// <summary>What a rerun may be expected to match, recorded so `soar verify` and readers know the contract.</summary>
    private static string Determinism(string device, int threads) => device.Split(':')[0] switch
    {
        "cuda" => "cuda: seeded draws (generated on the CPU), but GPU kernels are not bitwise deterministic; verify with a tolerance (soar verify --tolerance)",
        "cpu" => $"cpu: bitwise — every draw seeded per stage and step, {threads} libtorch threads; reruns on the same machine kind and thread count give identical bytes",
        _ => "bitwise — no tensor work; outputs depend only on the inputs and parameters",
    };

    private static string VersionOf(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? assembly.GetName().Version?.ToString() ?? "unknown";
}
