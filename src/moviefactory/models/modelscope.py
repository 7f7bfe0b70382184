"""Initialise the temporal layers from ModelScope text-to-video weights (`train temporal --init-temporal DIR`).

ModelScope's UNet3DConditionModel (diffusers' TextToVideoSDPipeline, e.g. damo-vilab/text-to-video-ms-1.7b or
zeroscope) is SD 2's UNet (same widths, block types, head dim 64, OpenCLIP-H text encoder) with a temporal conv
layer after every ResBlock and a temporal transformer after every spatial transformer: exactly where
MovieFactory puts its temporal layers. With `temporal_style="modelscope"` our layers take ModelScope's form,
and its weights map one to one:

    {down,up}_blocks.i.temp_convs.j.conv{k}.<norm 0 | conv -1>  ->  temporal_{down,up}.i.res.j.{norms,convs}.k-1
    {down,up}_blocks.i.temp_attentions.j.{norm,proj_in,proj_out}  ->  temporal_{down,up}.i.attn.j.{same}
    {down,up}_blocks.i.temp_attentions.j.transformer_blocks.0.X  ->  temporal_{down,up}.i.attn.j.block.X
    mid_block.temp_*.j                                             ->  temporal_mid.{res,attn}.j

`transformer_in` (ModelScope's temporal layer right after conv_in) has no counterpart and is left out; the
spatial weights of ModelScope are not used (the SD 2 base stays the frozen base).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from moviefactory.errors import ModelLoadError

if TYPE_CHECKING:
    import torch

    from moviefactory.models.unet import MovieFactoryUNet

_CONV = re.compile(r"^(down_blocks|up_blocks)\.(\d+)\.temp_convs\.(\d+)\.conv(\d)\.(\d)\.(weight|bias)$")
_MID_CONV = re.compile(r"^mid_block\.temp_convs\.(\d+)\.conv(\d)\.(\d)\.(weight|bias)$")
_ATTN = re.compile(r"^(down_blocks|up_blocks)\.(\d+)\.temp_attentions\.(\d+)\.(.+)$")
_MID_ATTN = re.compile(r"^mid_block\.temp_attentions\.(\d+)\.(.+)$")
_STACK = {"down_blocks": "temporal_down", "up_blocks": "temporal_up"}


def _conv_key(k: int, index: int, leaf: str) -> str:
    # conv1 = (GroupNorm, SiLU, Conv3d); conv2..4 = (GroupNorm, SiLU, Dropout, Conv3d)
    part = "norms" if index == 0 else "convs"
    return f"{part}.{k - 1}.{leaf}"


def _attn_key(rest: str) -> str:
    return rest.replace("transformer_blocks.0.", "block.", 1)


def convert_modelscope_temporal(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A UNet3DConditionModel state dict -> our temporal-layer keys (modelscope style). Keys of other
    parts are dropped."""
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        if m := _CONV.match(key):
            kind, i, j, k, idx, leaf = m.groups()
            out[f"{_STACK[kind]}.{i}.res.{j}.{_conv_key(int(k), int(idx), leaf)}"] = value
        elif m := _MID_CONV.match(key):
            j, k, idx, leaf = m.groups()
            out[f"temporal_mid.res.{j}.{_conv_key(int(k), int(idx), leaf)}"] = value
        elif m := _ATTN.match(key):
            kind, i, j, rest = m.groups()
            if rest.startswith("transformer_blocks.") and not rest.startswith("transformer_blocks.0."):
                raise ModelLoadError(f"ModelScope temporal transformer with more than one block ({key})")
            out[f"{_STACK[kind]}.{i}.attn.{j}.{_attn_key(rest)}"] = value
        elif m := _MID_ATTN.match(key):
            j, rest = m.groups()
            out[f"temporal_mid.attn.{j}.{_attn_key(rest)}"] = value
    return out


def read_modelscope_unet(folder: str | Path) -> dict[str, torch.Tensor]:
    """The UNet3DConditionModel state dict of a ModelScope pipeline folder (or its unet/ folder)."""
    from diffusers import UNet3DConditionModel

    from moviefactory.models.loading import quiet_hf

    root = Path(folder).expanduser()
    unet_dir = root / "unet" if (root / "unet" / "config.json").is_file() else root
    if not (unet_dir / "config.json").is_file():
        raise ModelLoadError(
            f"--init-temporal {root}: no unet/config.json (expected a ModelScope text-to-video folder)"
        )
    try:
        with quiet_hf():
            unet = UNet3DConditionModel.from_pretrained(unet_dir, local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"--init-temporal {root}: {str(exc).splitlines()[0]}") from exc
    return {k: v for k, v in unet.state_dict().items() if ".temp_" in k}


def load_modelscope_temporal(model: MovieFactoryUNet, folder: str | Path) -> int:
    """Copy ModelScope's temporal weights into `model` (built with temporal_style="modelscope"). Every
    temporal parameter of the model must be matched with the same shape. Returns the tensors copied."""
    import torch

    if model.config.temporal_style != "modelscope":
        raise ModelLoadError("ModelScope weights need a model with temporal_style='modelscope'")
    theirs = convert_modelscope_temporal(read_modelscope_unet(folder))
    ours = {k: v for k, v in model.new_state_dict().items() if k.startswith("temporal_")}
    missing = sorted(set(ours) - set(theirs))
    extra = sorted(set(theirs) - set(ours))
    if missing or extra:
        first = missing[0] if missing else extra[0]
        raise ModelLoadError(
            f"--init-temporal {folder}: its temporal layers do not fit this SD 2 base ({len(missing)} missing, "
            f"{len(extra)} unexpected; first: {first}); ModelScope shares SD 2's block layout, other models do not"
        )
    bad = [k for k in ours if tuple(ours[k].shape) != tuple(theirs[k].shape)]
    if bad:
        k = bad[0]
        raise ModelLoadError(
            f"--init-temporal {folder}: {k} has shape {tuple(theirs[k].shape)}, the model {tuple(ours[k].shape)}"
        )
    with torch.no_grad():
        for k, v in ours.items():
            v.copy_(theirs[k].to(v.dtype))
    return len(ours)
