using Soar.Core.Imaging;

namespace Soar.Core.Worlds;

/// <summary>One rendered sample of a world: the prompt it answers, the image and its ground truth.</summary>
public sealed record WorldSample(WorldPrompt Prompt, RgbImage Image, WorldAnnotations Annotations)
{
    public string Caption => Prompt.Caption;
    public string Family => Prompt.Family;
}
