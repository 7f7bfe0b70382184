"""The ESRGAN-family architectures we implement ourselves (as in BasicSR): their configurations, and how a
state dict tells which one it is and with which hyper-parameters. Pure Python: the torch modules live in
`networks` and are imported only when a network is built.

RRDBNet (ESRGAN / Real-ESRGAN x4plus, x2plus, …) in either key layout (BasicSR `conv_first,
body.N.rdbM.convK, …` or old ESRGAN `model.0, model.1.sub.N.RDBM…`), with num_feat, num_block, num_grow_ch
and scale (1/2/4/8, pixel-unshuffle variants) inferred from shapes; SRVGGNetCompact (Real-ESRGAN's compact
video/general models: realesr-animevideov3, realesr-general-x4v3).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from moviefactory.errors import ModelLoadError

if TYPE_CHECKING:
    import torch


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
    from moviefactory.upscale.sr.networks import RRDBNet

    return RRDBNet(cfg)


def _unwrap(sd: dict[str, Any]) -> dict[str, Any]:
    """The weights inside BasicSR / Lightning checkpoints ("params_ema", "params", "state_dict")."""
    for wrapper in ("params_ema", "params", "state_dict"):
        if wrapper in sd and isinstance(sd[wrapper], dict):
            inner: dict[str, Any] = sd[wrapper]
            return inner
    return sd


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
    sd = _unwrap(sd)
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
        num_in_ch=in_ch // unshuffle**2,
        num_out_ch=num_out,
        num_feat=num_feat,
        num_block=max(blocks) + 1,
        num_grow_ch=grow,
        num_up=num_up,
        unshuffle=unshuffle,
    )
    return cfg, sd


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
    from moviefactory.upscale.sr.networks import SRVGGNetCompact

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
    sd = _unwrap(sd)
    if "body.0.weight" in sd and "conv_first.weight" not in sd:
        return compact_config_from_state_dict(sd), sd
    return rrdb_config_from_state_dict(sd)


def architecture_name(cfg: RRDBConfig | CompactConfig) -> str:
    """The ARCHITECTURES key of a configuration (what config.json records)."""
    return "RRDBNet" if isinstance(cfg, RRDBConfig) else "SRVGGNetCompact"
