"""Load the parts of a local Stable Diffusion 2 folder (diffusers layout) for the video model.

    <folder>/unet/         config.json + diffusion_pytorch_model.safetensors (or .bin, sharded, .fp16.)
    <folder>/vae/          config.json + weights
    <folder>/text_encoder/ config.json + model.safetensors (or pytorch_model.bin)
    <folder>/tokenizer/    tokenizer.json, or vocab.json + merges.txt (+ tokenizer_config.json)
    <folder>/scheduler/    scheduler_config.json

A single-file checkpoint in the original layout (`v2-1_768-ema-pruned.safetensors`, `.ckpt`) loads through
diffusers' `from_single_file`; its configs and tokenizer, which such a file does not hold, come from a diffusers
SD 2 folder (`--sd-config DIR`: only its .json/.txt files are read) or from the Hugging Face cache's
stabilityai/stable-diffusion-2-1 (768, v) or -2-1-base (512, epsilon), chosen by the file's name.

Everything is checked before anything heavy loads, and one ModelLoadError names every missing part.
"""

from __future__ import annotations

import contextlib
import json
import re
import warnings
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
    """No diffusers/transformers progress bars, info/warning lines or torch_dtype deprecation warnings (e.g.
    "Loading weights" bars, "modules ... kept in float32: []") inside the block: they would break the CLI's
    own progress display. Errors still print; the previous verbosity and bar settings come back afterwards."""
    from diffusers.utils import logging as d_logging
    from transformers.utils import logging as t_logging

    saved = [(lib, lib.get_verbosity(), lib.is_progress_bar_enabled()) for lib in (d_logging, t_logging)]
    for lib, _, _ in saved:
        lib.set_verbosity_error()
        lib.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            # newer diffusers rename torch_dtype to dtype; torch_dtype stays for the older ones we allow
            warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
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


SINGLE_FILE_SUFFIXES = (".safetensors", ".ckpt")
# the diffusers folders whose configs and tokenizer fit the published SD 2.x single files
HUB_CONFIGS = {"v": "stabilityai/stable-diffusion-2-1", "epsilon": "stabilityai/stable-diffusion-2-1-base"}


def _missing_parts(root: Path, *, weights: bool) -> list[str]:
    """Relative paths of the parts `root` lacks (weights too when `weights`)."""
    missing: list[str] = []
    for sub in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        if not (root / sub).is_dir():
            missing.append(f"{sub}/")
    for sub, cfg, stems in _PARTS:
        if not (root / sub).is_dir():
            continue
        if not (root / sub / cfg).is_file():
            missing.append(f"{sub}/{cfg}")
        if weights and _weights_variant(root / sub, stems) is False:
            missing.append(f"{sub}/{stems[0]}.safetensors")
    tok = root / "tokenizer"
    if tok.is_dir() and not (tok / "tokenizer.json").is_file():
        missing += [f"tokenizer/{n}" for n in ("vocab.json", "merges.txt") if not (tok / n).is_file()]
    if (root / "scheduler").is_dir() and not (root / "scheduler" / "scheduler_config.json").is_file():
        missing.append("scheduler/scheduler_config.json")
    return missing


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")  # "owner/name", as Hugging Face names repositories


def local_model_path(model: str | Path) -> Path:
    """`model` as a local path: itself when it exists; a Hugging Face id ("stabilityai/stable-diffusion-2-1")
    that is no local path: its snapshot in the local Hugging Face cache when it is there (nothing is
    downloaded); else the path unchanged, for the caller to report."""
    path = Path(model).expanduser()
    if path.exists() or not _HUB_ID.match(str(model)):
        return path
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(str(model), local_files_only=True))
    except (LocalEntryNotFoundError, HFValidationError, OSError):
        return path


def check_sd2_folder(folder: str | Path, sd_config: str | Path | None = None) -> Path:
    """Return the model path if it is usable, else raise one ModelLoadError naming what is wrong.

    A folder must have every part in diffusers layout (any saved form: plain or sharded weights, `.fp16`
    variants, `tokenizer.json` or `vocab.json` + `merges.txt`); a single file must be an SD 2 checkpoint in
    the original layout with a config source that fits it (`single_file_config`). Cheap: reads headers only.
    """
    root = local_model_path(folder)
    if root.is_file():
        single_file_config(root, sd_config)
        return root
    if not root.is_dir():
        raise ModelLoadError(
            f"model folder {root} does not exist (expected a Stable Diffusion 2 folder in diffusers layout, "
            f"a single-file checkpoint ({', '.join(SINGLE_FILE_SUFFIXES)}), or a Hugging Face id in the local "
            "cache)"
        )
    missing = _missing_parts(root, weights=True)
    if missing:
        raise ModelLoadError(f"model folder {root} is incomplete: missing {', '.join(missing)}")
    return root


def _checkpoint_keys(path: Path) -> dict[str, tuple[int, ...]] | None:
    """Tensor names and shapes of a .safetensors file from its header (no weights read); None for .ckpt
    (a pickle: reading its names means loading it)."""
    if path.suffix != ".safetensors":
        return None
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as fh:
            return {k: tuple(fh.get_slice(k).get_shape()) for k in fh.keys()}  # noqa: SIM118
    except Exception as exc:  # safetensors raises its own error types for a corrupt header
        raise ModelLoadError(f"--model {path}: not a readable safetensors file ({exc})") from exc


def single_file_config(path: str | Path, sd_config: str | Path | None = None) -> Path:
    """The diffusers folder whose configs and tokenizer go with the single-file checkpoint `path`:
    `sd_config` (a folder, or a Hugging Face id in the local cache), else the cached SD 2.1 folder that the
    file's name points to ("768" -> v-prediction, "512"/"base" -> epsilon). Checks that the file is an SD 2
    checkpoint (OpenCLIP text encoder, cross-attention as wide as the config's) where its header says so."""
    file = Path(path).expanduser()
    if file.suffix not in SINGLE_FILE_SUFFIXES:
        raise ModelLoadError(
            f"--model {file} is a file but not a checkpoint ({', '.join(SINGLE_FILE_SUFFIXES)}); give a Stable "
            "Diffusion 2 folder in diffusers layout or a single-file checkpoint"
        )
    keys = _checkpoint_keys(file)
    if keys is not None:
        if not any(k.startswith("model.diffusion_model.") for k in keys):
            raise ModelLoadError(
                f"--model {file}: no model.diffusion_model.* weights (not a Stable Diffusion checkpoint)"
            )
        if not any(k.startswith("cond_stage_model.model.") for k in keys):
            family = "SDXL" if any(k.startswith("conditioner.") for k in keys) else "SD 1.x or other"
            raise ModelLoadError(
                f"--model {file}: a {family} checkpoint (no OpenCLIP text encoder, cond_stage_model.model.*); "
                "MovieFactory's video model is built on Stable Diffusion 2"
            )
    if sd_config is not None:
        source = Path(sd_config).expanduser()
        config = source if source.is_dir() else _cached_hub_folder(str(sd_config), file)
    else:
        name = file.name.lower()
        kind = "v" if "768" in name else "epsilon" if re.search(r"512|base", name) else None
        if kind is None:
            raise ModelLoadError(
                f"--model {file}: a single-file checkpoint holds no configs or tokenizer, and its name does not say "
                "which SD 2 it is (768 = v-prediction, 512/base = epsilon); give --sd-config DIR, a Stable "
                "Diffusion 2 folder in diffusers layout of the same kind (only its configs and tokenizer are read)"
            )
        config = _cached_hub_folder(HUB_CONFIGS[kind], file)
    missing = _missing_parts(config, weights=False)
    if not (config / "model_index.json").is_file():
        missing.insert(0, "model_index.json")
    if missing:
        raise ModelLoadError(
            f"--sd-config {config} (configs for --model {file.name}) is incomplete: missing {', '.join(missing)}"
        )
    if keys is not None:
        cross = next(
            (
                s[-1]
                for k, s in keys.items()
                if k.startswith("model.diffusion_model.") and k.endswith("attn2.to_k.weight")
            ),
            None,
        )
        want = _read_json(config / "unet" / "config.json").get("cross_attention_dim")
        if cross is not None and want is not None and int(cross) != int(want):
            raise ModelLoadError(
                f"--model {file}: its cross-attention width is {cross}, the configs in {config} say {want}; "
                "give --sd-config a folder of the same model"
            )
    return config


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{path}: not valid JSON ({exc.msg})") from exc
    return data if isinstance(data, dict) else {}


def _cached_hub_folder(repo_id: str, file: Path) -> Path:
    """The local Hugging Face cache snapshot of `repo_id` (configs and tokenizer only; nothing downloaded)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True, allow_patterns=["*.json", "*.txt"]))
    except (LocalEntryNotFoundError, HFValidationError, OSError) as exc:
        raise ModelLoadError(
            f"--model {file} is a single-file checkpoint: its configs and tokenizer come from {repo_id}, which "
            f"is not in the Hugging Face cache; give --sd-config DIR (a Stable Diffusion 2 folder in diffusers "
            f"layout, only its configs and tokenizer are read) or fetch them once: huggingface-cli download "
            f"{repo_id} --include '*.json' '*.txt'"
        ) from exc


def load_sd2_components(
    folder: str | Path,
    device: str | torch.device = "cpu",
    dtype: torch.dtype | None = None,
    sd_config: str | Path | None = None,
) -> SD2Components:
    """Load UNet, VAE, text encoder, tokenizer and scheduler config from a local SD2 folder or single-file
    checkpoint (no network; `sd_config`: see `single_file_config`).

    `dtype` applies to the UNet and text encoder; under float16 the VAE stays float32 (cheap insurance
    against fp16 overflow in the decoder; chunked decoding bounds its memory), bfloat16 is used as is.
    A part saved only as the fp16 variant loads from it (upcast to `dtype`).
    """
    import torch
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    root = check_sd2_folder(folder, sd_config)
    dtype = dtype or torch.float32
    vae_dtype = dtype if dtype in (torch.float32, torch.bfloat16) else torch.float32
    if root.is_file():
        return _load_single_file(root, single_file_config(root, sd_config), device, dtype, vae_dtype)
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


def _load_single_file(
    file: Path, config: Path, device: str | torch.device, dtype: torch.dtype, vae_dtype: torch.dtype
) -> SD2Components:
    """The parts of a single-file checkpoint, converted by diffusers' `from_single_file` with `config`'s
    configs, tokenizer and scheduler (whose prediction_type decides epsilon or v)."""
    try:
        with quiet_hf():
            # importing the pipeline warns about image processors (torchvision) that SD 2 does not use
            from diffusers import StableDiffusionPipeline

            pipe: Any = StableDiffusionPipeline.from_single_file(
                str(file),
                config=str(config),
                torch_dtype=dtype,
                local_files_only=True,
                safety_checker=None,
                feature_extractor=None,
                requires_safety_checker=False,
            )
    except (OSError, ValueError, KeyError, RuntimeError, TypeError) as exc:
        raise ModelLoadError(f"--model {file}: {str(exc).splitlines()[0]}") from exc
    with quiet_hf():  # casting warns "modules ... kept in float32: []" for SD 2's VAE, which has none
        pipe.vae.to(vae_dtype)
    for m in (pipe.unet, pipe.vae, pipe.text_encoder):
        m.requires_grad_(False)
        m.eval()
        m.to(device)
    scheduler_config = {k: v for k, v in dict(pipe.scheduler.config).items() if not k.startswith("_")}
    return SD2Components(pipe.unet, pipe.vae, pipe.text_encoder, pipe.tokenizer, scheduler_config, file)
