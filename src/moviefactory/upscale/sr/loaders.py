"""Loaders: an SR model file (or a folder written by `SuperResolution.save_pretrained`) -> a forward function
and what was loaded. Tried in the order the package docstring gives: RealBasicVSR through mmagic, spandrel,
then our own ESRGAN-family architectures."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.upscale.sr.architectures import (
    ARCHITECTURES,
    CompactConfig,
    RRDBConfig,
    architecture_name,
    own_config_from_state_dict,
)

if TYPE_CHECKING:
    import torch

WEIGHT_SUFFIXES = (".pth", ".pt", ".ckpt", ".bin", ".safetensors")
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


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


@dataclass(frozen=True)
class Loaded:
    """A loaded model: `forward` maps (B, 3, h, w) in [0, 1] on its device/dtype to (B, 3, sh, sw)."""

    forward: Callable[[torch.Tensor], torch.Tensor]
    info: SRInfo
    module: torch.nn.Module | None
    config: RRDBConfig | CompactConfig | None = None
    whole_frames: bool = False  # the model tiles itself (or must see whole frames): no tiling outside
    batch_at_least: int | None = None  # a video model needs a window of frames for context


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


def load(path: Path, *, device: str | None, precision: str) -> Loaded:
    """Load an SR model file (.pth/.pt/.ckpt/.safetensors) or a folder written by `save_pretrained`."""
    dev = _resolve_device(device)
    if path.is_dir():
        return _load_folder(path, dev, precision)
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
    if isinstance(inner, dict) and any(str(k).startswith(("generator.", "generator_ema.")) for k in inner):
        return _load_realbasicvsr(inner, path, dev, precision)

    # 2. spandrel, when present (any architecture it detects)
    spandrel = _import_spandrel()
    if spandrel is not None:
        return _load_spandrel(spandrel, path, dev, precision)

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
    return _load_own(cfg, sd, path, dev, precision)


def _load_folder(path: Path, dev: str, precision: str) -> Loaded:
    """A folder written by `save_pretrained`: config.json (architecture + hyper-parameters) and weights."""
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
    return _load_own(cfg, load_state_dict_file(path / WEIGHTS_NAME), path, dev, precision)


def _import_spandrel() -> ModuleType | None:
    try:
        import spandrel
    except (ImportError, RuntimeError, OSError):
        # spandrel imports torchvision; a CUDA torchvision wheel beside a CPU torch raises RuntimeError
        # ("operator torchvision::nms does not exist") at import, which must not take our loaders down
        return None
    return spandrel


def _load_spandrel(spandrel: Any, path: Path, dev: str, precision: str) -> Loaded:
    import torch

    try:
        desc = spandrel.ModelLoader(device=torch.device(dev)).load_from_file(str(path))
    except Exception as exc:  # spandrel raises its own types for unsupported files
        raise ModelLoadError(f"{path}: spandrel cannot load it ({exc})") from exc
    if not isinstance(desc, spandrel.ImageModelDescriptor):
        raise ModelLoadError(f"{path}: {desc.architecture.name} is not an image-to-image model")
    dtype = _pick_dtype(dev, precision, desc.supports_half, desc.supports_bfloat16)
    desc.to(dtype).eval()
    info = SRInfo(str(path), "spandrel", desc.architecture.name, int(desc.scale), False, str(dtype), dev)
    internal = getattr(desc.tiling, "name", "") == "INTERNAL"
    return Loaded(desc, info, desc.model, whole_frames=internal)  # desc(x) pads to the size requirements


def _load_own(
    cfg: RRDBConfig | CompactConfig, sd: dict[str, Any], path: Path, dev: str, precision: str
) -> Loaded:
    arch = architecture_name(cfg)
    net = ARCHITECTURES[arch][1](cfg)
    try:
        net.load_state_dict(sd, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[:2]
        raise ModelLoadError(f"{path}: weights do not match {arch} {cfg}: {' '.join(first)}") from exc
    dtype = _pick_dtype(dev, precision, True, True)
    net.to(device=dev, dtype=dtype).eval()
    info = SRInfo(str(path), "moviefactory", ARCHITECTURES[arch][2], cfg.scale, False, str(dtype), dev)
    return Loaded(net, info, net, config=cfg)


def _load_realbasicvsr(sd: dict[str, Any], path: Path, dev: str, precision: str) -> Loaded:
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

    info = SRInfo(str(path), "mmagic", "RealBasicVSR", 4, True, str(dtype), dev)
    return Loaded(forward, info, net, batch_at_least=15)  # a window of frames: the propagation needs context
