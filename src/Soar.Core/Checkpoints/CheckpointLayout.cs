namespace Soar.Core.Checkpoints;

/// <summary>File names inside a checkpoint folder (Hugging Face conventions where one exists).</summary>
public static class CheckpointLayout
{
    public const string Model = "model.safetensors";
    public const string Ema = "ema.safetensors";
    public const string Optimizer = "optimizer.safetensors";
    public const string Config = "config.json";
    public const string TrainerState = "trainer_state.json";
    /// <summary>SHA-256 of every other file, so a damaged checkpoint is detected before it is resumed.</summary>
    public const string Checksums = "checksums.json";
}
