"""Load the parts of a local Stable Diffusion 2 folder (diffusers layout) for the video model.

    <folder>/unet/         config.json + diffusion_pytorch_model.safetensors (or .bin, sharded, .fp16.)
    <folder>/vae/          config.json + weights
    <folder>/text_encoder/ config.json + model.safetensors (or pytorch_model.bin)
    <folder>/tokenizer/    tokenizer.json, or vocab.json + merges.txt (+ tokenizer_config.json)
    <folder>/scheduler/    scheduler_config.json

Everything is checked before anything heavy loads, and one ModelLoadError names every missing part.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from moviefactory.errors import ModelLoadError

if TYPE_CHECKING:
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

# (subfolder, config file, weight file stems); a part's weights may be one file, a sharded index, or either of
# those as the ".fp16" variant diffusers/transformers save with `variant="fp16"`
_PARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("unet", "config.json", ("diffusion_pytorch_model",)),
    ("vae", "config.json", ("diffusion_pytorch_model",)),
    ("text_encoder", "config.json", ("model", "pytorch_model")),
)
_WEIGHT_SUFFIXES = (".safetensors", ".bin")


def _weights_variant(folder: Path, stems: tuple[str, ...]) -> str | bool | None:
    """None: full-precision weights are there; "fp16": only the fp16 variant; False: no weights at all."""
    for variant in (None, "fp16"):
        for stem in stems:
            for suffix in _WEIGHT_SUFFIXES:
                name = f"{stem}.{variant}{suffix}" if variant else f"{stem}{suffix}"
                index = f"{stem}{suffix}.index.{variant}.json" if variant else f"{stem}{suffix}.index.json"
                if (folder / name).is_file() or (folder / index).is_file():
                    return variant
    return False


@contextlib.contextmanager
def quiet_hf() -> Iterator[None]:
    """No diffusers/transformers progress bars or info/warning lines (e.g. "Loading weights" bars, "modules
    ... kept in float32: []") inside the block: they would break the CLI's own progress display. Errors
    still print; the previous verbosity and bar settings come back afterwards."""
    from diffusers.utils import logging as d_logging
    from transformers.utils import logging as t_logging

    saved = [(lib, lib.get_verbosity(), lib.is_progress_bar_enabled()) for lib in (d_logging, t_logging)]
    for lib, _, _ in saved:
        lib.set_verbosity_error()
        lib.disable_progress_bar()
    try:
        yield
    finally:
        for lib, verbosity, bars in saved:
            lib.set_verbosity(verbosity)
            if bars:
                lib.enable_progress_bar()


@dataclass
class SD2Components:
    unet: UNet2DConditionModel
    vae: AutoencoderKL
    text_encoder: CLIPTextModel
    tokenizer: CLIPTokenizer
    scheduler_config: dict[str, Any]
    folder: Path


def check_sd2_folder(folder: str | Path) -> Path:
    """Return the folder if it has every part in diffusers layout (any saved form: plain or sharded weights,
    `.fp16` variants, `tokenizer.json` or `vocab.json` + `merges.txt`), else raise one ModelLoadError
    listing everything that is missing (relative paths)."""
    root = Path(folder).expanduser()
    if root.is_file():
        raise ModelLoadError(
            f"--model {root} is a single file; MovieFactory needs a Stable Diffusion 2 folder in diffusers "
            "layout. Convert it once with diffusers: StableDiffusionPipeline.from_single_file(FILE, "
            "config=A_SD2_FOLDER_OR_HUB_ID).save_pretrained(OUT_DIR)"
        )
    if not root.is_dir():
        raise ModelLoadError(
            f"model folder {root} does not exist (expected a Stable Diffusion 2 folder in diffusers layout)"
        )
    missing: list[str] = []
    for sub in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        if not (root / sub).is_dir():
            missing.append(f"{sub}/")
    for sub, cfg, stems in _PARTS:
        if not (root / sub).is_dir():
            continue
        if not (root / sub / cfg).is_file():
            missing.append(f"{sub}/{cfg}")
        if _weights_variant(root / sub, stems) is False:
            missing.append(f"{sub}/{stems[0]}.safetensors")
    tok = root / "tokenizer"
    if tok.is_dir() and not (tok / "tokenizer.json").is_file():
        missing += [f"tokenizer/{n}" for n in ("vocab.json", "merges.txt") if not (tok / n).is_file()]
    if (root / "scheduler").is_dir() and not (root / "scheduler" / "scheduler_config.json").is_file():
        missing.append("scheduler/scheduler_config.json")
    if missing:
        raise ModelLoadError(f"model folder {root} is incomplete: missing {', '.join(missing)}")
    return root


def load_sd2_components(
    folder: str | Path, device: str | torch.device = "cpu", dtype: torch.dtype | None = None
) -> SD2Components:
    """Load UNet, VAE, text encoder, tokenizer and scheduler config from a local SD2 folder (no network).

    `dtype` applies to the UNet and text encoder; under float16 the VAE stays float32 (cheap insurance
    against fp16 overflow in the decoder; chunked decoding bounds its memory), bfloat16 is used as is.
    A part saved only as the fp16 variant loads from it (upcast to `dtype`).
    """
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    root = check_sd2_folder(folder)
    dtype = dtype or torch.float32
    vae_dtype = dtype if dtype in (torch.float32, torch.bfloat16) else torch.float32
    variant = {sub: _weights_variant(root / sub, stems) or None for sub, _, stems in _PARTS}
    try:
        with quiet_hf():
            unet = UNet2DConditionModel.from_pretrained(
                root / "unet", torch_dtype=dtype, local_files_only=True, variant=variant["unet"]
            )
            vae = AutoencoderKL.from_pretrained(
                root / "vae", torch_dtype=vae_dtype, local_files_only=True, variant=variant["vae"]
            )
            text_encoder = CLIPTextModel.from_pretrained(
                root / "text_encoder", dtype=dtype, local_files_only=True, variant=variant["text_encoder"]
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
