using Soar.Core.Imaging;
using Soar.Core.Text;
using static TorchSharp.torch;

namespace Soar.Core.Training;

/// <summary>
/// A dataset held as tensors: images in [-1, 1] ([N, C, H, W]; or latents) and caption ids ([N, L]; or prompt rows).
/// The built-in worlds are small enough to keep in memory; batches are index_select'ed.
/// </summary>
public sealed class TrainingSet : IDisposable
{
    public Tensor Images { get; }
    public Tensor CaptionIds { get; }
    public IReadOnlyList<string> Captions { get; }
    public int Count => Captions.Count;

    private TrainingSet(Tensor images, Tensor ids, IReadOnlyList<string> captions)
    {
        Images = images;
        CaptionIds = ids;
        Captions = captions;
    }

    /// <summary>Converts decoded rows; every image must have the model's size, every caption must tokenize.</summary>
    public static TrainingSet Create(IEnumerable<(RgbImage Image, string Caption, string Source)> rows, CaptionTokenizer tokenizer, int imageSize, Device device)
    {
        var pixels = new List<byte[]>();
        var ids = new List<int[]>();
        var captions = new List<string>();
        foreach (var (image, caption, source) in rows)
        {
            if (image.Width != imageSize || image.Height != imageSize)
                throw new InvalidDataException($"{source}: image is {image.Width}x{image.Height}, the model needs {imageSize}x{imageSize} (curate with ImageSize={imageSize})");
            if (!tokenizer.TryEncode(caption, out var encoded, out var error))
                throw new InvalidDataException($"{source}: {error}");
            pixels.Add(image.Pixels);
            ids.Add(encoded);
            captions.Add(caption);
        }
        if (captions.Count == 0) throw new InvalidDataException("the training set is empty");
        return new TrainingSet(ToTensor(pixels, imageSize).to(device), ToIdTensor(ids).to(device), captions);
    }

    /// <summary>Ready tensors: e.g. an sd3-pipeline dataset's cached latents [N, C, h, w] and prompt rows [N, 1].</summary>
    public static TrainingSet FromTensors(Tensor images, Tensor ids, IReadOnlyList<string> captions)
    {
        if (captions.Count == 0) throw new InvalidDataException("the training set is empty");
        if (images.shape[0] != captions.Count || ids.shape[0] != captions.Count)
            throw new ArgumentException($"{captions.Count} captions need {captions.Count} images and id rows, not {images.shape[0]} and {ids.shape[0]}");
        return new TrainingSet(images, ids, captions);
    }

    /// <summary>HWC bytes -> [N, 3, H, W] floats in [-1, 1].</summary>
    public static Tensor ToTensor(IReadOnlyList<byte[]> images, int size)
    {
        var flat = new byte[images.Count * size * size * 3];
        for (int i = 0; i < images.Count; i++) Buffer.BlockCopy(images[i], 0, flat, i * size * size * 3, size * size * 3);
        using var bytes = tensor(flat, [images.Count, size, size, 3]);
        using var chw = bytes.permute(0, 3, 1, 2).to(ScalarType.Float32);
        return (chw / 127.5 - 1.0).contiguous();
    }

    public static Tensor ToIdTensor(IReadOnlyList<int[]> ids)
    {
        int len = ids[0].Length;
        var flat = new long[ids.Count * len];
        for (int i = 0; i < ids.Count; i++) for (int j = 0; j < len; j++) flat[i * len + j] = ids[i][j];
        return tensor(flat, [ids.Count, len]);
    }

    /// <summary>[-1, 1] float images -> 8-bit RGB (clamped, rounded).</summary>
    public static RgbImage[] ToImages(Tensor images)
    {
        using var scope = NewDisposeScope();
        var hwc = ((images.detach().to(CPU).clamp(-1, 1) + 1) * 127.5).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous();
        var data = hwc.data<byte>().ToArray();
        int n = (int)hwc.shape[0], h = (int)hwc.shape[1], w = (int)hwc.shape[2];
        var result = new RgbImage[n];
        for (int i = 0; i < n; i++) result[i] = new RgbImage(w, h, data.AsSpan(i * h * w * 3, h * w * 3).ToArray());
        return result;
    }

    public void Dispose()
    {
        Images.Dispose();
        CaptionIds.Dispose();
    }
}
