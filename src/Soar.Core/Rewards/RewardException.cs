namespace Soar.Core.Rewards;

/// <summary>A reward could not be created or could not score an image; the message says which and what to do.</summary>
public sealed class RewardException(string message, Exception? inner = null) : Exception(message, inner);
