using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using Soar.Core.Imaging;

namespace Soar.Core.Curation;

/// <summary>
/// An image's content hash (SHA-256 of size and pixels: equal for the same picture however it was encoded) and its
/// 64-bit difference hash (dHash: is each cell of a 9x8 grey thumbnail brighter than its right neighbour), which
/// stays within a few bits under resizing, re-compression and small edits.
/// </summary>
public readonly record struct ImageFingerprint(UInt128 Content, ulong Perceptual)
{
    public static ImageFingerprint Of(RgbImage image) => new(ContentHash(image), DifferenceHash(image));

    public static int Distance(ulong a, ulong b) => BitOperations.PopCount(a ^ b);

    public static UInt128 ContentHash(RgbImage image)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> size = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(size, image.Width);
        BinaryPrimitives.WriteInt32LittleEndian(size[4..], image.Height);
        hash.AppendData(size);
        hash.AppendData(image.Pixels);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return BinaryPrimitives.ReadUInt128LittleEndian(digest);
    }

    public static ulong DifferenceHash(RgbImage image)
    {
        const int cols = 9, rows = 8;
        Span<double> grey = stackalloc double[cols * rows];
        for (int gy = 0; gy < rows; gy++)
        {
            int y0 = gy * image.Height / rows, y1 = Math.Max(y0 + 1, (gy + 1) * image.Height / rows);
            for (int gx = 0; gx < cols; gx++)
            {
                // Area average over the cell; cells may overlap on images narrower than the grid.
                int x0 = gx * image.Width / cols, x1 = Math.Max(x0 + 1, (gx + 1) * image.Width / cols);
                double sum = 0;
                for (int y = y0; y < y1; y++)
                    for (int x = x0; x < x1; x++)
                    {
                        int i = (y * image.Width + x) * 3;
                        sum += 0.299 * image.Pixels[i] + 0.587 * image.Pixels[i + 1] + 0.114 * image.Pixels[i + 2];
                    }
                grey[gy * cols + gx] = sum / ((y1 - y0) * (x1 - x0));
            }
        }
        ulong bits = 0;
        for (int gy = 0; gy < rows; gy++)
            for (int gx = 0; gx < cols - 1; gx++)
                if (grey[gy * cols + gx] > grey[gy * cols + gx + 1])
                    bits |= 1UL << (gy * (cols - 1) + gx);
        return bits;
    }
}
