using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' PatchEmbed with SD3 cropping: a p x p stride-p conv ("proj") to the model width, flattened row by
/// row, plus the centre crop of a fixed pos_embed_max_size^2 2-D sin-cos table ("pos_embed", a persistent buffer, so
/// it is saved with the weights as diffusers saves it).
/// </summary>
public sealed class PatchEmbed : Module<Tensor, Tensor>
{
    private readonly int _patch;
    private readonly int _maxSize;
    private readonly Conv2d proj;
    private readonly Tensor pos_embed;

    public PatchEmbed(int sampleSize, int patchSize, int inChannels, int dim, int posEmbedMaxSize) : base(nameof(PatchEmbed))
    {
        _patch = patchSize;
        _maxSize = posEmbedMaxSize;
        proj = Conv2d(inChannels, dim, patchSize, stride: patchSize);
        pos_embed = tensor(SinCosTable(dim, posEmbedMaxSize, sampleSize / patchSize)).view(1, (long)posEmbedMaxSize * posEmbedMaxSize, dim).DetachFromDisposeScope();
        RegisterComponents();
    }

    /// <summary>
    /// get_2d_sincos_pos_embed(dim, gridSize, base_size): position (row i, column j) of the grid sits at
    /// (i, j) * baseSize / gridSize; the first dim/2 channels encode the column, the rest the row, each as
    /// [sin(pos w_k), cos(pos w_k)] with w_k = 10000^(-k / (dim/4)). Rows of the table are row-major grid cells.
    /// </summary>
    public static float[] SinCosTable(int dim, int gridSize, int baseSize)
    {
        if (dim % 4 != 0) throw new ArgumentException($"the width {dim} must be a multiple of 4 for 2-D sin-cos positions", nameof(dim));
        int quarter = dim / 4;
        var table = new float[(long)gridSize * gridSize * dim];
        // diffusers builds the positions in float32: arange(g) / (g / base_size).
        var positions = new double[gridSize];
        for (int i = 0; i < gridSize; i++) positions[i] = (float)(i / ((double)gridSize / baseSize));
        var omega = new double[quarter];
        for (int k = 0; k < quarter; k++) omega[k] = 1.0 / Math.Pow(10000, (double)k / quarter);
        for (int row = 0; row < gridSize; row++)
        for (int col = 0; col < gridSize; col++)
        {
            long offset = ((long)row * gridSize + col) * dim;
            for (int k = 0; k < quarter; k++)
            {
                table[offset + k] = (float)Math.Sin(positions[col] * omega[k]);
                table[offset + quarter + k] = (float)Math.Cos(positions[col] * omega[k]);
                table[offset + 2 * quarter + k] = (float)Math.Sin(positions[row] * omega[k]);
                table[offset + 3 * quarter + k] = (float)Math.Cos(positions[row] * omega[k]);
            }
        }
        return table;
    }

    /// <summary>[1, h*w, D]: the centre h x w window of the table, top = (max - h) / 2, left = (max - w) / 2.</summary>
    public Tensor Cropped(long height, long width)
    {
        if (height > _maxSize || width > _maxSize)
            throw new ArgumentException($"a {height} x {width} patch grid is larger than pos_embed_max_size {_maxSize}; use a smaller image or a model with a larger pos_embed_max_size");
        long top = (_maxSize - height) / 2, left = (_maxSize - width) / 2;
        using var grid = pos_embed.view(1, _maxSize, _maxSize, -1);
        using var window = grid.narrow(1, top, height).narrow(2, left, width);
        return window.reshape(1, height * width, -1);
    }

    /// <param name="x">[B, C, H, W] latents, H and W multiples of the patch size.</param>
    public override Tensor forward(Tensor x)
    {
        if (x.shape[2] % _patch != 0 || x.shape[3] % _patch != 0)
            throw new ArgumentException($"input {x.shape[2]} x {x.shape[3]} is not a multiple of the patch size {_patch}");
        using var scope = NewDisposeScope();
        var patches = proj.forward(x).flatten(2).transpose(1, 2);
        var pos = Cropped(x.shape[2] / _patch, x.shape[3] / _patch);
        return (patches + pos).to(patches.dtype).MoveToOuterDisposeScope();
    }
}
