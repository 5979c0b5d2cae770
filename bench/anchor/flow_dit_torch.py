#!/usr/bin/python3
"""The FlowDiT of src/Soar.Core/Models/DiT, layer for layer, in PyTorch, and the time of one SFT step of it.

An outside anchor for bench/Soar.Bench (see bench/anchor/run.sh): the same preset, batch, image size, precision
(float32), thread count, objective (rectified-flow velocity MSE with logit-normal timesteps) and optimizer (AdamW,
lr 1e-4), timed the same way (two warm-up steps, then the median of --repeats steps). Prints one JSON object.

    /usr/bin/python3 bench/anchor/flow_dit_torch.py --preset tiny --batch 32 --threads 2 --repeats 10
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# DiTConfig.Presets (src/Soar.Core/Models/DiT/DiTConfig.cs): patch, hidden, depth, heads, text layers.
PRESETS = {
    "tiny": dict(patch=4, hidden=128, depth=4, heads=4, text_layers=1),
    "small": dict(patch=4, hidden=256, depth=6, heads=4, text_layers=2),
    "base": dict(patch=2, hidden=384, depth=12, heads=6, text_layers=2),
}


def grid_2d(dim, grid):
    """SinCos.Grid2D: per patch [sin(col w), cos(col w), sin(row w), cos(row w)], a quarter of the channels each."""
    quarter = dim // 4
    omega = 1.0 / torch.pow(10000.0, torch.arange(quarter, dtype=torch.float64) / quarter)
    rows, cols = torch.meshgrid(torch.arange(grid, dtype=torch.float64), torch.arange(grid, dtype=torch.float64), indexing="ij")
    col = cols.reshape(-1, 1) * omega
    row = rows.reshape(-1, 1) * omega
    return torch.cat([col.sin(), col.cos(), row.sin(), row.cos()], dim=1).float()


def timestep_features(t, dim, max_period=10000.0):
    """SinCos.Timestep: [cos(t f), sin(t f)] with f = max_period^(-i/half)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float().unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([args.cos(), args.sin()], dim=1)


def attention(q, k, v, mask):
    if hasattr(F, "scaled_dot_product_attention"):  # PyTorch 2.x, as TorchSharp calls it
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    # PyTorch 1.13 (Debian 12) has no fused kernel: the same maths written out.
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]) + mask, dim=-1)
    return weights @ v


class SelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask):
        b, l, d = x.shape
        q, k, v = self.qkv(x).view(b, l, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        return self.proj(attention(q, k, v, mask).transpose(1, 2).reshape(b, l, d))


class FeedForward(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


class TextEncoderLayer(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = FeedForward(dim, int(dim * mlp_ratio))

    def forward(self, x, mask):
        h = x + self.attn(self.norm1(x), mask)
        return h + self.mlp(self.norm2(h))


class TextEncoder(nn.Module):
    def __init__(self, vocab, max_tokens, dim, heads, depth, mlp_ratio):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim)
        self.position_embedding = nn.Parameter(torch.randn(max_tokens, dim) * 0.02)
        self.layers = nn.ModuleList([TextEncoderLayer(dim, heads, mlp_ratio) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, ids):
        valid = ids.ne(0)
        key_mask = torch.zeros(ids.shape).masked_fill(~valid, float("-inf")).view(ids.shape[0], 1, 1, ids.shape[1])
        h = self.token_embedding(ids) + self.position_embedding.unsqueeze(0)
        for layer in self.layers:
            h = layer(h, key_mask)
        h = self.norm(h)
        weights = valid.float().unsqueeze(2)
        return h, (h * weights).sum(1) / weights.sum(1), key_mask


def modulate(x, shift, scale):
    return x * (scale + 1) + shift


class DiTBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6, elementwise_affine=False)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6, elementwise_affine=False)
        self.mlp = FeedForward(dim, int(dim * mlp_ratio))
        self.adaLN_modulation = nn.Linear(dim, 6 * dim)
        nn.init.zeros_(self.adaLN_modulation.weight)
        nn.init.zeros_(self.adaLN_modulation.bias)

    def forward(self, x, c, mask):
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.adaLN_modulation(F.silu(c)).unsqueeze(1).chunk(6, dim=2)
        h = x + gate_msa * self.attn(modulate(self.norm1(x), shift_msa, scale_msa), mask)
        return h + gate_mlp * self.mlp(modulate(self.norm2(h), shift_mlp, scale_mlp))


class FinalLayer(nn.Module):
    def __init__(self, dim, patch, channels):
        super().__init__()
        self.norm_final = nn.LayerNorm(dim, eps=1e-6, elementwise_affine=False)
        self.linear = nn.Linear(dim, patch * patch * channels)
        self.adaLN_modulation = nn.Linear(dim, 2 * dim)
        for p in (*self.linear.parameters(), *self.adaLN_modulation.parameters()):
            nn.init.zeros_(p)

    def forward(self, x, c):
        shift, scale = self.adaLN_modulation(F.silu(c)).unsqueeze(1).chunk(2, dim=2)
        return self.linear(modulate(self.norm_final(x), shift, scale))


class TimestepEmbedder(nn.Module):
    FREQUENCY_DIM = 256

    def __init__(self, dim):
        super().__init__()
        self.fc1 = nn.Linear(self.FREQUENCY_DIM, dim)
        self.fc2 = nn.Linear(dim, dim)

    def forward(self, sigma):
        return self.fc2(F.silu(self.fc1(timestep_features(sigma * 1000.0, self.FREQUENCY_DIM))))


class FlowDiT(nn.Module):
    def __init__(self, preset, image_size=32, channels=3, vocab=64, max_tokens=24, mlp_ratio=4.0):
        super().__init__()
        p = PRESETS[preset]
        d, self.patch, self.channels = p["hidden"], p["patch"], channels
        self.grid = image_size // self.patch
        self.x_embedder = nn.Conv2d(channels, d, self.patch, stride=self.patch)
        self.register_buffer("pos_embed", grid_2d(d, self.grid).view(1, self.grid * self.grid, d), persistent=False)
        self.t_embedder = TimestepEmbedder(d)
        self.text_encoder = TextEncoder(vocab, max_tokens, d, p["heads"], p["text_layers"], mlp_ratio)
        self.text_pool_proj = nn.Linear(d, d)
        self.text_token_proj = nn.Linear(d, d)
        self.blocks = nn.ModuleList([DiTBlock(d, p["heads"], mlp_ratio) for _ in range(p["depth"])])
        self.final_layer = FinalLayer(d, self.patch, channels)

    def forward(self, x, sigma, ids):
        tokens, pooled, key_mask = self.text_encoder(ids)
        b, n = x.shape[0], self.grid * self.grid
        patches = self.x_embedder(x).flatten(2).transpose(1, 2) + self.pos_embed
        c = self.t_embedder(sigma) + self.text_pool_proj(pooled)
        h = torch.cat([self.text_token_proj(tokens), patches], dim=1)
        mask = torch.cat([key_mask, torch.zeros(b, 1, 1, n)], dim=3)
        for block in self.blocks:
            h = block(h, c, mask)
        out = self.final_layer(h[:, -n:], c)
        g, p, ch = self.grid, self.patch, self.channels
        return out.view(b, g, g, p, p, ch).permute(0, 5, 1, 3, 2, 4).reshape(b, ch, g * p, g * p)


def sft_step(model, optimizer, images, ids, generator):
    """SftObjective: x_s = (1 - s) x0 + s eps, s = sigmoid(n), loss = mse(f(x_s, s, c), eps - x0)."""
    optimizer.zero_grad()
    eps = torch.randn(images.shape, generator=generator)
    sigma = torch.sigmoid(torch.randn(images.shape[0], generator=generator))
    s = sigma.view(-1, 1, 1, 1)
    loss = F.mse_loss(model((1 - s) * images + s * eps, sigma, ids), eps - images)
    loss.backward()
    optimizer.step()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny", choices=sorted(PRESETS))
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = FlowDiT(args.preset)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    images = torch.rand(args.batch, 3, 32, 32) * 2 - 1
    ids = torch.randint(2, 64, (args.batch, 24))
    times = []
    for i in range(args.repeats + 2):
        generator = torch.Generator().manual_seed(i)
        start = time.perf_counter()
        sft_step(model, optimizer, images, ids, generator)
        if i >= 2:  # the first two steps warm up allocators, as in bench/Soar.Bench
            times.append(time.perf_counter() - start)
    print(json.dumps({
        "framework": "pytorch",
        "torch_version": torch.__version__,
        "preset": args.preset,
        "batch": args.batch,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "attention": "scaled_dot_product_attention" if hasattr(F, "scaled_dot_product_attention") else "softmax(q k^T / sqrt(d) + mask) v",
        "sft_seconds_per_step": statistics.median(times),
        "seconds": times,
    }))


if __name__ == "__main__":
    main()
