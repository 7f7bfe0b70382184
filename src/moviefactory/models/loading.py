"""Load the parts of a local Stable Diffusion 2 folder (diffusers layout) for the video model.

    <folder>/unet/         config.json + diffusion_pytorch_model.safetensors (or .bin)
    <folder>/vae/          config.json + weights
    <folder>/text_encoder/ config.json + model.safetensors (or pytorch_model.bin)
    <folder>/tokenizer/    vocab.json + merges.txt (+ tokenizer_config.json)
    <folder>/scheduler/    scheduler_config.json

Everything is checked before anything heavy loads, and one ModelLoadError names every missing part.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from moviefactory.errors import ModelLoadError

if TYPE_CHECKING:
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

# (subfolder, required config file, accepted weight files; empty tuple: no weights)
_PARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("unet", "config.json", ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin")),
    ("vae", "config.json", ("diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.bin")),
    ("text_encoder", "config.json", ("model.safetensors", "pytorch_model.bin")),
    ("tokenizer", "vocab.json", ()),
    ("scheduler", "scheduler_config.json", ()),
)


@dataclass
class SD2Components:
    unet: UNet2DConditionModel
    vae: AutoencoderKL
    text_encoder: CLIPTextModel
    tokenizer: CLIPTokenizer
    scheduler_config: dict[str, Any]
    folder: Path


def check_sd2_folder(folder: str | Path) -> Path:
    """Return the folder if it has every part in diffusers layout, else raise one ModelLoadError listing
    everything that is missing (relative paths)."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ModelLoadError(
            f"model folder {root} does not exist (expected a Stable Diffusion 2 folder in diffusers layout)"
        )
    missing: list[str] = []
    for sub, cfg, weights in _PARTS:
        if not (root / sub).is_dir():
            missing.append(f"{sub}/")
            continue
        if not (root / sub / cfg).is_file():
            missing.append(f"{sub}/{cfg}")
        if weights and not any((root / sub / w).is_file() for w in weights):
            missing.append(f"{sub}/{weights[0]}")
    if (root / "tokenizer").is_dir() and not (root / "tokenizer" / "merges.txt").is_file():
        missing.append("tokenizer/merges.txt")
    if missing:
        raise ModelLoadError(f"model folder {root} is incomplete: missing {', '.join(missing)}")
    return root


def load_sd2_components(
    folder: str | Path, device: str | torch.device = "cpu", dtype: torch.dtype | None = None
) -> SD2Components:
    """Load UNet, VAE, text encoder, tokenizer and scheduler config from a local SD2 folder (no network).

    `dtype` applies to the UNet and text encoder; under float16 the VAE stays float32 (cheap insurance
    against fp16 overflow in the decoder; chunked decoding bounds its memory), bfloat16 is used as is.
    """
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    root = check_sd2_folder(folder)
    dtype = dtype or torch.float32
    vae_dtype = dtype if dtype in (torch.float32, torch.bfloat16) else torch.float32
    try:
        unet = UNet2DConditionModel.from_pretrained(root / "unet", torch_dtype=dtype, local_files_only=True)
        vae = AutoencoderKL.from_pretrained(root / "vae", torch_dtype=vae_dtype, local_files_only=True)
        text_encoder = CLIPTextModel.from_pretrained(
            root / "text_encoder", dtype=dtype, local_files_only=True
        )
        tokenizer = CLIPTokenizer.from_pretrained(root / "tokenizer", local_files_only=True)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"model folder {root}: {str(exc).splitlines()[0]}") from exc
    try:
        scheduler_config = json.loads((root / "scheduler" / "scheduler_config.json").read_text())
    except json.JSONDecodeError as exc:
        raise ModelLoadError(
            f"{root / 'scheduler' / 'scheduler_config.json'}: not valid JSON ({exc.msg})"
        ) from exc
    for m in (unet, vae, text_encoder):
        mod = cast(Any, m)
        mod.requires_grad_(False)
        mod.eval()
        mod.to(device)
    return SD2Components(unet, vae, text_encoder, tokenizer, scheduler_config, root)
