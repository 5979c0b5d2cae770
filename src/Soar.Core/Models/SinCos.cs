using static TorchSharp.torch;

namespace Soar.Core.Models;

/// <summary>Fixed sinusoidal embeddings: timesteps (1-D) and patch positions (2-D), as in DiT.</summary>
internal static class SinCos
{
    /// <summary>[B] values -> [B, dim] with frequencies 1 / maxPeriod^(i/half).</summary>
    public static Tensor Timestep(Tensor t, int dim, double maxPeriod = 10000)
    {
        int half = dim / 2;
        var freqs = exp(-Math.Log(maxPeriod) * arange(half, dtype: ScalarType.Float32, device: t.device) / half);
        var args = t.to(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return cat([cos(args), sin(args)], dim: 1);
    }

    /// <summary>[gridSize*gridSize, dim] table: half the channels encode the row, half the column.</summary>
    public static float[] Grid2D(int dim, int gridSize)
    {
        var table = new float[gridSize * gridSize * dim];
        int quarter = dim / 4;
        for (int row = 0; row < gridSize; row++)
        for (int col = 0; col < gridSize; col++)
        {
            int offset = (row * gridSize + col) * dim;
            for (int i = 0; i < quarter; i++)
            {
                double omega = 1.0 / Math.Pow(10000, (double)i / quarter);
                table[offset + i] = (float)Math.Sin(col * omega);
                table[offset + quarter + i] = (float)Math.Cos(col * omega);
                table[offset + 2 * quarter + i] = (float)Math.Sin(row * omega);
                table[offset + 3 * quarter + i] = (float)Math.Cos(row * omega);
            }
        }
        return table;
    }
}
