using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Soar.Core.Models.Vae;

/// <summary>diffusers' DownEncoderBlock2D: resnets.{i} (the first changes the width), then downsamplers.0 unless it is the last block.</summary>
public sealed class DownEncoderBlock2D : Module<Tensor, Tensor>
{
    private readonly ModuleList<ResnetBlock2D> resnets;
    private readonly ModuleList<Downsample2D> downsamplers;

    public DownEncoderBlock2D(int inChannels, int outChannels, int layers, int groups, bool addDownsample) : base(nameof(DownEncoderBlock2D))
    {
        resnets = new ModuleList<ResnetBlock2D>(Enumerable.Range(0, layers)
            .Select(i => new ResnetBlock2D(i == 0 ? inChannels : outChannels, outChannels, groups)).ToArray());
        downsamplers = addDownsample ? new ModuleList<Downsample2D>(new Downsample2D(outChannels)) : new ModuleList<Downsample2D>();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x;
        foreach (var resnet in resnets) h = resnet.forward(h);
        foreach (var down in downsamplers) h = down.forward(h);
        return h.MoveToOuterDisposeScope();
    }
}
