using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>diffusers' UpDecoderBlock2D: resnets.{i} (the first changes the width), then upsamplers.0 unless it is the last block.</summary>
public sealed class UpDecoderBlock2D : Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Upsample2D> upsamplers;

    public UpDecoderBlock2D(int inChannels, int outChannels, int layers, int groups, bool addUpsample) : base(nameof(UpDecoderBlock2D))
    {
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, groups)).ToArray());
        upsamplers = addUpsample ? new ModuleList<Upsample2D>(new Upsample2D(outChannels)) : new ModuleList<Upsample2D>();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var resnet in resnets) h = resnet.forward(h);
        foreach (var up in upsamplers) h = up.forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
