using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using Soar.Core.Imaging;

namespace Soar.Core.Tests.Imaging;

/// <summary>Only the first frame of an animation is decoded, and the pixel limit holds for what is decoded.</summary>
public sealed class AnimatedImageTests
{
    private const int Side = 200, Frames = 20;
    private const long OneFrameBytes = Side * Side * 4;

    private static Rgba32 FrameColour(int i) => i == 0 ? new Rgba32(255, 0, 0) : new Rgba32(0, (byte)(10 * i), 255);

    private static byte[] AnimatedGif(int frames = Frames)
    {
        using var image = new Image<Rgba32>(Side, Side, FrameColour(0));
        for (int i = 1; i < frames; i++)
        {
            using var frame = new Image<Rgba32>(Side, Side, FrameColour(i));
            image.Frames.AddFrame(frame.Frames.RootFrame);
        }
        var stream = new MemoryStream();
        image.Save(stream, new GifEncoder());
        return stream.ToArray();
    }

    // ImageSharp writes only still WebP, so the animation is assembled from lossless still frames (VP8L chunks).
    private static byte[] AnimatedWebp()
    {
        var frames = new List<byte[]>();
        for (int i = 0; i < Frames; i++)
        {
            using var still = new Image<Rgba32>(Side, Side, FrameColour(i));
            var s = new MemoryStream();
            still.Save(s, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless });
            var bytes = s.ToArray();
            Assert.Equal("VP8L", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
            frames.Add(bytes[12..]);
        }
        var body = new MemoryStream();
        body.Write("WEBP"u8);
        Chunk(body, "VP8X", [0x02 | 0x10, 0, 0, 0, .. UInt24(Side - 1), .. UInt24(Side - 1)]);
        Chunk(body, "ANIM", [0, 0, 0, 0, 0, 0]);
        foreach (var f in frames)
            Chunk(body, "ANMF", [.. UInt24(0), .. UInt24(0), .. UInt24(Side - 1), .. UInt24(Side - 1), .. UInt24(100), 0, .. f]);
        var riff = new MemoryStream();
        riff.Write("RIFF"u8);
        var size = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)body.Length);
        riff.Write(size);
        body.WriteTo(riff);
        return riff.ToArray();
    }

    private static byte[] UInt24(int v) => [(byte)v, (byte)(v >> 8), (byte)(v >> 16)];

    private static void Chunk(Stream s, string fourCc, byte[] payload)
    {
        s.Write(System.Text.Encoding.ASCII.GetBytes(fourCc));
        var size = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, (uint)payload.Length);
        s.Write(size);
        s.Write(payload);
        if (payload.Length % 2 == 1) s.WriteByte(0);
    }

    private static (RgbImage Image, long Asked) DecodeCounting(byte[] bytes, string name)
    {
        using var counting = new CountingAllocator();
        var image = ImageCodec.Decode(bytes, name);
        return (image, counting.Bytes);
    }

    [Fact]
    public void A_twenty_frame_gif_decodes_only_its_first_frame()
    {
        var (_, still) = DecodeCounting(AnimatedGif(frames: 1), "still.gif");
        var (decoded, asked) = DecodeCounting(AnimatedGif(), "anim.gif");

        Assert.Equal((255, 0, 0), decoded[Side / 2, Side / 2]);
        // Decoding all 20 frames asks for about 20 more frame buffers than the still image (measured: 32 vs 7.5 frames' worth).
        Assert.True(asked <= still + OneFrameBytes, $"decoding asked for {asked} bytes, a still GIF {still}");
    }

    [Fact]
    public void A_twenty_frame_webp_decodes_only_its_first_frame()
    {
        // ImageSharp 2.1 refuses animated WebP outright ("not supported"), so without cutting it is unreadable.
        var (decoded, asked) = DecodeCounting(AnimatedWebp(), "anim.webp");

        Assert.Equal((Side, Side), (decoded.Width, decoded.Height));
        Assert.Equal((255, 0, 0), decoded[Side / 2, Side / 2]);
        Assert.True(asked < 4 * OneFrameBytes, $"decoding asked for {asked} bytes, {asked / (double)OneFrameBytes:0.#} frames' worth");
    }

    [Fact]
    public void The_pixel_limit_is_one_frames_pixels_for_an_animation()
    {
        var limit = new ImageLimits(Side * Side);
        Assert.Equal(Side, ImageCodec.Decode(AnimatedGif(), "anim.gif", limit).Width);
        Assert.Equal(Side, ImageCodec.Decode(AnimatedWebp(), "anim.webp", limit).Width);
        var e = Assert.Throws<InvalidDataException>(() => ImageCodec.Decode(AnimatedGif(), "anim.gif", new ImageLimits(Side * Side - 1)));
        Assert.Contains("anim.gif: image is over the pixel limit", e.Message);
    }

    [Fact]
    public void A_truncated_animated_webp_is_corrupt_data_naming_the_source()
    {
        var webp = AnimatedWebp();
        var e = Assert.Throws<InvalidDataException>(() => ImageCodec.Decode(webp.AsSpan(0, 60), "cut.webp"));
        Assert.StartsWith("cut.webp: corrupt image", e.Message);
    }
}
