using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Soar.Core.Stages.Curate;

/// <summary>
/// Assigns a row to validation by a seeded hash of its image bytes: the same image always lands in the same split
/// (no train/validation leakage through duplicates), and the split does not depend on row order.
/// </summary>
public sealed class ContentSplit(long seed, double validationFraction)
{
    public bool IsValidation(byte[] imageBytes)
    {
        if (validationFraction <= 0) return false;
        Span<byte> seedBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(seedBytes, seed);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(seedBytes);
        hash.AppendData(imageBytes);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        double u = (BinaryPrimitives.ReadUInt64LittleEndian(digest) >> 11) * (1.0 / (1UL << 53));
        return u < validationFraction;
    }
}
