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

    // ImageSharp writes single-page TIFF only, so the pages are written by hand: uncompressed 8-bit RGB, one strip each.
    private static byte[] MultiPageTiff(int pages)
    {
        const int entries = 10, ifdSize = 2 + entries * 12 + 4;
        int pixelBytes = Side * Side * 3, pageSize = ifdSize + 6 + pixelBytes;
        var tiff = new byte[8 + pages * pageSize];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        for (int p = 0; p < pages; p++)
        {
            int ifd = 8 + p * pageSize, bits = ifd + ifdSize, pixels = bits + 6;
            BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(ifd), entries);
            int e = ifd + 2;
            void Entry(ushort tag, ushort type, uint count, uint value)
            {
                BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(e), tag);
                BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(e + 2), type);
                BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(e + 4), count);
                if (type == 3 && count == 1) BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(e + 8), (ushort)value);
                else BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(e + 8), value);
                e += 12;
            }
            Entry(256, 3, 1, Side);               // ImageWidth
            Entry(257, 3, 1, Side);               // ImageLength
            Entry(258, 3, 3, (uint)bits);         // BitsPerSample 8,8,8
            Entry(259, 3, 1, 1);                  // no compression
            Entry(262, 3, 1, 2);                  // RGB
            Entry(273, 4, 1, (uint)pixels);       // StripOffsets
            Entry(277, 3, 1, 3);                  // SamplesPerPixel
            Entry(278, 3, 1, Side);               // RowsPerStrip
            Entry(279, 4, 1, (uint)pixelBytes);   // StripByteCounts
            Entry(284, 3, 1, 1);                  // chunky
            BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(e), p + 1 < pages ? (uint)(ifd + pageSize) : 0);
            for (int k = 0; k < 3; k++) BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(bits + 2 * k), 8);
            var c = FrameColour(p);
            for (int i = 0; i < Side * Side; i++) (tiff[pixels + 3 * i], tiff[pixels + 3 * i + 1], tiff[pixels + 3 * i + 2]) = (c.R, c.G, c.B);
        }
        return tiff;
    }

    [Fact]
    public void A_twenty_page_tiff_decodes_only_its_first_page()
    {
        var (_, still) = DecodeCounting(MultiPageTiff(1), "still.tiff");
        var (decoded, asked) = DecodeCounting(MultiPageTiff(Frames), "pages.tiff");

        Assert.Equal((255, 0, 0), decoded[Side / 2, Side / 2]);
        Assert.True(asked <= still + OneFrameBytes, $"decoding asked for {asked} bytes, a one-page TIFF {still}");
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
