namespace Soar.Core.Eval.Distance;

/// <summary>
/// Fréchet distance between Gaussians fitted to two feature sets:
/// d^2 = |mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2), with symmetric square roots by eigen-decomposition
/// (negative eigenvalues from round-off clamp to 0). Returns d^2, as FID does.
/// </summary>
public static class FrechetDistance
{
    public static double Compute(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException("both feature sets need at least one row");
        if (a[0].Length != b[0].Length) throw new ArgumentException($"feature sizes differ: {a[0].Length} and {b[0].Length}");
        var (m1, s1) = Moments(a);
        var (m2, s2) = Moments(b);
        return FromMoments(m1, s1, m2, s2);
    }

    public static double FromMoments(double[] mu1, double[,] s1, double[] mu2, double[,] s2)
    {
        int d = mu1.Length;
        double meanTerm = 0;
        for (int i = 0; i < d; i++) meanTerm += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]);
        var root1 = SquareRoot(s1);
        var middle = Multiply(Multiply(root1, s2), root1);
        Symmetrise(middle);
        double traceRoot = SymmetricEigen.Decompose(middle).Values.Sum(l => Math.Sqrt(Math.Max(l, 0)));
        double trace = 0;
        for (int i = 0; i < d; i++) trace += s1[i, i] + s2[i, i];
        return Math.Max(0, meanTerm + trace - 2 * traceRoot);
    }

    /// <summary>Mean and unbiased covariance (zero for a single row).</summary>
    public static (double[] Mean, double[,] Covariance) Moments(IReadOnlyList<double[]> rows)
    {
        int n = rows.Count, d = rows[0].Length;
        var mean = new double[d];
        foreach (var r in rows)
        {
            if (r.Length != d) throw new ArgumentException($"rows of different lengths: {r.Length} and {d}");
            for (int i = 0; i < d; i++) mean[i] += r[i] / n;
        }
        var cov = new double[d, d];
        if (n < 2) return (mean, cov);
        foreach (var r in rows)
            for (int i = 0; i < d; i++)
                for (int j = i; j < d; j++) cov[i, j] += (r[i] - mean[i]) * (r[j] - mean[j]) / (n - 1);
        for (int i = 0; i < d; i++) for (int j = 0; j < i; j++) cov[i, j] = cov[j, i];
        return (mean, cov);
    }

    /// <summary>The symmetric PSD square root V diag(sqrt(max(l, 0))) V^T.</summary>
    public static double[,] SquareRoot(double[,] m)
    {
        var (values, v) = SymmetricEigen.Decompose(m);
        int n = values.Length;
        var r = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++) sum += v[i, k] * Math.Sqrt(Math.Max(values[k], 0)) * v[j, k];
                r[i, j] = sum;
            }
        return r;
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0), m = b.GetLength(1), inner = a.GetLength(1);
        var r = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < inner; k++)
            {
                double aik = a[i, k];
                for (int j = 0; j < m; j++) r[i, j] += aik * b[k, j];
            }
        return r;
    }

    private static void Symmetrise(double[,] m)
    {
        int n = m.GetLength(0);
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) m[i, j] = m[j, i] = (m[i, j] + m[j, i]) / 2;
    }
}
