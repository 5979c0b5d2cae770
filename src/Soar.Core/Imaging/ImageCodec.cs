using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;

namespace Soar.Core.Imaging;

/// <summary>Decodes PNG/JPEG/WebP/BMP/GIF/TIFF bytes to <see cref="RgbImage"/> (the first frame of an animation or
/// multi-page file only) and encodes RgbImage to deterministic PNG.</summary>
public static class ImageCodec
{
    // No metadata chunks, fixed filter and compression: the same pixels always give the same bytes.
    private static readonly PngEncoder Png = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        CompressionLevel = PngCompressionLevel.DefaultCompression,
        FilterMethod = PngFilterMethod.Adaptive,
        IgnoreMetadata = true,
        ChunkFilter = PngChunkFilter.ExcludeAll,
    };

    /// <summary>Transparent pixels are composited onto this unless told otherwise: white, as image viewers show them.</summary>
    public static readonly (byte R, byte G, byte B) DefaultBackground = (255, 255, 255);

    /// <summary>
    /// Decodes the first frame of an image, compositing any alpha channel onto <paramref name="background"/>
    /// (default <see cref="DefaultBackground"/>). <paramref name="source"/> names the file/row in error messages.
    /// Throws <see cref="InvalidDataException"/> for non-images, corrupt data and images over the limit.
    /// </summary>
    public static RgbImage Decode(ReadOnlySpan<byte> bytes, string source, ImageLimits? limits = null, (byte R, byte G, byte B)? background = null)
    {
        limits ??= ImageLimits.Default;
        var (r0, g0, b0) = background ?? DefaultBackground;
        byte[]? still;
        try
        {
            still = WebpFirstFrame.Extract(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: corrupt image data ({e.Message})", e);
        }
        if (still is not null) bytes = still;
        var (width, height) = Identify(bytes, source);
        if ((long)width * height > limits.MaxPixels)
            throw new InvalidDataException($"{source}: image is over the pixel limit {width}x{height} > {limits.MaxPixels} pixels; shrink it or raise the limit");
        Image<Rgba32> image;
        try
        {
            image = Image.Load<Rgba32>(FirstFrameOnly(), bytes);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new InvalidDataException($"{source}: corrupt image data ({e.Message})", e);
        }
        using (image)
        {
            // The header's size is what the limit was checked against; a decoder that made more is refused.
            if ((long)image.Width * image.Height * image.Frames.Count > limits.MaxPixels)
                throw new InvalidDataException($"{source}: decoding made {image.Frames.Count} frame(s) of {image.Width}x{image.Height}, over the pixel limit {limits.MaxPixels}");
            var rgba = new Rgba32[image.Width * image.Height];
            image.Frames.RootFrame.CopyPixelDataTo(rgba);
            var rgb = new byte[rgba.Length * 3];
            for (int i = 0; i < rgba.Length; i++)
            {
                var p = rgba[i];
                // Composite on the background: c * a + bg * (255 - a), over 255, rounded.
                int a = p.A, inv = 255 - a;
                rgb[i * 3] = (byte)((p.R * a + r0 * inv + 127) / 255);
                rgb[i * 3 + 1] = (byte)((p.G * a + g0 * inv + 127) / 255);
                rgb[i * 3 + 2] = (byte)((p.B * a + b0 * inv + 127) / 255);
            }
            return new RgbImage(image.Width, image.Height, rgb);
        }
    }

    // GIF and TIFF decoders stop after the first frame; animated WebP is cut to its first frame before decoding.
    // A fresh configuration per call: it shares Configuration.Default's memory allocator as it is at that moment.
    private static Configuration FirstFrameOnly()
    {
        var configuration = Configuration.Default.Clone();
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }

    /// <summary>Reads only the header: the image size. Throws <see cref="InvalidDataException"/> when it is not an image.</summary>
    public static (int Width, int Height) Identify(ReadOnlySpan<byte> bytes, string source)
    {
        if (bytes.IsEmpty) throw new InvalidDataException($"{source}: not an image (0 bytes)");
        IImageInfo? info;
        try
        {
            using var stream = new MemoryStream(bytes.ToArray(), writable: false);
            info = Image.Identify(stream);
        }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new InvalidDataException($"{source}: corrupt image header ({e.Message})", e);
        }
        if (info is null)
            throw new InvalidDataException($"{source}: not an image (no PNG, JPEG, WebP, BMP, GIF or TIFF signature)");
        if (info.Width <= 0 || info.Height <= 0)
            throw new InvalidDataException($"{source}: corrupt image header (size {info.Width}x{info.Height})");
        return (info.Width, info.Height);
    }

    // Decoders meet hostile bytes: whatever they throw (format, end-of-stream, index errors) means the data is bad.
    private static bool IsDecoderFailure(Exception e) => e is not (OutOfMemoryException or OperationCanceledException or InvalidDataException);

    /// <summary>Encodes to 8-bit RGB PNG; identical pixels always give identical bytes.</summary>
    public static byte[] EncodePng(RgbImage image)
    {
        using var img = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        using var stream = new MemoryStream();
        img.Save(stream, Png);
        return stream.ToArray();
    }

    /// <summary>Writes a PNG file atomically (temp file + rename).</summary>
    public static void SavePng(RgbImage image, string path) => AtomicFile.WriteAllBytes(path, EncodePng(image));
}
