using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Eval.Distance;

/// <summary>
/// The small CNN whose bottleneck is the feature space of the Fréchet distance. It trains as an autoencoder
/// (reconstructing a 16x16 copy of the image) with a head that predicts which caption words the image has,
/// so it works on any captioned data, built-in or custom. Any input size: the encoder pools to 4x4.
/// </summary>
public sealed class FeatureNetwork : Module<Tensor, Tensor>
{
    public const int ReconstructionSize = 16;

    private readonly Conv2d conv1, conv2, conv3;
    private readonly Linear project, expand, words;
    private readonly ConvTranspose2d up1, up2;

    public int FeatureSize { get; }

    public FeatureNetwork(int featureSize, int vocabulary) : base(nameof(FeatureNetwork))
    {
        FeatureSize = featureSize;
        conv1 = Conv2d(3, 16, 3, stride: 2, padding: 1);
        conv2 = Conv2d(16, 32, 3, stride: 2, padding: 1);
        conv3 = Conv2d(32, 64, 3, stride: 2, padding: 1);
        project = Linear(64 * 4 * 4, featureSize);
        expand = Linear(featureSize, 64 * 4 * 4);
        up1 = ConvTranspose2d(64, 32, 4, stride: 2, padding: 1);
        up2 = ConvTranspose2d(32, 3, 4, stride: 2, padding: 1);
        words = Linear(featureSize, Math.Max(1, vocabulary));
        RegisterComponents();
    }

    /// <summary>[B, 3, H, W] in [-1, 1] -> [B, FeatureSize].</summary>
    public override Tensor forward(Tensor images)
    {
        var h = functional.relu(conv1.forward(images));
        h = functional.relu(conv2.forward(h));
        h = functional.relu(conv3.forward(h));
        h = functional.adaptive_avg_pool2d(h, [4, 4]);
        return project.forward(h.flatten(1));
    }

    /// <summary>The 16x16 reconstruction in [-1, 1].</summary>
    public Tensor Decode(Tensor features)
    {
        var h = functional.relu(expand.forward(features)).view(-1, 64, 4, 4);
        h = functional.relu(up1.forward(h));
        return tanh(up2.forward(h));
    }

    /// <summary>Logits of "caption contains word k".</summary>
    public Tensor Words(Tensor features) => words.forward(features);
}
