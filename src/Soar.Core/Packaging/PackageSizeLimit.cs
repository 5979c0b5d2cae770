using System.Globalization;
using Soar.Core.Stages;

namespace Soar.Core.Packaging;

/// <summary>
/// The most a model package may hold (its files, uncompressed: weights barely compress): NuGet feeds cap a package's
/// size (nuget.org at 250 MB), so a full fine-tune of a real model is refused before anything is written.
/// </summary>
public static class PackageSizeLimit
{
    public const int DefaultMegabytes = 250;
    public const string Parameter = "MaxPackageMB";

    /// <summary>Refuses (SOAR2655) files summing past <paramref name="megabytes"/> MB; <paramref name="whyFull"/> says why adapters alone could not be packed.</summary>
    public static void Check(IReadOnlyDictionary<string, string> files, int megabytes, string model, string? whyFull)
    {
        long total = files.Values.Sum(f => new FileInfo(f).Length);
        if (total <= megabytes * 1_000_000L) return;
        var largest = files.OrderByDescending(f => new FileInfo(f.Value).Length).Take(2).Select(f => $"{f.Key} {Mb(new FileInfo(f.Value).Length)}");
        throw new StageException("SOAR2655", $"the package of '{model}' would hold {Mb(total)} ({string.Join(", ", largest)}), over {Parameter}={megabytes} MB (nuget.org accepts at most 250 MB a package)"
            + (whyFull is null ? "; it is a full fine-tune" : $"; it cannot be packed as its LoRA adapters alone: {whyFull}")
            + ". Train with Lora=\"rank=32;alpha=64\" on a base that is a model package or a diffusers folder, so the package holds only the adapters and references its base;"
            + $" or keep the weights in an external store (an object store, a Hugging Face repository) and share the stage folder from there; or raise {Parameter} (--max-package-mb) for a feed that accepts larger packages");
    }

    private static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.#} MB");
}
