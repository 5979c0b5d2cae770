using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using Soar.Core.Imaging;

namespace Soar.Core.Tests.Imaging;

public sealed class ImageCodecTests
{
    [Fact]
    public void PngRoundTripKeepsEveryPixel()
    {
        var image = TestImages.Noise(37, 21, seed: 1);
        var decoded = ImageCodec.Decode(ImageCodec.EncodePng(image), "noise.png");
        Assert.Equal((37, 21), (decoded.Width, decoded.Height));
        Assert.Equal(image.Pixels, decoded.Pixels);
    }

    [Fact]
    public void EncodingIsDeterministic()
    {
        var a = ImageCodec.EncodePng(TestImages.Noise(32, 32, seed: 5));
        var b = ImageCodec.EncodePng(TestImages.Noise(32, 32, seed: 5));
        Assert.Equal(a, b);
        Assert.NotEqual(a, ImageCodec.EncodePng(TestImages.Noise(32, 32, seed: 6)));
    }

    private static byte[] ThreeAlphas()
    {
        using var rgba = new Image<Rgba32>(3, 1);
        rgba[0, 0] = new Rgba32(200, 100, 50, 255);
        rgba[1, 0] = new Rgba32(200, 100, 50, 0);
        rgba[2, 0] = new Rgba32(200, 100, 50, 128);
        var stream = new MemoryStream();
        rgba.Save(stream, new PngEncoder { ColorType = PngColorType.RgbWithAlpha });
        return stream.ToArray();
    }

    [Fact]
    public void AlphaIsCompositedOnWhiteByDefault()
    {
        var decoded = ImageCodec.Decode(ThreeAlphas(), "alpha.png");

        Assert.Equal((200, 100, 50), decoded[0, 0]);
        Assert.Equal((255, 255, 255), decoded[1, 0]);
        // 200*128/255 + 255*127/255 = 227.4, 100 -> 177.2, 50 -> 152.1
        Assert.Equal((227, 177, 152), decoded[2, 0]);
    }

    [Fact]
    public void AlphaIsCompositedOnTheGivenBackground()
    {
        var onBlack = ImageCodec.Decode(ThreeAlphas(), "alpha.png", background: (0, 0, 0));
        Assert.Equal((0, 0, 0), onBlack[1, 0]);
        Assert.Equal((100, 50, 25), onBlack[2, 0]);

        var onGrey = ImageCodec.Decode(ThreeAlphas(), "alpha.png", background: Colours.Parse("#808080", "Background"));
        Assert.Equal((128, 128, 128), onGrey[1, 0]);
    }

    [Theory]
    [InlineData("white", 255, 255, 255)]
    [InlineData(" Black ", 0, 0, 0)]
    [InlineData("#ff8000", 255, 128, 0)]
    [InlineData("00ff00", 0, 255, 0)]
    [InlineData("#fff", 255, 255, 255)]
    public void ColoursParseFromNamesAndHex(string text, int r, int g, int b) =>
        Assert.Equal(((byte)r, (byte)g, (byte)b), Colours.Parse(text, "Background"));

    [Theory]
    [InlineData("notacolour")]
    [InlineData("#12345")]
    [InlineData("transparent")]
    [InlineData("")]
    public void ColoursThatAreNotOpaqueColoursAreRefusedNamingTheParameter(string text) =>
        Assert.Contains("Background '", Assert.Throws<ArgumentException>(() => Colours.Parse(text, "Background")).Message);

    [Fact]
    public void DecodesBmpAndLosslessWebpExactlyAndJpegClosely()
    {
        var image = TestImages.Noise(16, 8, seed: 2);
        using var source = Image.LoadPixelData<Rgb24>(image.Pixels, 16, 8);
        byte[] Encode(SixLabors.ImageSharp.Formats.IImageEncoder encoder)
        {
            var s = new MemoryStream();
            source.Save(s, encoder);
            return s.ToArray();
        }

        Assert.Equal(image.Pixels, ImageCodec.Decode(Encode(new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }), "x.bmp").Pixels);
        Assert.Equal(image.Pixels, ImageCodec.Decode(Encode(new WebpEncoder { FileFormat = WebpFileFormatType.Lossless }), "x.webp").Pixels);

        using var flat = new Image<Rgb24>(16, 16, new Rgb24(90, 160, 30));
        var jpeg = new MemoryStream();
        flat.Save(jpeg, new JpegEncoder { Quality = 95 });
        var decoded = ImageCodec.Decode(jpeg.ToArray(), "x.jpg");
        Assert.InRange(decoded[8, 8].G, 150, 170);
    }

    [Fact]
    public void GarbageIsNotAnImageAndNamesTheSource()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageCodec.Decode("hello, world"u8.ToArray(), "rows.parquet row 7"));
        Assert.Contains("rows.parquet row 7", e.Message);
        Assert.Contains("not an image", e.Message);
        Assert.Contains("not an image", Assert.Throws<InvalidDataException>(() => ImageCodec.Decode([], "empty.png")).Message);
    }

    [Fact]
    public void TruncatedPngIsCorrupt()
    {
        var png = ImageCodec.EncodePng(TestImages.Noise(64, 64, seed: 3));
        var e = Assert.Throws<InvalidDataException>(() => ImageCodec.Decode(png.AsSpan(0, png.Length / 2), "cut.png"));
        Assert.Contains("cut.png", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void HugeHeaderIsRefusedBeforeDecoding()
    {
        // No pixel data follows the header: reaching the decoder would fail differently (corrupt), not with the limit.
        var bomb = TestImages.PngHeaderOnly(100_000, 100_000);
        var e = Assert.Throws<InvalidDataException>(() => ImageCodec.Decode(bomb, "bomb.png"));
        Assert.Contains("bomb.png", e.Message);
        Assert.Contains("over the pixel limit 100000x100000 > 16777216", e.Message);
    }

    [Fact]
    public void LimitIsConfigurable()
    {
        var png = ImageCodec.EncodePng(new RgbImage(10, 10));
        Assert.Contains("10x10 > 99", Assert.Throws<InvalidDataException>(() => ImageCodec.Decode(png, "a.png", new ImageLimits(99))).Message);
        Assert.Equal(10, ImageCodec.Decode(png, "a.png", new ImageLimits(100)).Width);
    }

    [Fact]
    public void SavePngLeavesNoTemporaryFiles()
    {
        var dir = Directory.CreateTempSubdirectory("soar-codec").FullName;
        try
        {
            var path = Path.Combine(dir, "sub", "a.png");
            ImageCodec.SavePng(TestImages.Noise(4, 4, 1), path);
            Assert.Equal(["a.png"], Directory.GetFiles(Path.Combine(dir, "sub")).Select(Path.GetFileName));
            Assert.Equal(TestImages.Noise(4, 4, 1).Pixels, ImageCodec.Decode(File.ReadAllBytes(path), path).Pixels);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void DamagedFilesEitherDecodeOrFailWithInvalidData()
    {
        var png = ImageCodec.EncodePng(TestImages.Noise(24, 24, seed: 4));
        using var source = Image.LoadPixelData<Rgb24>(TestImages.Noise(24, 24, seed: 4).Pixels, 24, 24);
        var jpegStream = new MemoryStream();
        source.Save(jpegStream, new JpegEncoder());
        var random = new Random(12);
        foreach (var original in new[] { png, jpegStream.ToArray() })
            for (int trial = 0; trial < 150; trial++)
            {
                var damaged = (byte[])original.Clone();
                for (int k = 0; k < 1 + trial % 4; k++) damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                var cut = trial % 3 == 0 ? damaged.AsSpan(0, random.Next(1, damaged.Length)).ToArray() : damaged;
                try { ImageCodec.Decode(cut, "damaged"); }
                catch (InvalidDataException e) { Assert.Contains("damaged", e.Message); }
            }
    }
}
