namespace Soar.Pipeline.EndToEnd.Tests;

/// <summary>An 8x8 24-bit BMP of noise: test images without an image library (this project references none).</summary>
public static class NoiseBmp
{
    public static void Write(string path, Random rng)
    {
        var bmp = new byte[54 + 8 * 8 * 3];
        "BM"u8.CopyTo(bmp);
        BitConverter.GetBytes(bmp.Length).CopyTo(bmp, 2);
        BitConverter.GetBytes(54).CopyTo(bmp, 10);
        BitConverter.GetBytes(40).CopyTo(bmp, 14);
        BitConverter.GetBytes(8).CopyTo(bmp, 18);
        BitConverter.GetBytes(8).CopyTo(bmp, 22);
        BitConverter.GetBytes((short)1).CopyTo(bmp, 26);
        BitConverter.GetBytes((short)24).CopyTo(bmp, 28);
        rng.NextBytes(bmp.AsSpan(54));
        File.WriteAllBytes(path, bmp);
    }
}
