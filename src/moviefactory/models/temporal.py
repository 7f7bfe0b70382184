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
    """Video LDM / SVD temporal ResBlock: GroupNorm -> SiLU -> conv over frames -> + time embedding ->
    GroupNorm -> SiLU -> conv over frames (zero-init), residual; then a learned merge with the block's input,
    `alpha * x + (1 - alpha) * (x + h)` with alpha = sigmoid(mix_factor).

    The convolutions are Conv3d with a (k, 1, 1) kernel: a 1-D convolution along F applied at every pixel,
    zero-padded at the clip's ends. The zero-initialised last conv makes h = 0, so the block starts as the
    identity whatever alpha is.
    """

    def __init__(
        self,
        channels: int,
        num_groups: int = 32,
        kernel_size: int = 3,
        eps: float = 1e-6,
        temb_channels: int | None = None,
    ) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        pad = (kernel_size // 2, 0, 0)
        self.norm1 = nn.GroupNorm(num_groups, channels, eps=eps)
        self.conv1 = nn.Conv3d(channels, channels, (kernel_size, 1, 1), padding=pad)
        # the UNet's timestep embedding, as in the spatial ResBlocks (None: no time conditioning)
        self.time_emb_proj = nn.Linear(temb_channels, channels) if temb_channels else None
        self.norm2 = nn.GroupNorm(num_groups, channels, eps=eps)
        self.conv2 = nn.Conv3d(channels, channels, (kernel_size, 1, 1), padding=pad)
        # learned merge of spatial input and temporal output (SVD's AlphaBlender, "learned"); 0 -> alpha 0.5
        self.mix_factor = nn.Parameter(torch.zeros(()))
        assert self.conv2.bias is not None
        nn.init.zeros_(self.conv2.weight)  # zero last conv: the block starts as the identity
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, num_frames: int, temb: torch.Tensor | None = None) -> torch.Tensor:
        # x: (B·F, C, H, W); temb: (B·F, T) or None
        v = _unfold(x, num_frames)  # (B, C, F, H, W)
        h = self.conv1(F.silu(self.norm1(v)))
        if self.time_emb_proj is not None and temb is not None:
            t = self.time_emb_proj(F.silu(temb)).to(h.dtype)  # (B·F, C)
            h = h + _unfold(t[:, :, None, None], num_frames)
        h = self.conv2(F.silu(self.norm2(h)))
        alpha = torch.sigmoid(self.mix_factor).to(x.dtype)
        return x + (1 - alpha) * _fold(h)  # = alpha·x + (1 - alpha)·(x + h)


class ModelScopeTemporalConv(nn.Module):
    """ModelScope text-to-video's temporal conv layer (diffusers' `TemporalConvLayer`): four (GroupNorm ->
    SiLU -> conv over frames) stages, the last zero-initialised, residual. No time embedding, no merge: it is
    the form whose weights `models.modelscope` converts, so a ModelScope-initialised model computes exactly
    what ModelScope's layers compute."""

    def __init__(self, channels: int, num_groups: int = 32, eps: float = 1e-5) -> None:
        super().__init__()
        self.norms = nn.ModuleList(nn.GroupNorm(num_groups, channels, eps=eps) for _ in range(4))
        self.convs = nn.ModuleList(
            nn.Conv3d(channels, channels, (3, 1, 1), padding=(1, 0, 0)) for _ in range(4)
        )
        last = self.convs[-1]
        assert isinstance(last, nn.Conv3d) and last.bias is not None
        nn.init.zeros_(last.weight)  # zero last conv: the block starts as the identity
        nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor, num_frames: int, temb: torch.Tensor | None = None) -> torch.Tensor:
        # x: (B·F, C, H, W); temb is accepted for the common call signature and not used
        h = _unfold(x, num_frames)  # (B, C, F, H, W)
        for norm, conv in zip(self.norms, self.convs, strict=True):
            h = conv(F.silu(norm(h)))
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


# CUDA's fused attention kernels take at most 65,535 (batch x heads) per call; temporal attention's batch is
# B·H·W pixels (30,720 at 768x320 with CFG and 8 clips), so rows are processed in chunks below that bound
MAX_ATTENTION_BATCH = 65_535


class TemporalAttention(nn.Module):
    """Temporal transformer (paper 2.2: "the totally same hyper-parameter as the spatial one"; Video LDM,
    AnimateDiff): GroupNorm -> proj_in -> + sinusoidal frame positions -> a transformer block with the spatial
    block's head layout (LayerNorm, self-attention across the F frames of each pixel, LayerNorm, GEGLU
    feed-forward) -> proj_out (zero-init), residual. Rows (pixels) go through the block in chunks of
    `chunk_rows` (default: the most that keeps rows x heads under MAX_ATTENTION_BATCH)."""

    def __init__(
        self,
        channels: int,
        heads: int,
        head_dim: int,
        num_groups: int = 32,
        eps: float = 1e-6,
        upcast_attention: bool = False,
        chunk_rows: int | None = None,
        double_self_attention: bool = False,
        positions: bool = True,
    ) -> None:
        super().__init__()
        from diffusers.models.attention import BasicTransformerBlock

        inner = heads * head_dim
        self.heads = heads
        self.head_dim = head_dim
        self.chunk_rows = chunk_rows or max(1, MAX_ATTENTION_BATCH // heads)
        self.positions = positions  # False for ModelScope's layers, which were trained without them
        self.norm = nn.GroupNorm(num_groups, channels, eps=eps)
        self.proj_in = nn.Linear(channels, inner)
        self.block = BasicTransformerBlock(
            inner,
            heads,
            head_dim,
            cross_attention_dim=None,
            activation_fn="geglu",
            attention_bias=False,
            upcast_attention=upcast_attention,
            double_self_attention=double_self_attention,
        )
        self.proj_out = nn.Linear(inner, channels)
        nn.init.zeros_(self.proj_out.weight)  # zero output: the layer starts as the identity
        nn.init.zeros_(self.proj_out.bias)

    def forward(self, x: torch.Tensor, num_frames: int) -> torch.Tensor:
        # x: (B·F, C, H, W)
        v = _unfold(x, num_frames)  # (B, C, F, H, W)
        b, c, f, hh, ww = v.shape
        h = self.norm(v).permute(0, 3, 4, 2, 1).reshape(b * hh * ww, f, c)  # (B·H·W, F, C)
        h = self.proj_in(h)
        if self.positions:
            h = h + sinusoidal_positions(f, h.shape[-1], device=h.device, dtype=h.dtype)[None]
        h = torch.cat([self.block(part) for part in h.split(self.chunk_rows)])  # (B·H·W, F, inner)
        a = self.proj_out(h)  # (B·H·W, F, C)
        a = a.reshape(b, hh, ww, f, c).permute(0, 3, 4, 1, 2).reshape(b * f, c, hh, ww)
        return x + a
