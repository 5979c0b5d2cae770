using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Soar.Core.Checkpoints;

/// <summary>
/// Saves a training state as a checkpoint folder (<see cref="CheckpointLayout"/>), atomically: everything is written
/// and fsynced in <c>{dir}.tmp-{random}</c>, then renamed into place. An existing checkpoint is first renamed to
/// <c>{dir}.old-{random}</c> and deleted only after the swap, so a crash at any point leaves a complete copy on disk.
/// </summary>
public static class CheckpointWriter
{
    public static void Save(string dir, nn.Module model, nn.Module? ema, AdamW? optimizer, JsonObject config, TrainerState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(state);
        var target = Path.GetFullPath(dir.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);

        var temp = $"{target}.tmp-{Guid.NewGuid():N}";
        Directory.CreateDirectory(temp);
        try
        {
            ModuleWeights.Save(Path.Combine(temp, CheckpointLayout.Model), model);
            if (ema is not null)
                ModuleWeights.Save(Path.Combine(temp, CheckpointLayout.Ema), ema);
            if (optimizer is not null)
                AdamWState.Save(Path.Combine(temp, CheckpointLayout.Optimizer), optimizer, model);
            DurableFile.WriteText(Path.Combine(temp, CheckpointLayout.Config), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            DurableFile.WriteText(Path.Combine(temp, CheckpointLayout.TrainerState), state.ToJson());
            DurableFile.WriteText(Path.Combine(temp, CheckpointLayout.Checksums), CheckpointChecksums.Compute(temp).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            DurableFile.SyncDirectory(temp);
        }
        catch
        {
            Directory.Delete(temp, recursive: true);
            throw;
        }

        if (Directory.Exists(target))
        {
            var aside = $"{target}.old-{Guid.NewGuid():N}";
            Directory.Move(target, aside);
            try
            {
                Directory.Move(temp, target);
            }
            catch
            {
                Directory.Move(aside, target);
                Directory.Delete(temp, recursive: true);
                throw;
            }
        }
        else
        {
            Directory.Move(temp, target);
        }
        DurableFile.SyncDirectory(parent);
        RemoveLeftovers(target);
    }

    /// <summary>Deletes folders that this save or earlier interrupted saves of the same target left beside it.</summary>
    private static void RemoveLeftovers(string target)
    {
        var parent = Path.GetDirectoryName(target)!;
        var name = Path.GetFileName(target);
        foreach (var pattern in new[] { $"{name}.old-*", $"{name}.tmp-*" })
            foreach (var leftover in Directory.GetDirectories(parent, pattern))
                Directory.Delete(leftover, recursive: true);
    }
}
