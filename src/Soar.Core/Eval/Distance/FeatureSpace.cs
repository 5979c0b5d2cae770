using Soar.Core.Checkpoints;
using Soar.Core.Imaging;
using Soar.Core.Text;
using Soar.Core.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Soar.Core.Eval.Distance;

/// <summary>
/// A <see cref="FeatureNetwork"/> trained on real images of the dataset (seeded, a few seconds on CPU), and the
/// features it gives. Not an Inception network: distances in this space are not comparable to FID.
/// </summary>
public sealed class FeatureSpace : IDisposable
{
    public const int FeatureSize = 32;
    public const int MaxWords = 64;

    private readonly FeatureNetwork _network;
    private readonly Device _device;

    public int ImageSize { get; }
    public IReadOnlyList<string> Words { get; }
    public double FinalLoss { get; }

    private FeatureSpace(FeatureNetwork network, Device device, int imageSize, IReadOnlyList<string> words, double finalLoss)
    {
        _network = network;
        _device = device;
        ImageSize = imageSize;
        Words = words;
        FinalLoss = finalLoss;
    }

    public static FeatureSpace Train(IReadOnlyList<RgbImage> images, IReadOnlyList<string> captions, long seed, Device device,
        int steps = 300, int batchSize = 64, CancellationToken cancellationToken = default)
    {
        if (images.Count == 0) throw new ArgumentException("the feature network needs real images to train on", nameof(images));
        int size = images[0].Width;
        if (images.Any(i => i.Width != size || i.Height != size))
            throw new ArgumentException($"the feature network trains on square images of one size; the first is {size}x{size}", nameof(images));
        // The most frequent caption words (ties by ordinal order, so the list is deterministic).
        var words = captions.SelectMany(c => CaptionTokenizer.Split(c).Distinct()).GroupBy(w => w, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(MaxWords).Select(g => g.Key).ToArray();
        var index = words.Select((w, i) => (w, i)).ToDictionary(t => t.w, t => t.i, StringComparer.Ordinal);
        var targets = new float[captions.Count * Math.Max(1, words.Length)];
        for (int r = 0; r < captions.Count; r++)
            foreach (var w in CaptionTokenizer.Split(captions[r]))
                if (index.TryGetValue(w, out int k)) targets[r * words.Length + k] = 1;

        manual_seed((long)SplitMix64.Derive(seed, "feature-init", 0));
        var network = new FeatureNetwork(FeatureSize, words.Length);
        network.to(device);
        using var all = TrainingSet.ToTensor(images.Select(i => i.Pixels).ToList(), size).to(device);
        using var small = nn.functional.interpolate(all, [FeatureNetwork.ReconstructionSize, FeatureNetwork.ReconstructionSize], mode: InterpolationMode.Area);
        using var wordTargets = tensor(targets, [captions.Count, Math.Max(1, words.Length)]).to(device);
        using var optimizer = optim.Adam(network.parameters(), lr: 2e-3);
        var rng = new SplitMix64(SplitMix64.Derive(seed, "feature-batches", 0));
        double loss = double.NaN;
        network.train();
        for (int step = 0; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var pick = tensor(Enumerable.Range(0, Math.Min(batchSize, images.Count)).Select(_ => (long)rng.NextInt(images.Count)).ToArray(), device: device);
            var f = network.forward(all.index_select(0, pick));
            var reconstruction = nn.functional.mse_loss(network.Decode(f), small.index_select(0, pick));
            var wordLoss = words.Length == 0 ? zeros(1, device: device).sum()
                : nn.functional.binary_cross_entropy_with_logits(network.Words(f), wordTargets.index_select(0, pick));
            var total = reconstruction + wordLoss;
            optimizer.zero_grad();
            total.backward();
            optimizer.step();
            loss = total.item<float>();
        }
        network.eval();
        return new FeatureSpace(network, device, size, words, loss);
    }

    /// <summary>Feature rows (double) of images of the training size.</summary>
    public double[][] Extract(IReadOnlyList<RgbImage> images)
    {
        if (images.Any(i => i.Width != ImageSize || i.Height != ImageSize))
            throw new ArgumentException($"the feature network was trained on {ImageSize}x{ImageSize} images", nameof(images));
        var rows = new List<double[]>();
        using var inference = inference_mode();
        for (int start = 0; start < images.Count; start += 256)
        {
            using var scope = NewDisposeScope();
            var chunk = images.Skip(start).Take(256).Select(i => i.Pixels).ToList();
            var f = _network.forward(TrainingSet.ToTensor(chunk, ImageSize).to(_device)).to(ScalarType.Float64).cpu();
            var data = f.data<double>().ToArray();
            for (int i = 0; i < chunk.Count; i++) rows.Add(data.AsSpan(i * FeatureSize, FeatureSize).ToArray());
        }
        return rows.ToArray();
    }

    /// <summary>Writes the network's weights (safetensors), so the feature space of a report can be reused.</summary>
    public void Save(string path) => ModuleWeights.Save(path, _network);

    public void Dispose() => _network.Dispose();
}
