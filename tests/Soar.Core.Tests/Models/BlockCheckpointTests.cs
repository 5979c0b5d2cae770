using Soar.Core.Devices;
using Soar.Core.Models;
using static TorchSharp.torch;

namespace Soar.Core.Tests.Models;

public class BlockCheckpointTests
{
    /// <summary>One training step's loss and every trainable parameter's gradient.</summary>
    private static (float Loss, Dictionary<string, Tensor> Grads) Step(VelocityModel model, bool checkpoint, Precision precision = Precision.Fp32)
    {
        model.GradientCheckpointing = checkpoint;
        model.train();
        model.zero_grad();
        manual_seed(7);
        int c = model.Config.Channels, size = model.Config.ImageSize, tokens = model.Config.MaxTokens;
        using var x = randn(3, c, size, size);
        using var target = randn(3, c, size, size);
        using var s = tensor(new float[] { 0.1f, 0.5f, 0.9f });
        using var ids = randint(1, model.Config.VocabSize, [3, tokens]);
        Tensor loss;
        using (Autocast.Enter(precision, CPU)) loss = nn.functional.mse_loss(model.forward(x, s, ids), target).to(ScalarType.Float32);
        loss.backward();
        var grads = model.named_parameters().Where(p => p.parameter.requires_grad)
            .ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (loss.item<float>(), grads);
    }

    /// <summary>Gives the zero-initialised gates and output layers weights, so every parameter gets a gradient.</summary>
    private static VelocityModel Awake(ModelConfig config)
    {
        manual_seed(0);
        var model = ModelRegistry.Create(config);
        using var noGrad = no_grad();
        foreach (var p in model.parameters()) if (p.abs().sum().item<float>() == 0) p.normal_(0, 0.05);
        return model;
    }

    // Parameters inside the transformer blocks (DiT, SD3): each block's output feeds only the next one. A U-Net block's
    // output also feeds a skip connection, whose gradients are summed in another order.
    private static readonly System.Text.RegularExpressions.Regex InBlock = new(@"(^|\.)(blocks|transformer_blocks)\.\d");

    private static float Difference(Tensor expected, Tensor actual) =>
        (expected - actual).abs().max().item<float>() / Math.Max(expected.abs().max().item<float>(), 1e-30f);

    [Theory]
    [InlineData("tiny", null)]
    [InlineData("tiny", "rank=4;alpha=8;targets=attn.qkv,attn.proj,mlp.fc1")]
    [InlineData("unet-tiny", null)]
    [InlineData("sd3-tiny", null)]
    [InlineData("sd3-tiny", "rank=4;alpha=8")]
    public void Checkpointing_gives_the_same_loss_and_gradients(string preset, string? lora)
    {
        using var model = Awake(ModelRegistry.FromPreset(preset, 16, 12, 6, 1.0) with { Lora = lora });
        var (plainLoss, plain) = Step(model, checkpoint: false);
        var (loss, grads) = Step(model, checkpoint: true);
        Assert.Equal(plainLoss, loss);
        Assert.Equal(plain.Keys.Order(), grads.Keys.Order());
        Assert.True(plain.Values.Count(g => g.abs().max().item<float>() > 0) >= 0.9 * plain.Count, "most gradients are zero: the comparison says nothing");
        foreach (var (name, g) in plain)
        {
            // Inside a block the recompute runs the same kernels on the same inputs: the same bits. A tensor that feeds
            // several blocks (timestep embedding, caption, U-Net skips) sums their gradients in another order: rounding only.
            if (InBlock.IsMatch(name)) Assert.True(g.equal(grads[name]).all().item<bool>(), $"{preset}: {name} differs by {Difference(g, grads[name]):E2}");
            else Assert.True(Difference(g, grads[name]) < 1e-5, $"{preset}: {name} differs by {Difference(g, grads[name]):E2}");
        }
    }

    [Fact]
    public void Under_bf16_autocast_the_recompute_replays_autocast()
    {
        using var model = Awake(ModelRegistry.FromPreset("sd3-tiny", 16, 12, 6, 1.0));
        var (plainLoss, plain) = Step(model, checkpoint: false, Precision.Bf16);
        var (fp32Loss, fp32) = Step(model, checkpoint: false, Precision.Fp32);
        var (loss, grads) = Step(model, checkpoint: true, Precision.Bf16);
        Assert.NotEqual(fp32Loss, plainLoss);
        Assert.Equal(plainLoss, loss);
        foreach (var (name, g) in plain.Where(kv => InBlock.IsMatch(kv.Key) && kv.Value.abs().max().item<float>() > 0))
        {
            // An fp32 recompute would be off by bf16's rounding (about 1e-2 relative), as the fp32 step is.
            Assert.True(Difference(g, fp32[name]) > 1e-4, $"{name}: bf16 and fp32 agree, the test proves nothing");
            Assert.True(g.equal(grads[name]).all().item<bool>(), $"{name} differs by {Difference(g, grads[name]):E2}");
        }
    }

    [Fact]
    public void The_block_runs_twice_and_its_random_draws_replay()
    {
        manual_seed(3);
        using var linear = nn.Linear(8, 8);
        using var x0 = randn(4, 8);
        int calls = 0;
        Tensor Block(Tensor[] xs)
        {
            calls++;
            // Dropout draws from the default CPU generator: the recompute must draw the same mask.
            return nn.functional.dropout(linear.forward(xs[0]), 0.5, training: true).tanh();
        }
        (Tensor Input, Tensor Weight, float Loss) Run(bool checkpoint)
        {
            linear.zero_grad();
            var x = x0.clone().requires_grad_(true);
            manual_seed(11);
            var y = BlockCheckpoint.Run(checkpoint, linear, Block, x);
            var loss = y.square().sum();
            // A draw between forward and backward must not change the replayed mask.
            _ = rand(100);
            loss.backward();
            return (x.grad!.clone(), linear.weight!.grad!.clone(), loss.item<float>());
        }
        var plain = Run(checkpoint: false);
        Assert.Equal(1, calls);
        var checkpointed = Run(checkpoint: true);
        Assert.Equal(3, calls);
        Assert.Equal(plain.Loss, checkpointed.Loss);
        Assert.True(plain.Input.equal(checkpointed.Input).all().item<bool>());
        Assert.True(plain.Weight.equal(checkpointed.Weight).all().item<bool>());
        Assert.True(plain.Input.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void Without_a_graph_the_block_runs_once()
    {
        using var linear = nn.Linear(4, 4);
        using var x = randn(2, 4);
        int calls = 0;
        using (no_grad()) BlockCheckpoint.Run(true, linear, xs => { calls++; return linear.forward(xs[0]); }, x);
        Assert.Equal(1, calls);
    }

    [Fact]
    public void An_exception_in_the_recompute_reaches_the_caller_instead_of_ending_the_process()
    {
        using var linear = nn.Linear(4, 4);
        using var x = randn(2, 4);
        int calls = 0;
        var y = BlockCheckpoint.Run(true, linear, xs => ++calls == 2 ? throw new InvalidOperationException("recompute failed") : linear.forward(xs[0]), x);
        y.sum().backward();
        Assert.Equal("recompute failed", Assert.Throws<InvalidOperationException>(BlockCheckpoint.ThrowIfFailed).Message);
        BlockCheckpoint.ThrowIfFailed();
    }

    [Fact]
    public void An_output_the_loss_does_not_use_gets_a_zero_gradient()
    {
        using var linear = nn.Linear(4, 4);
        var x = randn(2, 4).requires_grad_(true);
        Tensor[] outputs;
        // The scope ends before the backward pass, as a model's Velocity scope does.
        using (var scope = NewDisposeScope())
            outputs = [.. BlockCheckpoint.Run(true, linear, xs => [linear.forward(xs[0]), xs[0] * 2], x).Select(o => o.MoveToOuterDisposeScope())];
        outputs[0].sum().backward();
        BlockCheckpoint.ThrowIfFailed();
        Assert.True(linear.weight!.grad!.abs().sum().item<float>() > 0);
        Assert.True(x.grad!.abs().sum().item<float>() > 0);
    }
}
