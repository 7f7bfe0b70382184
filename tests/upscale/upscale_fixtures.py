"""Helpers for the upscale tests: tiny ESRGAN-family models built at test time (random weights, seeded)
and small textured frames. (A uniquely named module, so it never collides with other areas' helpers.)"""

from __future__ import annotations

import numpy as np
import torch

from moviefactory.upscale.sr import RRDBConfig, _build_rrdbnet

TINY = RRDBConfig(num_feat=8, num_block=1, num_grow_ch=4)


def tiny_rrdbnet(cfg: RRDBConfig = TINY, *, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return _build_rrdbnet(cfg).eval()


def nearest_like_rrdbnet(cfg: RRDBConfig = TINY, *, seed: int = 0) -> torch.nn.Module:
    """An RRDBNet whose weights make it close to nearest-neighbour upscaling: identity kernels carry the RGB
    channels through conv_first, the upsampling convs, conv_hr and conv_last (small random noise on top),
    and the random-weight trunk is damped by a small conv_body. Content-preserving by construction, so a
    colour-order, transpose or tiling bug shows up as a content error."""
    net = tiny_rrdbnet(cfg, seed=seed)
    with torch.no_grad():
        names = ["conv_first"] + [f"conv_up{i}" for i in range(1, cfg.num_up + 1)] + ["conv_hr", "conv_last"]
        for name in names:
            conv = getattr(net, name)
            conv.weight.mul_(0.01)
            conv.bias.zero_()
            for c in range(3):
                conv.weight[c, c, 1, 1] += 1.0
        net.conv_body.weight.mul_(0.01)
        net.conv_body.bias.zero_()
    return net


def textured_frames(n: int = 4, h: int = 24, w: int = 32, *, seed: int = 0) -> np.ndarray:
    """Smooth random colour texture (low-pass noise), moving right 1 px per frame: (n, h, w, 3) uint8."""
    rng = np.random.default_rng(seed)
    base = rng.random((h // 4 + 2, w // 4 + 2 + n, 3))
    from PIL import Image

    big = np.asarray(
        Image.fromarray((base * 255).astype(np.uint8)).resize(
            (4 * base.shape[1], 4 * base.shape[0]), Image.BICUBIC
        )
    )
    return np.stack([big[2 : 2 + h, 2 + i : 2 + i + w] for i in range(n)]).astype(np.uint8)
