using Soar.Core.Models.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.SD3;

/// <summary>
/// diffusers' FeedForward with activation_fn "gelu-approximate": net.0 is GELU(proj, tanh approximation) to 4 dim,
/// net.1 dropout (0), net.2 the linear back to dim; the indices are the state-dict names (ff.net.0.proj.weight).
/// </summary>
public sealed class GeluFeedForward : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> net;

    public GeluFeedForward(int dim, int mult = 4) : base(nameof(GeluFeedForward))
    {
        net = new ModuleList<Module<Tensor, Tensor>>(new GeluProjection(dim, dim * mult), Dropout(0.0), new LoraLinear(dim * mult, dim));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var layer in net) h = layer.forward(h);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>diffusers' GELU module: a linear "proj" then tanh-approximated GELU.</summary>
    private sealed class GeluProjection : Module<Tensor, Tensor>
    {
        private readonly LoraLinear proj;

        public GeluProjection(int dimIn, int dimOut) : base(nameof(GeluProjection))
        {
            proj = new LoraLinear(dimIn, dimOut);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var h = proj.forward(x);
            return functional.gelu(h, TorchSharp.Modules.GELU.Approximate.tanh);
        }
    }
}
