using TorchSharp;

namespace Soar.Core.Checkpoints;

/// <summary>
/// One safetensors dtype name with its TorchSharp scalar type and element size.
/// <see cref="SortRank"/> is the position of the dtype in the reference implementation's
/// <c>Dtype</c> enum (safetensors/src/tensor.rs), whose order its writer sorts by.
/// </summary>
public sealed record SafeTensorsDType(string Name, torch.ScalarType ScalarType, int ElementSize, int SortRank)
{
    // Ranks follow the reference enum: BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0,
    // F8_E4M3FNUZ, F8_E5M2FNUZ, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64.
    private static readonly SafeTensorsDType[] Supported =
    [
        new("BOOL", torch.ScalarType.Bool, 1, 0),
        new("U8", torch.ScalarType.Byte, 1, 4),
        new("I8", torch.ScalarType.Int8, 1, 5),
        new("I16", torch.ScalarType.Int16, 2, 11),
        new("F16", torch.ScalarType.Float16, 2, 13),
        new("BF16", torch.ScalarType.BFloat16, 2, 14),
        new("I32", torch.ScalarType.Int32, 4, 15),
        new("F32", torch.ScalarType.Float32, 4, 17),
        new("C64", torch.ScalarType.ComplexFloat32, 8, 18),
        new("F64", torch.ScalarType.Float64, 8, 19),
        new("I64", torch.ScalarType.Int64, 8, 20),
    ];

    // Valid in the format but without a TorchSharp 0.107 scalar type: named in errors as "unsupported", not "unknown".
    private static readonly HashSet<string> KnownUnsupported =
    [
        "F4", "F6_E2M3", "F6_E3M2", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "U16", "U32", "U64",
    ];

    public static SafeTensorsDType? FromName(string name) => Array.Find(Supported, d => d.Name == name);

    public static SafeTensorsDType? FromScalarType(torch.ScalarType type) => Array.Find(Supported, d => d.ScalarType == type);

    public static bool IsKnownButUnsupported(string name) => KnownUnsupported.Contains(name);
}
