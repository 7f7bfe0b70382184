"""Temporal layers (paper 2.2, "temporal finetuning"; Video LDM style).

Both layers take the folded spatial layout (B·F, C, H, W) plus `num_frames` F, mix information across the
F frames of each video, and return the same shape as a residual. Their last projection is zero-initialised,
so at initialisation they are the identity and the video model equals the image model frame by frame.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def _unfold(x: torch.Tensor, num_frames: int) -> torch.Tensor:
    """(B·F, C, H, W) -> (B, C, F, H, W)."""
    bf, c, h, w = x.shape
    if bf % num_frames:
        raise ValueError(f"batch {bf} is not a multiple of num_frames {num_frames}")
    return x.reshape(bf // num_frames, num_frames, c, h, w).permute(0, 2, 1, 3, 4)


def _fold(x: torch.Tensor) -> torch.Tensor:
    """(B, C, F, H, W) -> (B·F, C, H, W)."""
    b, c, f, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)


class TemporalResBlock(nn.Module):
    """GroupNorm -> SiLU -> conv over frames -> GroupNorm -> SiLU -> conv over frames (zero-init), residual.

    The convolutions are Conv3d with a (k, 1, 1) kernel: a 1-D convolution along F applied at every pixel,
    zero-padded at the clip's ends.
    """

    def __init__(self, channels: int, num_groups: int = 32, kernel_size: int = 3, eps: float = 1e-6) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        pad = (kernel_size // 2, 0, 0)
        self.norm1 = nn.GroupNorm(num_groups, channels, eps=eps)
        self.conv1 = nn.Conv3d(channels, channels, (kernel_size, 1, 1), padding=pad)
        self.norm2 = nn.GroupNorm(num_groups, channels, eps=eps)
        self.conv2 = nn.Conv3d(channels, channels, (kernel_size, 1, 1), padding=pad)
        assert self.conv2.bias is not None
        nn.init.zeros_(self.conv2.weight)  # zero last conv: the block starts as the identity
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, num_frames: int) -> torch.Tensor:
        v = _unfold(x, num_frames)  # (B, C, F, H, W)
        h = self.conv1(F.silu(self.norm1(v)))
        h = self.conv2(F.silu(self.norm2(h)))
        return x + _fold(h)


def sinusoidal_positions(
    num_frames: int, dim: int, *, device: torch.device, dtype: torch.dtype
) -> torch.Tensor:
    """(F, dim) sinusoidal embedding of frame indices 0..F-1 (Transformer / Video LDM style)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=device, dtype=torch.float32) / half)
    args = torch.arange(num_frames, device=device, dtype=torch.float32)[:, None] * freqs[None]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
    if dim % 2:
        emb = F.pad(emb, (0, 1))
    return emb.to(dtype)


class TemporalAttention(nn.Module):
    """Self-attention across frames at each pixel, with sinusoidal frame positions added to the queries and
    keys' input. Output projection zero-initialised. Attention through F.scaled_dot_product_attention."""

    def __init__(
        self, channels: int, heads: int, head_dim: int, num_groups: int = 32, eps: float = 1e-6
    ) -> None:
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.head_dim = head_dim
        self.norm = nn.GroupNorm(num_groups, channels, eps=eps)
        self.proj_in = nn.Linear(channels, inner)
        self.to_q = nn.Linear(inner, inner, bias=False)
        self.to_k = nn.Linear(inner, inner, bias=False)
        self.to_v = nn.Linear(inner, inner, bias=False)
        self.proj_out = nn.Linear(inner, channels)
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)

    def forward(self, x: torch.Tensor, num_frames: int) -> torch.Tensor:
        v = _unfold(x, num_frames)  # (B, C, F, H, W)
        b, c, f, hh, ww = v.shape
        h = self.norm(v).permute(0, 3, 4, 2, 1).reshape(b * hh * ww, f, c)  # (B·H·W, F, C)
        h = self.proj_in(h)
        h = h + sinusoidal_positions(f, h.shape[-1], device=h.device, dtype=h.dtype)[None]
        n = h.shape[0]

        def split(t: torch.Tensor) -> torch.Tensor:  # (n, F, heads·hd) -> (n, heads, F, hd)
            return t.reshape(n, f, self.heads, self.head_dim).transpose(1, 2)

        a = F.scaled_dot_product_attention(split(self.to_q(h)), split(self.to_k(h)), split(self.to_v(h)))
        a = self.proj_out(a.transpose(1, 2).reshape(n, f, self.heads * self.head_dim))  # (n, F, C)
        a = a.reshape(b, hh, ww, f, c).permute(0, 3, 4, 1, 2).reshape(b * f, c, hh, ww)
        return x + a
