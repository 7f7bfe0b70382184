"""`--picture diffusers --model PATH [--adapters MOTION_ADAPTER]`: any local diffusers text-to-video folder.

The folder is loaded with `DiffusionPipeline.from_pretrained(path)` (its model_index.json names the class:
TextToVideoSDPipeline / ModelScope, AnimateDiffPipeline, CogVideoXPipeline, WanPipeline, LTXPipeline, ...).
AnimateDiff weights are usually published as a MotionAdapter folder alone: `--model` a Stable Diffusion
(1.5-family) folder plus `--adapters` the MotionAdapter folder are combined into an AnimateDiffPipeline.

Per family (FAMILIES) a scene maps to the pipeline's call at the family's native frame rate and size:
- frames: round(duration · fps), rounded up to the counts the family accepts (a·k + b), then trimmed;
  AnimateDiff scenes longer than its motion module's window run diffusers' FreeNoise context windows
  (`enable_free_noise`: overlapping 16-frame windows, stride 4, pyramid-weighted);
- size: the family's native frame (e.g. Wan 832x480; for UNet families the UNet's sample_size x the VAE
  factor from the folder's config) when it has one, else the style's size rounded up to the family's
  multiple; the clip is then centre-cropped to the style's aspect (2.35:1: the full width, the
  middle rows; nothing is letterboxed) and resized to the style's size, so compose gets the frame it expects;
- memory (CUDA): bf16 where supported; below the full-GPU need (the folders' weights in bf16, counted from
  their safetensors headers, + 25 % + 2 GiB; at least the family's figure) model CPU offload, and below half
  of it sequential offload; VAE slicing/tiling whenever offloading (`--offload` overrides the choice).
The pipeline's own scheduler is kept: video families pair with their own (often flow-matching) schedulers.

Image-to-video pipelines (Wan/CogVideoX/LTX `...ImageToVideoPipeline`, `LTXConditionPipeline`) start every scene
from an image: with `--continuity` > 0 the previous scene's last frame (saved as `last_frame.png` beside its
clip, at the generation size, before the crop), so the scene carries on without a cut; otherwise a key frame
drawn by `--image-model` (a diffusers text-to-image folder) from the scene's prompt. A character's reference
image is drawn once from its name, kind and description (`characters/<id>.png` in the movie folder) and every
key frame of a scene the character is in is drawn from it (image-to-image at KEYFRAME_STRENGTH), so the
character looks the same wherever a scene starts fresh.
"""

from __future__ import annotations

import inspect
import json
import math
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from moviefactory.errors import BackendError, ModelLoadError
from moviefactory.picture import Clip, PictureBackend, ProgressFn
from moviefactory.timing import frame_count

if TYPE_CHECKING:
    import numpy as np

    from moviefactory.config import Settings
    from moviefactory.spec import Movie, Scene

Offload = Literal["auto", "none", "model", "sequential"]


@dataclass(frozen=True)
class Family:
    """What a diffusers video family was trained on, and roughly what it needs."""

    prefix: str  # pipeline class-name prefix
    fps: int  # native frame rate
    frame_a: int  # accepted frame counts: frame_a·k + frame_b
    frame_b: int
    size_multiple: int  # width and height multiples
    native_size: tuple[int, int] | None = None  # (W, H) the model was trained at; None: any size
    native_frames: int | None = None  # frames per call it was trained on
    full_gpu_gb: float = 8.0  # GPU memory to hold the whole pipeline in bf16 (no offload), GiB, approximate


# first match wins; sizes and frame counts from the model cards of Wan 2.1 1.3B, LTX-Video, CogVideoX-2b,
# AnimateDiff (SD 1.5 motion adapters) and ModelScope text-to-video
FAMILIES: tuple[Family, ...] = (
    Family("CogVideoX", 8, 4, 1, 16, (720, 480), 49, 18.0),
    Family("Wan", 16, 4, 1, 16, (832, 480), 81, 20.0),
    Family("LTX", 24, 8, 1, 32, (704, 512), 121, 18.0),
    Family("AnimateDiff", 8, 1, 0, 8, (512, 512), 16, 8.0),
    Family("TextToVideoSD", 8, 1, 0, 8, None, 16, 8.0),  # ModelScope 256², zeroscope 576x320: style size
)
DEFAULT_FAMILY = Family("", 8, 1, 0, 8)
# how far a key frame may move from the character's reference image (img2img strength: 1 ignores it)
KEYFRAME_STRENGTH = 0.8
FREENOISE_STRIDE = 4  # frames between AnimateDiff context windows (FreeNoise's default)


def family_of(class_name: str) -> Family:
    for fam in FAMILIES:
        if class_name.startswith(fam.prefix):
            return fam
    return DEFAULT_FAMILY


def takes_image(class_name: str) -> bool:
    """Whether a pipeline class starts its video from an image (image-to-video / conditioned families)."""
    return "ImageToVideo" in class_name or "I2V" in class_name or class_name.startswith("LTXCondition")


def valid_frame_count(n: int, a: int, b: int) -> int:
    """Smallest count >= n of the form a·k + b (k >= 1)."""
    k = max(1, math.ceil((n - b) / a))
    return a * k + b


def choose_offload(
    family: Family, vram_gb: float | None, asked: Offload = "auto", need_gb: float | None = None
) -> str:
    """ "none", "model" or "sequential": what `asked` says, else by free GPU memory against the full-GPU
    need (`need_gb`, default the family's; no GPU: "none")."""
    if asked != "auto":
        return asked
    need = need_gb if need_gb is not None else family.full_gpu_gb
    if vram_gb is None or vram_gb >= need:
        return "none"
    return "model" if vram_gb >= need / 2 else "sequential"


_VARIANT_FILE = re.compile(r"\.(\w+)\.(safetensors|bin)$")  # model.fp16.safetensors, ...-of-00002.fp16.bin


def _parameters_in(path: Path) -> int:
    """Parameters in one weight file: from a safetensors header (no tensors read); a .bin counts as float32."""
    if path.suffix != ".safetensors":
        return path.stat().st_size // 4
    with path.open("rb") as fh:
        (size,) = struct.unpack("<Q", fh.read(8))
        header = json.loads(fh.read(size))
    return sum(math.prod(v["shape"]) for k, v in header.items() if k != "__metadata__")


def weights_gib(*folders: Path) -> float:
    """GiB the weights of pipeline folders (or single model folders) take in a 16-bit dtype: each component
    folder's full-precision files, else its variant files (never both), counted by parameters."""
    total = 0
    for folder in folders:
        for comp in [folder, *sorted(p for p in folder.iterdir() if p.is_dir())]:
            files = [f for f in comp.iterdir() if f.is_file() and f.suffix in (".safetensors", ".bin")]
            plain = [f for f in files if not _VARIANT_FILE.search(f.name)]
            total += sum(_parameters_in(f) for f in plain or files)
    return 2 * total / 2**30


def memory_need_gib(family: Family, weights: float) -> float:
    """Free GPU memory to hold a whole pipeline: its bf16 weights plus a quarter for activations and 2 GiB of
    workspace (Wan 2.1 1.3B: 14 GiB of weights -> 19.5), never below the family's table value, so a bigger
    model of a family (Wan 14B, CogVideoX 5B) is offloaded where its small sibling is not."""
    return max(family.full_gpu_gb, 1.25 * weights + 2.0)


def crop_box(src: tuple[int, int], aspect: float) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the largest centred crop of a (W, H) frame with width/height = aspect."""
    w, h = src
    if w / h > aspect:
        cw = round(h * aspect)
        return ((w - cw) // 2, 0, (w - cw) // 2 + cw, h)
    ch = round(w / aspect)
    return (0, (h - ch) // 2, w, (h - ch) // 2 + ch)


def _read_index(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"{path}: not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: expected a JSON object")
    return data


def is_motion_adapter(folder: Path) -> bool:
    cfg = folder / "config.json"
    return cfg.is_file() and _read_index(cfg).get("_class_name") == "MotionAdapter"


def check_pipeline_folder(folder: str | Path) -> tuple[Path, dict[str, Any]]:
    """The folder (a Hugging Face id resolves to its local cache snapshot) and its model_index.json, or one
    ModelLoadError naming every missing part."""
    from moviefactory.models.loading import local_model_path

    root = local_model_path(folder)
    if not root.is_dir():
        raise ModelLoadError(
            f"model folder {root} does not exist (expected a diffusers pipeline folder, or a Hugging Face id "
            "in the local cache)"
        )
    index_path = root / "model_index.json"
    if not index_path.is_file():
        if is_motion_adapter(root):
            raise ModelLoadError(
                f"{root} is an AnimateDiff MotionAdapter: give it as --adapters and a Stable Diffusion 1.5 "
                "folder as --model"
            )
        raise ModelLoadError(
            f"model folder {root} is missing model_index.json (not a diffusers pipeline folder)"
        )
    index = _read_index(index_path)
    missing = [
        f"{name}/"
        for name, spec in index.items()
        if not name.startswith("_")
        and isinstance(spec, list)
        and spec
        and spec[0] is not None
        and not (root / name).is_dir()
    ]
    if missing:
        raise ModelLoadError(f"model folder {root} is incomplete: missing {', '.join(missing)}")
    return root, index


def to_uint8_frames(frames: Any) -> np.ndarray:
    """A pipeline's `.frames` (np (B, F, H, W, 3) float in [0, 1], torch (B, F, 3, H, W), or nested lists of
    PIL images) -> the first video as (F, H, W, 3) uint8."""
    import numpy as np

    if isinstance(frames, list | tuple):
        first = frames[0]
        if isinstance(first, list | tuple):  # [[PIL, ...]]: one list per video
            return np.stack([np.asarray(im.convert("RGB")) for im in first])
        if hasattr(first, "convert"):  # [PIL, ...]: one video
            return np.stack([np.asarray(im.convert("RGB")) for im in frames])
        frames = np.asarray(first)[None]
    if hasattr(frames, "detach"):  # torch (B, F, C, H, W)
        frames = frames.detach().float().cpu().numpy().transpose(0, 1, 3, 4, 2)
    arr = np.asarray(frames)
    if arr.ndim == 5:
        arr = arr[0]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise BackendError(f"diffusers pipeline returned frames of shape {arr.shape}; expected (F, H, W, 3)")
    if arr.dtype != np.uint8:
        arr = (np.clip(arr.astype(np.float32), 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return arr


class DiffusersBackend(PictureBackend):
    """Any diffusers text-to-video folder (or SD folder + MotionAdapter); clips at the family's frame rate."""

    name: ClassVar[str] = "diffusers"
    version: ClassVar[str] = "2"  # 2: native sizes with a centre crop, FreeNoise windows for AnimateDiff

    parallel: ClassVar[bool] = False

    def __init__(
        self,
        model: Path,
        *,
        adapters: Path | None = None,
        steps: int = 30,
        guidance: float = 7.5,
        device: str | None = None,
        negative_prompt: str = "",
        offload: Offload = "auto",
        continuity: float = 0.0,
        image_model: Path | None = None,
    ) -> None:
        self.model, index = check_pipeline_folder(model)
        self.class_name = str(index.get("_class_name", ""))
        self.motion_adapter: Path | None = None
        if adapters is not None:
            from moviefactory.models.loading import local_model_path

            adapters = local_model_path(adapters)
            if not adapters.is_dir() or not is_motion_adapter(adapters):
                raise ModelLoadError(
                    f"--adapters {adapters}: not a MotionAdapter folder (config.json with _class_name "
                    "MotionAdapter); --picture diffusers takes only AnimateDiff motion adapters"
                )
            if self.class_name != "StableDiffusionPipeline":
                raise ModelLoadError(
                    f"a MotionAdapter combines with a StableDiffusionPipeline folder; {self.model} holds "
                    f"{self.class_name or 'no pipeline class'}"
                )
            self.motion_adapter = adapters
            self.class_name = "AnimateDiffPipeline"
        elif self.class_name in ("StableDiffusionPipeline", "StableDiffusionXLPipeline"):
            raise ModelLoadError(
                f"{self.model} is a text-to-image pipeline ({self.class_name}): add --adapters MOTION_ADAPTER "
                "(AnimateDiff) or use --picture moviefactory (the paper's model, SD 2)"
            )
        self.family = family_of(self.class_name)
        self.image_to_video = takes_image(self.class_name)
        self.image_model: Path | None = None
        if image_model is not None:
            self.image_model, image_index = check_pipeline_folder(image_model)
            image_class = str(image_index.get("_class_name", ""))
            if "Video" in image_class or is_motion_adapter(self.image_model):
                raise ModelLoadError(
                    f"--image-model {self.image_model} holds {image_class}; it must be a text-to-image pipeline "
                    "folder (e.g. StableDiffusionPipeline)"
                )
        if self.image_to_video and self.image_model is None:
            raise ModelLoadError(
                f"{self.class_name} starts every scene from an image: give --image-model DIR (a diffusers "
                "text-to-image folder) to draw the key frames of scenes that do not continue the previous one"
            )
        # continuity needs an image input; text-to-video families render every scene on its own
        self.continuity = continuity if self.image_to_video else 0.0
        self.image_pipe: Any = None
        self._last_frames: dict[str, Any] = {}  # scene id -> PIL image (generation size)
        self._references: dict[str, Any] = {}  # character id -> PIL reference image
        self._img2img: Any = None  # the image model as an image-to-image pipeline (shares its modules)
        self.fps = self.family.fps
        self.steps = steps
        self.guidance = guidance
        self.device = device
        self.negative_prompt = negative_prompt
        self.offload: Offload = offload
        self.memory: str = "none"  # the offload tier chosen in prepare()
        self.pipe: Any = None

    @classmethod
    def from_settings(cls, settings: Settings) -> DiffusersBackend:
        if settings.model is None:
            raise ModelLoadError(
                "--picture diffusers needs --model PATH: a local diffusers text-to-video pipeline folder"
            )
        return cls(
            settings.model,
            adapters=settings.adapters,
            steps=settings.steps,
            guidance=settings.guidance,
            device=settings.device,
            negative_prompt=settings.negative_prompt,
            offload=settings.offload,
            continuity=settings.continuity,
            image_model=settings.image_model,
        )

    def prepare(self, movie: Movie) -> None:
        if self.pipe is not None:
            return
        import torch
        from diffusers import DiffusionPipeline

        from moviefactory.models.loading import quiet_hf

        dev = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        dtype = torch.float32
        vram: float | None = None
        if dev.startswith("cuda"):
            dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
            vram = torch.cuda.mem_get_info(torch.device(dev))[0] / 2**30
        if dev.startswith("cuda"):
            folders = [p for p in (self.model, self.motion_adapter, self.image_model) if p is not None]
            need = memory_need_gib(self.family, weights_gib(*folders))
            self.memory = choose_offload(self.family, vram, self.offload, need)
        else:
            self.memory = "none"
        try:
            with quiet_hf():
                pipe = DiffusionPipeline.from_pretrained(self.model, torch_dtype=dtype, local_files_only=True)
                if self.motion_adapter is not None:
                    from diffusers import AnimateDiffPipeline, MotionAdapter

                    adapter = MotionAdapter.from_pretrained(
                        self.motion_adapter, torch_dtype=dtype, local_files_only=True
                    )
                    pipe = AnimateDiffPipeline.from_pipe(pipe, motion_adapter=adapter, torch_dtype=dtype)
                pipes = [pipe]
                if self.image_model is not None:
                    self.image_pipe = DiffusionPipeline.from_pretrained(
                        self.image_model, torch_dtype=dtype, local_files_only=True
                    )
                    pipes.append(self.image_pipe)
                for p in pipes:
                    if self.memory == "model":
                        p.enable_model_cpu_offload(device=dev)
                    elif self.memory == "sequential":
                        p.enable_sequential_cpu_offload(device=dev)
                    else:
                        p.to(dev)
                    p.set_progress_bar_config(disable=True)
        except (OSError, ValueError, KeyError, RuntimeError, AttributeError, TypeError) as exc:
            raise ModelLoadError(f"model folder {self.model}: {str(exc).splitlines()[0]}") from exc
        vae = getattr(pipe, "vae", None)
        if self.memory != "none" and vae is not None:  # decode in slices/tiles: the decoder's peak is the cap
            for switch in ("enable_slicing", "enable_tiling"):
                if hasattr(vae, switch):
                    getattr(vae, switch)()
        pipe.set_progress_bar_config(disable=True)
        self.pipe = pipe

    def identity(self) -> dict[str, Any]:
        """What the clips depend on; model folders by content (weights.weights_id), not by where they lie."""
        from moviefactory.weights import weights_id

        ident = {
            "backend": self.name,
            "version": self.version,
            "model_weights": weights_id(self.model),
            "motion_adapter_weights": None
            if self.motion_adapter is None
            else weights_id(self.motion_adapter),
            "class": self.class_name,
            "steps": self.steps,
            "guidance": self.guidance,
            "negative_prompt": self.negative_prompt,
        }
        if self.image_to_video:  # only image-to-video families use these (absent: keys of others unchanged)
            assert self.image_model is not None
            return {
                **ident,
                "continuity": self.continuity,
                "image_model_weights": weights_id(self.image_model),
                "keyframe_strength": KEYFRAME_STRENGTH,
            }
        return ident

    def _start_image(
        self, movie: Movie, scene: Scene, out: Path, size: tuple[int, int], prompt: str, warnings: list[str]
    ) -> Any:
        """The image a scene starts from (PIL, `size`): the previous scene's last frame when continuing (not
        across a hard cut), else a key frame drawn from the prompt, from the first of the scene's characters
        with a reference image."""
        from PIL import Image

        from moviefactory.workspace import Paths

        idx = [s.id for s in movie.scenes].index(scene.id)
        if self.continuity > 0 and idx > 0 and scene.transition_in.value != "cut":
            prev = movie.scenes[idx - 1].id
            image = self._last_frames.get(prev)
            saved = Paths.of_clip(out)[0].last_frame(prev)
            if image is None and saved.is_file():
                with Image.open(saved) as im:
                    image = im.convert("RGB")
            if image is not None:
                return image.resize(size, Image.Resampling.LANCZOS) if image.size != size else image
            warnings.append(f"diffusers: no last frame of scene {prev}; {scene.id} starts from a key frame")
        characters = {c.id: c for c in movie.characters}
        present = [characters[s] for s in scene.subjects if s in characters]
        reference = self._reference(movie, present[0], out) if present else None
        return self._draw(prompt, size, scene.seed, reference)

    def _draw(self, prompt: str, size: tuple[int, int], seed: int, reference: Any = None) -> Any:
        """One image from --image-model at `size` (rounded to multiples of 8); from `reference` by
        image-to-image at KEYFRAME_STRENGTH when given."""
        import torch
        from PIL import Image

        from moviefactory.models.loading import quiet_hf

        w, h = (8 * max(1, round(v / 8)) for v in size)
        kwargs: dict[str, Any] = {
            "prompt": prompt,
            "num_inference_steps": self.steps,
            "guidance_scale": self.guidance,
            "generator": torch.Generator("cpu").manual_seed(seed),
            "output_type": "pil",
        }
        if self.negative_prompt:
            kwargs["negative_prompt"] = self.negative_prompt
        if reference is None:
            pipe, kwargs = self.image_pipe, {**kwargs, "height": h, "width": w}
        else:
            if self._img2img is None:
                try:
                    with quiet_hf():  # its import warns about image processors SD does not use (torchvision)
                        from diffusers import AutoPipelineForImage2Image

                        self._img2img = AutoPipelineForImage2Image.from_pipe(self.image_pipe)
                except ValueError as exc:  # no image-to-image form of this class
                    raise BackendError(
                        f"--image-model {self.image_model}: no image-to-image pipeline for "
                        f"{type(self.image_pipe).__name__}, so character references cannot condition key frames"
                    ) from exc
                self._img2img.set_progress_bar_config(disable=True)
            start = reference.resize((w, h), Image.Resampling.LANCZOS)
            # img2img runs int(steps x strength) steps: at least one
            steps = max(self.steps, math.ceil(1 / KEYFRAME_STRENGTH))
            pipe = self._img2img
            kwargs = {**kwargs, "image": start, "strength": KEYFRAME_STRENGTH, "num_inference_steps": steps}
        params = inspect.signature(pipe.__call__).parameters  # e.g. no negative_prompt in some families
        with torch.inference_mode():
            image = pipe(**{k: v for k, v in kwargs.items() if k in params}).images[0]
        return image.convert("RGB").resize(size, Image.Resampling.LANCZOS) if image.size != size else image

    def _reference(self, movie: Movie, character: Any, out: Path) -> Any:
        """A character's reference image: drawn once (seeded by its id) and kept in the movie folder."""
        import zlib

        from PIL import Image

        from moviefactory.workspace import Paths, atomic_output

        if character.id in self._references:
            return self._references[character.id]
        path = Paths.of_clip(out)[0].character_image(character.id)
        if path.is_file():
            with Image.open(path) as im:
                image = im.convert("RGB")
        else:
            parts = [character.name, character.kind, character.description, movie.style.look]
            text = ", ".join(p for p in parts if p) + ", full body, plain background"
            unet = getattr(self.image_pipe, "unet", None)  # the image model's native square (SD 1.5: 512)
            side = int(getattr(getattr(unet, "config", None), "sample_size", 64)) * int(
                getattr(self.image_pipe, "vae_scale_factor", 8)
            )
            image = self._draw(text, (side, side), zlib.crc32(character.id.encode()))
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(path) as tmp:
                image.save(tmp, format="PNG")
        self._references[character.id] = image
        return image

    def generation_size(self, width: int, height: int) -> tuple[int, int]:
        """(W, H) to generate at: the frame the loaded model states in its config (a UNet's sample_size
        times the VAE factor: 512 for SD 1.5 + AnimateDiff), else the family's native frame, else the
        style's size rounded up to the family's multiple."""
        unet = getattr(self.pipe, "unet", None)
        sample = getattr(getattr(unet, "config", None), "sample_size", None)
        factor = getattr(self.pipe, "vae_scale_factor", None)
        if self.family.native_size is not None and isinstance(sample, int) and isinstance(factor, int):
            return sample * factor, sample * factor
        # transformer families that state it (CogVideoX: sample 90x60 latents x 8 = 720x480)
        tcfg = getattr(getattr(self.pipe, "transformer", None), "config", None)
        sw, sh = getattr(tcfg, "sample_width", None), getattr(tcfg, "sample_height", None)
        spatial = getattr(self.pipe, "vae_scale_factor_spatial", None)
        if self.family.native_size is not None and all(isinstance(v, int) for v in (sw, sh, spatial)):
            return sw * spatial, sh * spatial  # type: ignore[operator]
        if self.family.native_size is not None:
            return self.family.native_size
        m = self.family.size_multiple
        return m * math.ceil(width / m), m * math.ceil(height / m)

    def render(self, movie: Movie, scene: Scene, out: Path, progress: ProgressFn | None = None) -> Clip:
        import numpy as np
        import torch
        from PIL import Image

        from moviefactory.media import write_video

        self.prepare(movie)
        pipe = self.pipe
        fam = self.family
        w, h = movie.style.width, movie.style.height
        n = frame_count(scene.duration_s, self.fps)
        n_gen = valid_frame_count(n, fam.frame_a, fam.frame_b)
        gw, gh = self.generation_size(w, h)
        prompt = scene.prompt
        if movie.style.look and movie.style.look.lower() not in prompt.lower():
            prompt = f"{prompt}, {movie.style.look}"
        warnings: list[str] = []

        # long AnimateDiff scenes: FreeNoise context windows no longer than the motion module's positions
        if hasattr(pipe, "enable_free_noise"):
            unet_cfg = getattr(getattr(pipe, "unet", None), "config", {})
            max_seq = int(getattr(unet_cfg, "motion_max_seq_length", None) or 32)
            context = min(fam.native_frames or 16, max_seq)
            if n_gen > context:
                pipe.enable_free_noise(context_length=context, context_stride=min(FREENOISE_STRIDE, context))
                warnings.append(
                    f"diffusers: {n_gen} frames in FreeNoise context windows of {context} (stride "
                    f"{min(FREENOISE_STRIDE, context)})"
                )
            elif getattr(pipe, "free_noise_enabled", False):
                pipe.disable_free_noise()
        elif fam.native_frames is not None and n_gen > fam.native_frames:
            warnings.append(
                f"diffusers: {n_gen} frames exceed {self.class_name}'s trained {fam.native_frames}; "
                "quality may drop and memory grows with the frame count"
            )

        # map the scene onto whatever the pipeline's __call__ accepts
        params = inspect.signature(pipe.__call__).parameters
        kwargs: dict[str, Any] = {
            "prompt": prompt,
            "height": gh,
            "width": gw,
            "num_inference_steps": self.steps,
            "guidance_scale": self.guidance,
            "generator": torch.Generator("cpu").manual_seed(scene.seed),
            "output_type": "np",
        }
        if "num_frames" in params:
            kwargs["num_frames"] = n_gen
        elif "video_length" in params:
            kwargs["video_length"] = n_gen
        else:
            raise BackendError(
                f"{self.class_name} takes no num_frames argument: not a text-to-video pipeline"
            )
        if "negative_prompt" in params and self.negative_prompt:
            kwargs["negative_prompt"] = self.negative_prompt
        if self.image_to_video:
            if "image" not in params:
                raise BackendError(
                    f"{self.class_name} takes no image argument: not an image-to-video pipeline"
                )
            kwargs["image"] = self._start_image(movie, scene, out, (gw, gh), prompt, warnings)
        steps = self.steps
        if progress is not None and "callback_on_step_end" in params:

            def on_step_end(_pipe: Any, i: int, _t: Any, cb_kwargs: dict[str, Any]) -> dict[str, Any]:
                progress(min(i + 1, steps), steps)
                return cb_kwargs

            kwargs["callback_on_step_end"] = on_step_end
        elif progress is not None and "callback" in params:
            kwargs["callback"] = lambda i, _t, _lat: progress(min(i + 1, steps), steps)
            kwargs["callback_steps"] = 1
        kwargs = {k: v for k, v in kwargs.items() if k in params}

        with torch.inference_mode():
            result = pipe(**kwargs)
        frames = to_uint8_frames(result.frames)[:n]
        if self.image_to_video and frames.shape[0]:  # the next scene may start from this one's last frame
            from moviefactory.workspace import Paths, atomic_output

            last = Image.fromarray(frames[-1])
            self._last_frames[scene.id] = last
            paths, folder = Paths.of_clip(out)  # beside the clip (a Ray task's clip is in a temporary folder)
            with atomic_output(paths.last_frame(folder)) as tmp:
                last.save(tmp, format="PNG")
        if frames.shape[0] < n:
            raise BackendError(f"{self.class_name} returned {frames.shape[0]} frames; {n} were asked for")
        fh, fw = frames.shape[1:3]
        if (fh, fw) != (h, w):
            box = crop_box((fw, fh), w / h)
            warnings.append(
                f"diffusers: generated at {fw}x{fh}, centre-cropped to {box[2] - box[0]}x{box[3] - box[1]} "
                f"({w}:{h}) and resized to {w}x{h}"
            )
            frames = np.stack(
                [
                    np.asarray(Image.fromarray(f).crop(box).resize((w, h), Image.Resampling.LANCZOS))
                    for f in frames
                ]
            )
        write_video(frames, out, fps=self.fps, size=(w, h))
        return Clip(
            path=out,
            width=w,
            height=h,
            fps=float(self.fps),
            num_frames=n,
            backend=self.name,
            warnings=warnings,
        )
