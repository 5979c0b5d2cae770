using Soar.Core.Checkpoints;
using static TorchSharp.torch;

namespace Soar.Core.Verification;

/// <summary>Compares two safetensors files tensor by tensor: which tensors differ and by how much.</summary>
public static class TensorDiff
{
    public static IEnumerable<string> Compare(string recorded, string rerun, double tolerance)
    {
        using var scope = NewDisposeScope();
        var (a, _) = SafeTensorsFile.Load(recorded);
        var (b, _) = SafeTensorsFile.Load(rerun);
        foreach (var name in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            if (!a.TryGetValue(name, out var x)) { yield return $"tensor {name}: only in the rerun"; continue; }
            if (!b.TryGetValue(name, out var y)) { yield return $"tensor {name}: missing in the rerun"; continue; }
            if (!x.shape.SequenceEqual(y.shape)) { yield return $"tensor {name}: shape [{string.Join(", ", x.shape)}] became [{string.Join(", ", y.shape)}]"; continue; }
            if (x.dtype != y.dtype) { yield return $"tensor {name}: dtype {x.dtype} became {y.dtype}"; continue; }
            if (x.numel() == 0) continue;
            double maxDiff = (x.to(ScalarType.Float64) - y.to(ScalarType.Float64)).abs().max().item<double>();
            if (maxDiff > tolerance) yield return $"tensor {name}: max abs diff {maxDiff:G4} (tolerance {tolerance:G4})";
        }
    }
}
