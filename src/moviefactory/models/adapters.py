"""Spatial adapters with domain-aware normalisation (paper 2.2, "spatial finetuning").

Domain ids travel as an explicit argument (`domain_ids`, LongTensor (N,) with N = B·F, one id per folded
frame) so that gradient checkpointing, which re-runs a module's forward during backward, sees the same ids.
`DomainAwareNorm.domain_ids` is an optional fallback attribute for callers that cannot pass the argument.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class DomainAwareNorm(nn.Module):
    """GroupNorm without affine, then a per-domain affine: `x * alpha[d] + beta[d]`.

    alpha: (num_domains, C) ones at init; beta: (num_domains, C) zeros at init, so at initialisation every
    domain normalises identically to a plain affine-free GroupNorm.
    """

    def __init__(self, num_channels: int, num_groups: int, num_domains: int, eps: float = 1e-6) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels {num_channels} is not divisible by num_groups {num_groups}")
        if num_domains < 1:
            raise ValueError(f"num_domains must be >= 1, got {num_domains}")
        self.num_channels = num_channels
        self.num_groups = num_groups
        self.num_domains = num_domains
        self.eps = eps
        self.alpha = nn.Parameter(torch.ones(num_domains, num_channels))
        self.beta = nn.Parameter(torch.zeros(num_domains, num_channels))
        self.domain_ids: torch.Tensor | None = None  # fallback when forward gets no ids

    def forward(self, x: torch.Tensor, domain_ids: torch.Tensor | None = None) -> torch.Tensor:
        # x: (N, C, ...); domain_ids: (N,) long
        ids = domain_ids if domain_ids is not None else self.domain_ids
        if ids is None:
            raise ValueError("DomainAwareNorm needs domain_ids (N,) for its input")
        if ids.shape != (x.shape[0],):
            raise ValueError(f"domain_ids must have shape ({x.shape[0]},), got {tuple(ids.shape)}")
        h = F.group_norm(x, self.num_groups, eps=self.eps)
        shape = (x.shape[0], self.num_channels) + (1,) * (x.ndim - 2)
        alpha = self.alpha.to(h.dtype)[ids].reshape(shape)
        beta = self.beta.to(h.dtype)[ids].reshape(shape)
        return h * alpha + beta

    def extra_repr(self) -> str:
        return f"{self.num_channels}, groups={self.num_groups}, domains={self.num_domains}, eps={self.eps}"


class DomainResBlock(nn.Module):
    """DomainAwareNorm -> SiLU -> conv3x3 -> + time embedding -> DomainAwareNorm -> SiLU -> conv3x3 (zero),
    added to the input. The zero-initialised last conv makes the block the identity at initialisation."""

    def __init__(
        self, channels: int, temb_channels: int, num_groups: int, num_domains: int, eps: float = 1e-6
    ) -> None:
        super().__init__()
        self.norm1 = DomainAwareNorm(channels, num_groups, num_domains, eps)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_channels, channels)
        self.norm2 = DomainAwareNorm(channels, num_groups, num_domains, eps)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        assert self.conv2.bias is not None
        nn.init.zeros_(self.conv2.weight)  # zero last conv: the block starts as the identity
        nn.init.zeros_(self.conv2.bias)

    def forward(self, x: torch.Tensor, temb: torch.Tensor | None, domain_ids: torch.Tensor) -> torch.Tensor:
        # x: (N, C, H, W); temb: (N, T); domain_ids: (N,)
        h = self.conv1(F.silu(self.norm1(x, domain_ids)))
        if temb is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h, domain_ids)))
        return x + h


class SpatialAdapter(nn.Module):
    """A DomainResBlock and a spatial transformer (self-attention + cross-attention to the text), placed
    before a down or up block. The transformer uses the adapted block's head layout and its proj_out is
    zero-initialised, so the whole adapter is the identity at initialisation."""

    def __init__(
        self,
        channels: int,
        temb_channels: int,
        num_heads: int,
        head_dim: int,
        cross_attention_dim: int,
        num_domains: int,
        num_groups: int = 32,
        eps: float = 1e-6,
        use_linear_projection: bool = False,
        upcast_attention: bool = False,
    ) -> None:
        super().__init__()
        from diffusers.models.transformers.transformer_2d import Transformer2DModel

        self.res = DomainResBlock(channels, temb_channels, num_groups, num_domains, eps)
        self.attn = Transformer2DModel(
            num_attention_heads=num_heads,
            attention_head_dim=head_dim,
            in_channels=channels,
            num_layers=1,
            cross_attention_dim=cross_attention_dim,
            norm_num_groups=num_groups,
            use_linear_projection=use_linear_projection,
            upcast_attention=upcast_attention,
        )
        nn.init.zeros_(self.attn.proj_out.weight)
        if self.attn.proj_out.bias is not None:
            nn.init.zeros_(self.attn.proj_out.bias)

    def forward(
        self,
        x: torch.Tensor,
        temb: torch.Tensor | None,
        encoder_hidden_states: torch.Tensor,
        domain_ids: torch.Tensor,
    ) -> torch.Tensor:
        # x: (N, C, H, W); encoder_hidden_states: (N, L, D); domain_ids: (N,)
        x = self.res(x, temb, domain_ids)
        out: torch.Tensor = self.attn(x, encoder_hidden_states=encoder_hidden_states, return_dict=False)[0]
        return out

    def norms(self) -> list[DomainAwareNorm]:
        return [m for m in self.modules() if isinstance(m, DomainAwareNorm)]
