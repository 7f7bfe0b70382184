"""Super-resolution models behind one interface: load a model file, upscale frames in overlapping tiles.

Loaders, tried in this order by `SuperResolution.from_pretrained(path)`:
1. a RealBasicVSR checkpoint (mmagic/mmediting, the paper's choice) when `mmagic` imports: a video model
   that sees whole frame windows, so it needs no temporal stabilisation;
2. spandrel (`spandrel.ModelLoader().load_from_file`) when it imports: Real-ESRGAN, SwinIR, HAT, … any
   architecture spandrel detects;
3. our own ESRGAN-family implementations (architectures as in BasicSR) for .pth/.safetensors state dicts:
   RRDBNet (ESRGAN / Real-ESRGAN x4plus, x2plus, …) in either key layout (BasicSR `conv_first,
   body.N.rdbM.convK, …` or old ESRGAN `model.0, model.1.sub.N.RDBM…`), with num_feat, num_block,
   num_grow_ch and scale (1/2/4/8, pixel-unshuffle variants) inferred from shapes; and SRVGGNetCompact
   (Real-ESRGAN's compact video/general models: realesr-animevideov3, realesr-general-x4v3).
   spandrel cannot be installed on machines whose torch has no matching torchvision wheel (CPU-only torch),
   so this path keeps the most common SR family usable there.

Inference: frames (F, H, W, 3) uint8 go through the model in batches; each batch is cut into tiles of
`tile` input pixels overlapping by `overlap`, and tile outputs are blended with linear feathering, so memory
is bounded by the tile size, not the frame size. fp16/bf16 on CUDA when the model supports it.

Per-frame SR flickers: `TemporalStabilizer` blends each upscaled frame with the previous result, warped by
dense optical flow (OpenCV Farneback) or unwarped ("smooth"), and only where the low-resolution frames agree
after warping, so moving edges and occlusions are not smeared.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from moviefactory.errors import InputError, ModelLoadError

if TYPE_CHECKING:
    import torch

TemporalMode = Literal["flow", "smooth", "none"]
TEMPORAL_MODES: tuple[str, ...] = ("flow", "smooth", "none")
WEIGHT_SUFFIXES = (".pth", ".pt", ".ckpt", ".bin", ".safetensors")
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


# -- RRDBNet (ESRGAN / Real-ESRGAN), architecture as in BasicSR ----------------------------------------
@dataclass(frozen=True)
class RRDBConfig:
    num_in_ch: int = 3
    num_out_ch: int = 3
    num_feat: int = 64
    num_block: int = 23
    num_grow_ch: int = 32
    num_up: int = 2  # nearest x2 upsample + conv stages (BasicSR always has 2; old ESRGAN 1..3)
    unshuffle: int = 1  # pixel-unshuffle factor before conv_first (Real-ESRGAN x2: 2, x1: 4)

    @property
    def scale(self) -> int:
        return 2**self.num_up // self.unshuffle


def _build_rrdbnet(cfg: RRDBConfig) -> torch.nn.Module:
    import torch
    from torch import nn
    from torch.nn import functional as F

    class ResidualDenseBlock(nn.Module):
        def __init__(self, nf: int, gc: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(nf, gc, 3, 1, 1)
            self.conv2 = nn.Conv2d(nf + gc, gc, 3, 1, 1)
            self.conv3 = nn.Conv2d(nf + 2 * gc, gc, 3, 1, 1)
            self.conv4 = nn.Conv2d(nf + 3 * gc, gc, 3, 1, 1)
            self.conv5 = nn.Conv2d(nf + 4 * gc, nf, 3, 1, 1)
            self.lrelu = nn.LeakyReLU(0.2, inplace=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x1 = self.lrelu(self.conv1(x))
            x2 = self.lrelu(self.conv2(torch.cat((x, x1), 1)))
            x3 = self.lrelu(self.conv3(torch.cat((x, x1, x2), 1)))
            x4 = self.lrelu(self.conv4(torch.cat((x, x1, x2, x3), 1)))
            x5 = self.conv5(torch.cat((x, x1, x2, x3, x4), 1))
            return x5 * 0.2 + x  # residual scaling 0.2 (ESRGAN)

    class RRDB(nn.Module):
        def __init__(self, nf: int, gc: int) -> None:
            super().__init__()
            self.rdb1 = ResidualDenseBlock(nf, gc)
            self.rdb2 = ResidualDenseBlock(nf, gc)
            self.rdb3 = ResidualDenseBlock(nf, gc)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x

    class RRDBNet(nn.Module):
        def __init__(self, c: RRDBConfig) -> None:
            super().__init__()
            self.cfg = c
            self.conv_first = nn.Conv2d(c.num_in_ch * c.unshuffle**2, c.num_feat, 3, 1, 1)
            self.body = nn.Sequential(*[RRDB(c.num_feat, c.num_grow_ch) for _ in range(c.num_block)])
            self.conv_body = nn.Conv2d(c.num_feat, c.num_feat, 3, 1, 1)
            for i in range(1, c.num_up + 1):
                self.add_module(f"conv_up{i}", nn.Conv2d(c.num_feat, c.num_feat, 3, 1, 1))
            self.conv_hr = nn.Conv2d(c.num_feat, c.num_feat, 3, 1, 1)
            self.conv_last = nn.Conv2d(c.num_feat, c.num_out_ch, 3, 1, 1)
            self.lrelu = nn.LeakyReLU(0.2, inplace=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 3, H, W) in [0, 1] -> (B, 3, sH, sW)
            feat = F.pixel_unshuffle(x, self.cfg.unshuffle) if self.cfg.unshuffle > 1 else x
            feat = self.conv_first(feat)
            feat = feat + self.conv_body(self.body(feat))
            for i in range(1, self.cfg.num_up + 1):
                conv = getattr(self, f"conv_up{i}")
                feat = self.lrelu(conv(F.interpolate(feat, scale_factor=2, mode="nearest")))
            return self.conv_last(self.lrelu(self.conv_hr(feat)))

    return RRDBNet(cfg)


_OLD_BODY = re.compile(r"^model\.1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.(weight|bias)$")
_OLD_TOP = re.compile(r"^model\.(\d+)\.(weight|bias)$")
_OLD_TRUNK = re.compile(r"^model\.1\.sub\.(\d+)\.(weight|bias)$")


def _convert_old_esrgan(sd: dict[str, Any]) -> dict[str, Any]:
    """Old ESRGAN layout (`model.0`, `model.1.sub.N.RDBk.convM.0`, `model.3`, …) -> BasicSR key names."""
    out: dict[str, Any] = {}
    body_blocks = {int(m.group(1)) for k in sd if (m := _OLD_BODY.match(k))}
    trunk_idx = max(body_blocks) + 1 if body_blocks else 0
    tops: dict[int, dict[str, Any]] = {}
    for k, v in sd.items():
        if m := _OLD_BODY.match(k):
            out[f"body.{m.group(1)}.rdb{m.group(2)}.conv{m.group(3)}.{m.group(4)}"] = v
        elif (m := _OLD_TRUNK.match(k)) and int(m.group(1)) == trunk_idx:
            out[f"conv_body.{m.group(2)}"] = v
        elif m := _OLD_TOP.match(k):
            tops.setdefault(int(m.group(1)), {})[m.group(2)] = v
        else:
            raise ModelLoadError(f"unexpected key {k!r} in an old-style ESRGAN state dict")
    # model.0 is conv_first; the convs after the trunk are the upsampling convs, then conv_hr, conv_last
    idx = sorted(tops)
    if not idx or idx[0] != 0 or len(idx) < 3:
        raise ModelLoadError("old-style ESRGAN state dict lacks model.0 / upsampling / output convs")
    names = ["conv_first"] + [f"conv_up{i}" for i in range(1, len(idx) - 2)] + ["conv_hr", "conv_last"]
    for name, i in zip(names, idx, strict=True):
        for p, v in tops[i].items():
            out[f"{name}.{p}"] = v
    return out


def rrdb_config_from_state_dict(sd: dict[str, Any]) -> tuple[RRDBConfig, dict[str, Any]]:
    """Infer the RRDBNet hyper-parameters from tensor shapes; return them and the BasicSR-named state dict.

    Raises ModelLoadError when the dict is not an RRDBNet (so the caller can name the file and suggest
    spandrel for other architectures)."""
    for wrapper in ("params_ema", "params", "state_dict"):
        if wrapper in sd and isinstance(sd[wrapper], dict):
            sd = sd[wrapper]
            break
    if "model.0.weight" in sd and any(k.startswith("model.1.sub.") for k in sd):
        sd = _convert_old_esrgan(sd)
    need = ("conv_first.weight", "conv_body.weight", "conv_hr.weight", "conv_last.weight")
    missing = [k for k in need if k not in sd]
    if missing:
        raise ModelLoadError(f"not an ESRGAN/Real-ESRGAN RRDBNet state dict (missing {', '.join(missing)})")
    first, last = sd["conv_first.weight"], sd["conv_last.weight"]
    num_feat, in_ch = int(first.shape[0]), int(first.shape[1])
    num_out = int(last.shape[0])
    blocks = {int(m.group(1)) for k in sd if (m := re.match(r"^body\.(\d+)\.rdb1\.conv1\.weight$", k))}
    num_up = sum(1 for k in sd if re.match(r"^conv_up\d+\.weight$", k))
    if not blocks or num_up == 0:
        raise ModelLoadError("not an RRDBNet state dict (no body.N.rdb1 blocks or no conv_upN layers)")
    grow = int(sd["body.0.rdb1.conv1.weight"].shape[0])
    ratio = in_ch // num_out if num_out and in_ch % num_out == 0 else 0
    unshuffle = {1: 1, 4: 2, 16: 4}.get(ratio)
    if unshuffle is None:
        raise ModelLoadError(
            f"RRDBNet with {in_ch} input and {num_out} output channels is not a known layout"
        )
    cfg = RRDBConfig(
        num_in_ch=in_ch // unshuffle**2, num_out_ch=num_out, num_feat=num_feat, num_block=max(blocks) + 1,
        num_grow_ch=grow, num_up=num_up, unshuffle=unshuffle,
    )  # fmt: skip
    return cfg, sd


def load_state_dict_file(path: Path) -> dict[str, Any]:
    """Read a .safetensors or torch checkpoint (weights only: no pickled code is executed)."""
    import torch

    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(path)))
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # corrupt files raise many types; one clear line for the user
        raise ModelLoadError(f"{path}: cannot read weights ({type(exc).__name__}: {exc})") from exc
    if not isinstance(obj, dict):
        raise ModelLoadError(f"{path}: expected a state dict, got {type(obj).__name__}")
    return obj


# -- SRVGGNetCompact (Real-ESRGAN realesr-animevideov3 / realesr-general-x4v3), as in BasicSR -------------
@dataclass(frozen=True)
class CompactConfig:
    num_in_ch: int = 3
    num_out_ch: int = 3
    num_feat: int = 64
    num_conv: int = 16
    upscale: int = 4

    @property
    def scale(self) -> int:
        return self.upscale


def _build_compact(cfg: CompactConfig) -> torch.nn.Module:
    from torch import nn
    from torch.nn import functional as F

    class SRVGGNetCompact(nn.Module):
        def __init__(self, c: CompactConfig) -> None:
            super().__init__()
            self.cfg = c
            layers: list[nn.Module] = [nn.Conv2d(c.num_in_ch, c.num_feat, 3, 1, 1), nn.PReLU(c.num_feat)]
            for _ in range(c.num_conv):
                layers += [nn.Conv2d(c.num_feat, c.num_feat, 3, 1, 1), nn.PReLU(c.num_feat)]
            layers.append(nn.Conv2d(c.num_feat, c.num_out_ch * c.upscale**2, 3, 1, 1))
            self.body = nn.ModuleList(layers)
            self.upsampler = nn.PixelShuffle(c.upscale)

        def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, 3, H, W) -> (B, 3, sH, sW)
            out = x
            for layer in self.body:
                out = layer(out)
            # the network learns the residual over nearest-neighbour upsampling
            return self.upsampler(out) + F.interpolate(x, scale_factor=self.cfg.upscale, mode="nearest")

    return SRVGGNetCompact(cfg)


def compact_config_from_state_dict(sd: dict[str, Any]) -> CompactConfig:
    """Infer SRVGGNetCompact hyper-parameters (PReLU activations, as in every released model)."""
    convs = sorted(
        int(m.group(1)) for k, v in sd.items() if (m := re.match(r"^body\.(\d+)\.weight$", k)) and v.ndim == 4
    )
    if len(convs) < 2 or "body.1.weight" not in sd or sd["body.1.weight"].ndim != 1:
        raise ModelLoadError("not an SRVGGNetCompact state dict (body.N convs with PReLU activations)")
    first, last = sd[f"body.{convs[0]}.weight"], sd[f"body.{convs[-1]}.weight"]
    in_ch, num_feat = int(first.shape[1]), int(first.shape[0])
    up = math.isqrt(int(last.shape[0]) // in_ch)
    if up * up * in_ch != int(last.shape[0]):
        raise ModelLoadError(f"SRVGGNetCompact output has {last.shape[0]} channels: not 3 x scale^2")
    return CompactConfig(
        num_in_ch=in_ch, num_out_ch=in_ch, num_feat=num_feat, num_conv=len(convs) - 2, upscale=up
    )


ARCHITECTURES: dict[str, tuple[type, Callable[[Any], torch.nn.Module], str]] = {
    "RRDBNet": (RRDBConfig, _build_rrdbnet, "RRDBNet (ESRGAN/Real-ESRGAN)"),
    "SRVGGNetCompact": (CompactConfig, _build_compact, "SRVGGNetCompact (Real-ESRGAN compact)"),
}


def own_config_from_state_dict(sd: dict[str, Any]) -> tuple[RRDBConfig | CompactConfig, dict[str, Any]]:
    """Unwrap BasicSR checkpoints ("params_ema"/"params") and infer which of our architectures fits."""
    for wrapper in ("params_ema", "params", "state_dict"):
        if wrapper in sd and isinstance(sd[wrapper], dict):
            sd = sd[wrapper]
            break
    if "body.0.weight" in sd and "conv_first.weight" not in sd:
        return compact_config_from_state_dict(sd), sd
    return rrdb_config_from_state_dict(sd)


# -- tiling -------------------------------------------------------------------------------------------
def tile_grid(n: int, tile: int, overlap: int) -> tuple[list[int], int]:
    """Cover [0, n) with the fewest tiles of at most `tile` pixels overlapping by at least `overlap`.

    Returns (starts, size): all tiles have the same size, shrunk from `tile` so they spread evenly
    (80 px with tile 64 / overlap 8 -> two 44 px tiles, not 64 px tiles overlapping by 48)."""
    if n <= tile:
        return [0], n
    count = math.ceil((n - overlap) / (tile - overlap))
    size = math.ceil((n + (count - 1) * overlap) / count)
    return [min(i * (size - overlap), n - size) for i in range(count)], size


def _ramp(length: int, ramp: int, left: bool, right: bool) -> np.ndarray:
    """1-D feather weights: linear ramps of `ramp` samples at the sides that touch another tile."""
    w = np.ones(length, dtype=np.float32)
    if ramp > 0:
        r = (np.arange(ramp, dtype=np.float32) + 0.5) / ramp
        k = min(ramp, length)
        if left:
            w[:k] = np.minimum(w[:k], r[:k])
        if right:
            w[-k:] = np.minimum(w[-k:], r[:k][::-1])
    return w


# -- temporal stabilisation ---------------------------------------------------------------------------
class TemporalStabilizer:
    """Blend each upscaled frame with the previous output to suppress per-frame SR flicker.

    out_t = (1 - a) * sr_t + a * warp(out_{t-1}), a = strength * exp(-(err / sigma)^2) per pixel, where err
    is the mean absolute difference (0..255) between the current low-res frame and the previous one warped
    the same way: where the warp is wrong (occlusion, fast motion) the blend switches itself off.
    mode "flow" warps with Farneback optical flow computed on the low-res frames (cheap) and scaled up;
    "smooth" does not warp (static regions only); "none" passes frames through.
    """

    def __init__(self, mode: str = "flow", *, strength: float = 0.5, sigma: float = 12.0) -> None:
        if mode not in TEMPORAL_MODES:
            raise InputError(f"temporal must be one of {', '.join(TEMPORAL_MODES)}, got {mode!r}")
        if not 0.0 <= strength < 1.0:
            raise InputError(f"temporal strength must be in [0, 1), got {strength}")
        self.mode, self.strength, self.sigma = mode, strength, sigma
        self._prev_lr: np.ndarray | None = None  # (H, W, 3) float32
        self._prev_out: np.ndarray | None = None  # (sH, sW, 3) float32

    def __call__(self, lr: np.ndarray, sr: np.ndarray) -> np.ndarray:
        """lr (H, W, 3) uint8, sr (sH, sW, 3) uint8 -> (sH, sW, 3) uint8."""
        if self.mode == "none":
            return sr
        import cv2

        lr_f, sr_f = lr.astype(np.float32), sr.astype(np.float32)
        if self._prev_lr is None or self._prev_out is None or self._prev_lr.shape != lr_f.shape:
            self._prev_lr, self._prev_out = lr_f, sr_f
            return sr
        sh, sw = sr.shape[:2]
        if self.mode == "flow":
            cur_g = cv2.cvtColor(lr, cv2.COLOR_RGB2GRAY)
            prev_g = cv2.cvtColor(self._prev_lr.astype(np.uint8), cv2.COLOR_RGB2GRAY)
            # flow[y, x] = d such that cur(x) ≈ prev(x + d), in low-res pixels
            flow = cv2.calcOpticalFlowFarneback(cur_g, prev_g, None, 0.5, 3, 15, 3, 5, 1.2, 0)  # type: ignore[call-overload]
            h, w = lr.shape[:2]
            gy, gx = np.mgrid[0:h, 0:w].astype(np.float32)
            prev_lr_w = cv2.remap(self._prev_lr, gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
            up = cv2.resize(flow, (sw, sh), interpolation=cv2.INTER_LINEAR) * np.float32(sw / w)
            hy, hx = np.mgrid[0:sh, 0:sw].astype(np.float32)
            prev_out_w = cv2.remap(self._prev_out, hx + up[..., 0], hy + up[..., 1], cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
        else:
            prev_lr_w, prev_out_w = self._prev_lr, self._prev_out
        err = np.abs(lr_f - prev_lr_w).mean(axis=2)  # (H, W), 0..255
        alpha = self.strength * np.exp(-((err / self.sigma) ** 2))
        alpha = cv2.resize(alpha, (sw, sh), interpolation=cv2.INTER_LINEAR)[..., None]
        out = (1.0 - alpha) * sr_f + alpha * prev_out_w
        self._prev_lr, self._prev_out = lr_f, out
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)


# -- the model interface ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SRInfo:
    """What was loaded, for manifests and reports."""

    path: str
    loader: str  # "moviefactory" (our RRDBNet / SRVGGNetCompact) | "spandrel" | "mmagic"
    architecture: str
    scale: int
    video: bool  # True: the model sees frame windows (B is time), needs no temporal stabilisation
    dtype: str
    device: str


def _resolve_device(device: str | None) -> str:
    import torch

    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _pick_dtype(device: str, precision: str, half_ok: bool, bf16_ok: bool) -> torch.dtype:
    import torch

    if precision not in ("auto", "fp32", "fp16", "bf16"):
        raise InputError(f"precision must be auto, fp32, fp16 or bf16, got {precision!r}")
    if precision == "fp32" or not device.startswith("cuda"):
        return torch.float32  # half precision on CPU is slow or unsupported for convs
    if precision == "bf16" or (precision == "auto" and bf16_ok and torch.cuda.is_bf16_supported()):
        return torch.bfloat16
    if precision == "fp16" or (precision == "auto" and half_ok):
        return torch.float16
    return torch.float32


class SuperResolution:
    """One SR model: `from_pretrained(path)`, then `upscale_frames(frames)`.

    `forward` maps (B, 3, h, w) float in [0, 1] on the model's device/dtype to (B, 3, h*scale, w*scale);
    for a video model B is the time axis of one window.
    """

    def __init__(
        self,
        forward: Callable[[torch.Tensor], torch.Tensor],
        info: SRInfo,
        *,
        tile: int = 256,
        overlap: int = 16,
        batch: int = 4,
        module: torch.nn.Module | None = None,
        config: RRDBConfig | CompactConfig | None = None,
    ) -> None:
        if tile < 0 or overlap < 0 or (tile and overlap >= tile):
            raise InputError(f"tile ({tile}) must be 0 (off) or larger than overlap ({overlap}) >= 0")
        if batch < 1:
            raise InputError(f"batch must be >= 1, got {batch}")
        self._forward = forward
        self.info = info
        self.scale = info.scale
        self.tile, self.overlap, self.batch = tile, overlap, batch
        self.module, self.config = module, config

    # loading
    @classmethod
    def from_pretrained(
        cls,
        path: str | Path,
        *,
        device: str | None = None,
        precision: str = "auto",
        tile: int = 256,
        overlap: int = 16,
        batch: int = 4,
    ) -> SuperResolution:
        """Load an SR model file (.pth/.pt/.ckpt/.safetensors) or a folder written by `save_pretrained`."""
        import torch

        path = Path(path)
        dev = _resolve_device(device)
        kw: dict[str, Any] = {"tile": tile, "overlap": overlap, "batch": batch}
        if path.is_dir():
            cfg_path = path / CONFIG_NAME
            if not cfg_path.exists() or not (path / WEIGHTS_NAME).exists():
                raise ModelLoadError(f"{path}: an SR model folder needs {CONFIG_NAME} and {WEIGHTS_NAME}")
            raw = json.loads(cfg_path.read_text(encoding="utf-8"))
            arch = raw.pop("architecture", None)
            if arch not in ARCHITECTURES:
                raise ModelLoadError(
                    f"{cfg_path}: architecture must be one of {', '.join(ARCHITECTURES)}, got {arch!r}"
                )
            cfg = ARCHITECTURES[arch][0](**raw)
            sd = load_state_dict_file(path / WEIGHTS_NAME)
            return cls._from_own(cfg, sd, path, dev, precision, kw)
        if not path.is_file():
            raise InputError(f"SR model {path} does not exist")
        if path.suffix.lower() not in WEIGHT_SUFFIXES:
            raise InputError(f"SR model {path}: expected one of {', '.join(WEIGHT_SUFFIXES)}")

        # 1. the paper's video SR (RealBasicVSR) through mmagic
        read_error: ModelLoadError | None = None
        try:
            sd = load_state_dict_file(path)
        except ModelLoadError as exc:  # spandrel may still read it (it has its own unpickler)
            sd, read_error = {}, exc
        inner = sd.get("state_dict", sd)
        if isinstance(inner, dict) and any(
            str(k).startswith(("generator.", "generator_ema.")) for k in inner
        ):
            return cls._from_realbasicvsr(inner, path, dev, precision, kw)

        # 2. spandrel, when present (any architecture it detects)
        try:
            import spandrel
        except (ImportError, RuntimeError, OSError):
            # spandrel imports torchvision; a CUDA torchvision wheel beside a CPU torch raises RuntimeError
            # ("operator torchvision::nms does not exist") at import, which must not take our loaders down
            spandrel = None
        if spandrel is not None:
            try:
                desc = spandrel.ModelLoader(device=torch.device(dev)).load_from_file(str(path))
            except Exception as exc:  # spandrel raises its own types for unsupported files
                raise ModelLoadError(f"{path}: spandrel cannot load it ({exc})") from exc
            if not isinstance(desc, spandrel.ImageModelDescriptor):
                raise ModelLoadError(f"{path}: {desc.architecture.name} is not an image-to-image model")
            dtype = _pick_dtype(dev, precision, desc.supports_half, desc.supports_bfloat16)
            desc.to(dtype).eval()
            if getattr(desc.tiling, "name", "") == "INTERNAL":
                kw["tile"] = 0  # the model tiles itself (or must see whole frames)
            info = SRInfo(
                str(path), "spandrel", desc.architecture.name, int(desc.scale), False, str(dtype), dev
            )
            return cls(desc, info, module=desc.model, **kw)  # desc(x) pads to the size requirements

        # 3. our own ESRGAN-family implementations (RRDBNet, SRVGGNetCompact)
        if read_error is not None:
            raise read_error
        try:
            cfg, sd = own_config_from_state_dict(sd)
        except ModelLoadError as exc:
            raise ModelLoadError(
                f"{path}: {exc}; other architectures (SwinIR, HAT, …) need spandrel (pip install spandrel, "
                "which needs torchvision)"
            ) from exc
        return cls._from_own(cfg, sd, path, dev, precision, kw)

    @classmethod
    def _from_own(
        cls,
        cfg: RRDBConfig | CompactConfig,
        sd: dict[str, Any],
        path: Path,
        dev: str,
        precision: str,
        kw: dict[str, Any],
    ) -> SuperResolution:
        arch = "RRDBNet" if isinstance(cfg, RRDBConfig) else "SRVGGNetCompact"
        net = ARCHITECTURES[arch][1](cfg)
        try:
            net.load_state_dict(sd, strict=True)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[:2]
            raise ModelLoadError(f"{path}: weights do not match {arch} {cfg}: {' '.join(first)}") from exc
        dtype = _pick_dtype(dev, precision, True, True)
        net.to(device=dev, dtype=dtype).eval()
        info = SRInfo(str(path), "moviefactory", ARCHITECTURES[arch][2], cfg.scale, False, str(dtype), dev)
        return cls(net, info, module=net, config=cfg, **kw)

    @classmethod
    def _from_realbasicvsr(
        cls, sd: dict[str, Any], path: Path, dev: str, precision: str, kw: dict[str, Any]
    ) -> SuperResolution:
        """RealBasicVSR (mmagic): the generator takes (N, T, 3, H, W) in [0, 1] and returns 4x frames.
        Not testable here (mmagic needs mmcv/mmengine builds for the local torch)."""
        try:
            from mmagic.models.editors import RealBasicVSRNet
        except (ImportError, RuntimeError, OSError) as exc:  # mmagic also imports torchvision
            raise ModelLoadError(
                f"{path} is a RealBasicVSR (mmagic) checkpoint; install mmagic to use it"
            ) from exc

        prefix = "generator_ema." if any(k.startswith("generator_ema.") for k in sd) else "generator."
        gen = {k[len(prefix) :]: v for k, v in sd.items() if k.startswith(prefix)}
        net = RealBasicVSRNet(is_sequential_cleaning=True)  # the released x4 config
        try:
            net.load_state_dict(gen, strict=True)
        except RuntimeError as exc:
            raise ModelLoadError(f"{path}: weights do not match RealBasicVSRNet: {exc}") from exc
        dtype = _pick_dtype(dev, precision, False, False)  # SPyNet flow is fragile in half precision
        net.to(device=dev, dtype=dtype).eval()

        def forward(x: torch.Tensor) -> torch.Tensor:  # (T, 3, h, w) one window -> (T, 3, 4h, 4w)
            out = net(x[None])
            return (out[0] if isinstance(out, tuple) else out)[0]

        kw = {**kw, "batch": max(kw["batch"], 15)}  # a window of frames: the propagation needs context
        info = SRInfo(str(path), "mmagic", "RealBasicVSR", 4, True, str(dtype), dev)
        return cls(forward, info, module=net, **kw)

    def save_pretrained(self, folder: str | Path) -> Path:
        """Write config.json + model.safetensors (our own architectures only: spandrel/mmagic models keep
        their original file)."""
        if self.config is None or self.module is None:
            raise ModelLoadError(
                f"save_pretrained: only RRDBNet/SRVGGNetCompact models can be saved, not {self.info.architecture}"
            )
        from safetensors.torch import save_file

        from moviefactory.workspace import atomic_output, atomic_write_json

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        sd = {k: v.detach().float().cpu().contiguous() for k, v in self.module.state_dict().items()}
        with atomic_output(folder / WEIGHTS_NAME) as tmp:
            save_file(sd, str(tmp))
        arch = "RRDBNet" if isinstance(self.config, RRDBConfig) else "SRVGGNetCompact"
        atomic_write_json(folder / CONFIG_NAME, {"architecture": arch, **asdict(self.config)})
        return folder

    # inference
    def _param(self) -> torch.Tensor | None:
        return next(iter(self.module.parameters()), None) if self.module is not None else None

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) float32 [0, 1] on CPU -> (B, 3, sH, sW) float32 [0, 1] on CPU, tiled and feathered."""
        import torch

        p = self._param()
        dev, dtype = (p.device, p.dtype) if p is not None else (torch.device("cpu"), torch.float32)
        b, _, h, w = x.shape
        s, t = self.scale, self.tile
        if not t or (h <= t and w <= t):
            return self._forward(x.to(dev, dtype)).float().clamp(0, 1).cpu()
        ys, th = tile_grid(h, t, self.overlap)
        xs, tw = tile_grid(w, t, self.overlap)
        acc = torch.zeros(b, 3, h * s, w * s, dtype=torch.float32)  # weighted sum of tile outputs
        wsum = torch.zeros(1, 1, h * s, w * s, dtype=torch.float32)
        ramp = self.overlap * s
        for y0 in ys:
            wy = _ramp(th * s, ramp, y0 > 0, y0 + th < h)
            for x0 in xs:
                wx = _ramp(tw * s, ramp, x0 > 0, x0 + tw < w)
                out = (
                    self._forward(x[:, :, y0 : y0 + th, x0 : x0 + tw].to(dev, dtype))
                    .float()
                    .clamp(0, 1)
                    .cpu()
                )
                wt = torch.from_numpy(np.outer(wy, wx))[None, None]  # (1, 1, th*s, tw*s)
                acc[:, :, y0 * s : (y0 + th) * s, x0 * s : (x0 + tw) * s] += out * wt
                wsum[:, :, y0 * s : (y0 + th) * s, x0 * s : (x0 + tw) * s] += wt
        return acc / wsum

    def iter_upscale(self, frames: np.ndarray, *, temporal: str = "none") -> Iterator[np.ndarray]:
        """Yield upscaled frames one by one ((sH, sW, 3) uint8); memory holds one batch of outputs."""
        import torch

        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
            raise InputError(
                f"upscale: expected (F, H, W, 3) uint8 frames, got {frames.shape} {frames.dtype}"
            )
        stab = TemporalStabilizer("none" if self.info.video else temporal)
        for i in range(0, len(frames), self.batch):
            lr = frames[i : i + self.batch]
            x = torch.from_numpy(np.ascontiguousarray(lr)).permute(0, 3, 1, 2).float().div_(255.0)
            with torch.inference_mode():
                y = self._run(x)  # (B, 3, sH, sW)
                out = (y * 255.0).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()
            if y.shape[-2:] != (lr.shape[1] * self.scale, lr.shape[2] * self.scale):
                raise ModelLoadError(
                    f"{self.info.path}: output {tuple(y.shape[-2:])} is not {self.scale}x the input "
                    f"{lr.shape[1:3]}"
                )
            for lf, sf in zip(lr, out, strict=True):
                yield stab(lf, sf)

    def upscale_frames(self, frames: np.ndarray, *, temporal: str = "none") -> np.ndarray:
        """(F, H, W, 3) uint8 -> (F, H*scale, W*scale, 3) uint8."""
        return np.stack(list(self.iter_upscale(frames, temporal=temporal)))

    def __repr__(self) -> str:
        return (
            f"SuperResolution({self.info.architecture} x{self.scale}, {self.info.loader}, {self.info.device} "
            f"{self.info.dtype}, tile={self.tile}, overlap={self.overlap}, batch={self.batch})"
        )
