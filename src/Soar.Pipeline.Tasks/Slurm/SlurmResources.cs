using System.Globalization;
using System.Text.RegularExpressions;

namespace Soar.Pipeline.Tasks;

/// <summary>
/// What one stage's Slurm job asks for: a stage's SlurmPartition, SlurmCpus, SlurmGpus, SlurmMem and SlurmTime metadata
/// over the project's SoarSlurm* properties. CPUs default to the stage's Threads when it sets them, else the project's.
/// Metadata, not parameters: where a stage runs changes none of its outputs, so none joins the fingerprint.
/// </summary>
public sealed partial record SlurmResources(string Partition, int Cpus, string Gpus, string Memory, string Time, IReadOnlyList<string> ExtraArguments)
{
    /// <summary>The &lt;Stage&gt; metadata names, reserved beside Kind and Upstream.</summary>
    public static readonly IReadOnlyList<string> StageMetadata = ["SlurmPartition", "SlurmCpus", "SlurmGpus", "SlurmMem", "SlurmTime"];

    /// <summary>The project-wide defaults (SoarSlurmPartition, ...; empty: Slurm's own default).</summary>
    public sealed record Defaults(string Partition = "", string Cpus = "1", string Gpus = "", string Memory = "", string Time = "", string ExtraArguments = "");

    /// <summary>The resources of one stage, or null with every problem in <paramref name="errors"/> (each names where it was written).</summary>
    public static SlurmResources? Resolve(Defaults project, Func<string, string> stageMetadata, int stageThreads, List<string> errors)
    {
        // The stage's own metadata, else the project's property; "from" says which, for the error.
        (string Value, string From) Pick(string name, string fallback)
        {
            var own = stageMetadata(name).Trim();
            return own.Length > 0 ? (own, $"{name}=\"{own}\"") : (fallback.Trim(), $"SoarSlurm{name["Slurm".Length..]}=\"{fallback.Trim()}\"");
        }
        var before = errors.Count;
        var (partition, partitionFrom) = Pick("SlurmPartition", project.Partition);
        if (partition.Length > 0 && !PartitionNames().IsMatch(partition))
            errors.Add($"{partitionFrom}: not a partition name (letters, digits, _ . -, several separated by commas)");
        // A stage that sets Threads uses that many cores: ask for them unless SlurmCpus says otherwise.
        var (cpusText, cpusFrom) = stageMetadata("SlurmCpus").Trim().Length == 0 && stageThreads > 0
            ? (stageThreads.ToString(CultureInfo.InvariantCulture), $"Threads=\"{stageThreads}\"") : Pick("SlurmCpus", project.Cpus);
        if (!int.TryParse(cpusText, NumberStyles.None, CultureInfo.InvariantCulture, out var cpus) || cpus < 1)
            errors.Add($"{cpusFrom}: give the CPUs per job, a whole number of 1 or more");
        var (gpus, gpusFrom) = Pick("SlurmGpus", project.Gpus);
        if (gpus.Length > 0 && !GpuCount().IsMatch(gpus))
            errors.Add($"{gpusFrom}: give the GPUs per job as N or type:N (e.g. 1 or a100:2), passed as --gres=gpu:<value>");
        var (memory, memoryFrom) = Pick("SlurmMem", project.Memory);
        if (memory.Length > 0 && !MemorySize().IsMatch(memory))
            errors.Add($"{memoryFrom}: give the memory per node as sbatch --mem takes it, a number with an optional K, M, G or T (e.g. 16G)");
        var (time, timeFrom) = Pick("SlurmTime", project.Time);
        if (time.Length > 0 && !TimeLimit().IsMatch(time))
            errors.Add($"{timeFrom}: give the time limit as sbatch --time takes it: minutes, minutes:seconds, hours:minutes:seconds, days-hours, days-hours:minutes or days-hours:minutes:seconds (e.g. 2:00:00)");
        var extra = project.ExtraArguments.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var argument in extra.Where(a => !a.StartsWith('-')))
            errors.Add($"SoarSlurmArguments: '{argument}' is not an sbatch option; list options separated by ';', e.g. --account=proj;--qos=high");
        return errors.Count > before ? null : new SlurmResources(partition, cpus, gpus is "0" ? "" : gpus, memory, time, extra);
    }

    /// <summary>The sbatch options for these resources, in a fixed order.</summary>
    public IEnumerable<string> SbatchOptions()
    {
        yield return $"--cpus-per-task={Cpus.ToString(CultureInfo.InvariantCulture)}";
        if (Gpus.Length > 0) yield return $"--gres=gpu:{Gpus}";
        if (Memory.Length > 0) yield return $"--mem={Memory}";
        if (Time.Length > 0) yield return $"--time={Time}";
        if (Partition.Length > 0) yield return $"--partition={Partition}";
        foreach (var argument in ExtraArguments) yield return argument;
    }

    /// <summary>"1 CPU, gpu:1, mem 16G, time 2:00:00, partition gpu" (what was asked; Slurm's defaults are not known here).</summary>
    public override string ToString() => string.Join(", ", new[]
    {
        Cpus == 1 ? "1 CPU" : $"{Cpus} CPUs",
        Gpus.Length > 0 ? $"gpu:{Gpus}" : "",
        Memory.Length > 0 ? $"mem {Memory}" : "",
        Time.Length > 0 ? $"time {Time}" : "",
        Partition.Length > 0 ? $"partition {Partition}" : "",
    }.Where(p => p.Length > 0));

    [GeneratedRegex("^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$")]
    private static partial Regex PartitionNames();

    [GeneratedRegex("^([A-Za-z0-9_.-]+:)?[0-9]+$")]
    private static partial Regex GpuCount();

    [GeneratedRegex("^[0-9]+[KMGTkmgt]?$")]
    private static partial Regex MemorySize();

    [GeneratedRegex(@"^([0-9]+-[0-9]+(:[0-9]+(:[0-9]+)?)?|[0-9]+(:[0-9]+(:[0-9]+)?)?|UNLIMITED|INFINITE)$", RegexOptions.IgnoreCase)]
    private static partial Regex TimeLimit();
}
