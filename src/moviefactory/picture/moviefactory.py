"""The paper's picture backend: SD2 text encoder + MovieFactoryUNet + a diffusers scheduler + VAE.

`MovieFactoryPipeline` is the sampler (usable on its own); `MovieFactoryBackend` adapts it to the picture
stage's PictureBackend protocol: one scene -> one MP4 at the model's native frame rate (its config's `fps`:
the rate its temporal layers trained at, 8 in the paper; the pipeline later interpolates to the output fps).

Scenes longer than the model's window (its training clip length) are denoised as one latent video in
overlapping windows (FreeNoise / MultiDiffusion style): every step runs the UNet on each window and blends
the overlapping predictions with pyramid weights, and the initial noise of frames past the first window
repeats the first window's noise in shuffled blocks (FreeNoise's noise rescheduling), so content stays
coherent across the whole scene.

Sampling follows the diffusers text-to-image recipe: classifier-free guidance with one batched UNet call per
step, `scheduler.scale_model_input` / `scheduler.step` so each scheduler's own prediction type (epsilon for
SD2-base, v_prediction for SD2-768) and noise scaling are honoured, and every random draw comes from one
seeded CPU generator so a seed gives the same video on any device.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.picture import Clip, PictureBackend, ProgressFn
from moviefactory.timing import frame_count

if TYPE_CHECKING:
    import numpy as np
    import torch

    from moviefactory.config import Settings
    from moviefactory.models.unet import MovieFactoryUNet
    from moviefactory.spec import Movie, Scene

# scheduler name -> (diffusers class, extra config)
SCHEDULERS: dict[str, tuple[str, dict[str, Any]]] = {
    "ddim": ("DDIMScheduler", {}),
    "dpm++": ("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++", "solver_order": 2}),
    "euler": ("EulerDiscreteScheduler", {}),
}


def context_windows(num_frames: int, window: int, overlap: int) -> list[int]:
    """Start frames of the windows covering 0..num_frames-1: stride window - overlap, the last window
    flush with the end. One window when the clip fits."""
    if num_frames <= window:
        return [0]
    if not 0 <= overlap < window:
        raise InputError(f"overlap must be in [0, window), got {overlap} for window {window}")
    starts = list(range(0, num_frames - window + 1, window - overlap))
    if starts[-1] != num_frames - window:
        starts.append(num_frames - window)
    return starts


def default_overlap(window: int) -> int:
    """A quarter of the window (FreeNoise's 16/4), at least one frame so windows always couple."""
    return max(1, window // 4) if window > 1 else 0


def make_scheduler(name: str, config: dict[str, Any]) -> Any:
    """A fresh diffusers scheduler by our name, from the model folder's scheduler config (which carries the
    beta schedule and prediction_type)."""
    import diffusers

    if name not in SCHEDULERS:
        raise InputError(f"scheduler must be one of {', '.join(SCHEDULERS)}, got {name!r}")
    cls_name, extra = SCHEDULERS[name]
    cls = getattr(diffusers, cls_name)
    return cls.from_config({k: v for k, v in config.items() if not k.startswith("_")}, **extra)


@dataclass
class VideoResult:
    frames: np.ndarray  # (F, H, W, 3) uint8 RGB
    latents: torch.Tensor  # (1, C, F, h, w) float32 on CPU, unscaled (as the UNet sees them)
    domain: str
    warnings: list[str] = field(default_factory=list)


class MovieFactoryPipeline:
    """Text -> video latents -> frames with a MovieFactoryUNet."""

    def __init__(
        self,
        unet: MovieFactoryUNet,
        vae: Any,
        text_encoder: Any,
        tokenizer: Any,
        scheduler_config: dict[str, Any],
    ) -> None:
        self.unet = unet
        self.vae = vae
        self.text_encoder = text_encoder
        self.tokenizer = tokenizer
        self.scheduler_config = dict(scheduler_config)
        self.vae_scale_factor = 2 ** (len(vae.config.block_out_channels) - 1)

    @classmethod
    def from_folder(
        cls,
        model: str | Path,
        adapters: str | Path | None = None,
        *,
        device: str | torch.device | None = None,
        dtype: torch.dtype | None = None,
        sd_config: str | Path | None = None,
    ) -> MovieFactoryPipeline:
        """Load an SD2 folder and (optionally) saved adapters. Without adapters the new modules are at their
        zero initialisation: the model then is the SD2 image model applied frame by frame."""
        import torch

        from moviefactory.models.loading import load_sd2_components
        from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet

        dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if dtype is None:
            dtype = torch.float32
            if dev.type == "cuda":
                dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        comps = load_sd2_components(model, dev, dtype, sd_config)
        if adapters is not None:
            unet = MovieFactoryUNet.from_pretrained(adapters, comps.unet)
        else:
            unet = MovieFactoryUNet.from_base(comps.unet, MovieFactoryConfig(base=str(model)))
        unet.eval()
        return cls(unet, comps.vae, comps.text_encoder, comps.tokenizer, comps.scheduler_config)

    @property
    def device(self) -> torch.device:
        return self.unet.device

    def encode_prompt(self, prompt: str, negative_prompt: str, guidance: float) -> torch.Tensor:
        """(2, L, D) [negative, prompt] under guidance > 1, else (1, L, D); the text encoder's last hidden
        state, as Stable Diffusion 2 conditions on it."""
        import torch

        texts = [negative_prompt, prompt] if guidance > 1.0 else [prompt]
        ids = self.tokenizer(
            texts,
            padding="max_length",
            max_length=self.tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        ).input_ids
        with torch.inference_mode():
            embeds: torch.Tensor = self.text_encoder(ids.to(self.text_encoder.device))[0]
        return embeds.to(self.unet.dtype)

    def __call__(
        self,
        prompt: str,
        *,
        negative_prompt: str = "",
        num_frames: int = 16,
        window: int | None = None,
        overlap: int | None = None,
        shuffle_noise: bool = True,
        height: int = 320,
        width: int = 768,
        steps: int = 30,
        guidance: float = 7.5,
        scheduler: str = "dpm++",
        domain: str | None = None,
        seed: int = 0,
        init_latent: torch.Tensor | None = None,
        strength: float = 1.0,
        decode_chunk: int = 8,
        progress: ProgressFn | None = None,
    ) -> VideoResult:
        """Sample one video of `num_frames` frames. `window` (default: the model's) frames are denoised
        together; longer videos use overlapping windows (`overlap`, default a quarter) blended every step,
        with FreeNoise noise rescheduling unless `shuffle_noise` is False. `init_latent` (1, C, h, w) starts
        every frame from that latent re-noised to `strength` (continuity from a previous scene)."""
        import numpy as np
        import torch

        # 1. check inputs
        f = self.vae_scale_factor
        if height % f or width % f:
            raise InputError(f"height and width must be multiples of {f}, got {width}x{height}")
        if num_frames < 1 or steps < 1 or decode_chunk < 1:
            raise InputError(
                f"num_frames, steps and decode_chunk must be >= 1, got {num_frames}, {steps}, {decode_chunk}"
            )
        if not 0.0 < strength <= 1.0:
            raise InputError(f"strength must be in (0, 1], got {strength}")
        unet = self.unet
        window = window or unet.config.window()
        overlap = default_overlap(window) if overlap is None else overlap
        starts = context_windows(num_frames, window, overlap)
        domain = domain or unet.config.default_domain()
        domain_id = unet.domain_index(domain)
        dev, dtype = unet.device, unet.dtype
        cfg = guidance > 1.0

        # 2. text
        embeds = self.encode_prompt(prompt, negative_prompt, guidance)  # (1 or 2, L, D)

        # 3. scheduler and timesteps
        sched = make_scheduler(scheduler, self.scheduler_config)
        sched.set_timesteps(steps, device=dev)
        timesteps = sched.timesteps

        # 4. latents: noise from one seeded CPU generator (device-independent), optionally from an init latent
        gen = torch.Generator("cpu").manual_seed(seed)
        c = unet.base.config.in_channels
        shape = (1, c, num_frames, height // f, width // f)
        noise = torch.randn(shape, generator=gen, dtype=torch.float32)
        if shuffle_noise and len(starts) > 1:
            # FreeNoise: frames past the first window reuse earlier noise frames in shuffled blocks
            stride = window - overlap if window > overlap else 1
            for i in range(window, num_frames, stride):
                lo = max(0, i - window)
                src = torch.arange(lo, lo + stride)[torch.randperm(stride, generator=gen)]
                n_i = min(stride, num_frames - i)
                noise[:, :, i : i + n_i] = noise[:, :, src[:n_i]]
        noise = noise.to(dev)
        if init_latent is None:
            latents = noise * sched.init_noise_sigma
        else:
            if init_latent.shape != (1, c, shape[3], shape[4]):
                raise InputError(
                    f"init_latent must be (1, {c}, {shape[3]}, {shape[4]}), got {tuple(init_latent.shape)}"
                )
            skip = steps - min(max(1, round(steps * strength)), steps)
            timesteps = timesteps[skip * sched.order :]
            if hasattr(sched, "set_begin_index"):
                sched.set_begin_index(skip * sched.order)
            init = init_latent.to(dev, torch.float32)[:, :, None].expand(shape)  # same frame at every F
            latents = sched.add_noise(init, noise, timesteps[:1])
        latents = latents.to(dtype)

        # 5. denoise: per window one batched (CFG) UNet call; overlapping predictions blended with pyramid
        #    weights (frame j of a window weighs min(j + 1, window - j)), normalised per frame
        ids = torch.full((embeds.shape[0],), domain_id, dtype=torch.long, device=dev)
        span = min(window, num_frames)
        ramp = torch.arange(span, device=dev, dtype=torch.float32)
        weight = torch.minimum(ramp + 1, span - ramp)[None, None, :, None, None]  # (1, 1, span, 1, 1)
        total_w = torch.zeros((1, 1, num_frames, 1, 1), device=dev)
        for s0 in starts:
            total_w[:, :, s0 : s0 + span] += weight
        with torch.inference_mode():
            for i, t in enumerate(timesteps):
                pred: torch.Tensor | None = None
                for s0 in starts:
                    lat = latents[:, :, s0 : s0 + span]
                    inp = torch.cat([lat] * 2) if cfg else lat
                    inp = sched.scale_model_input(inp, t)
                    p = unet(inp, t, embeds, ids).float()
                    if cfg:
                        uncond, cond = p.chunk(2)
                        p = uncond + guidance * (cond - uncond)
                    if len(starts) == 1:  # the whole clip in one window: no blending buffer
                        pred = p
                        break
                    if pred is None:
                        pred = torch.zeros(shape, device=dev, dtype=torch.float32)
                    pred[:, :, s0 : s0 + span] += p * weight
                assert pred is not None
                if len(starts) > 1:
                    pred = pred / total_w
                latents = sched.step(pred.to(latents.dtype), t, latents, return_dict=False)[0]
                if progress is not None:
                    progress(i + 1, len(timesteps))

            # 6. decode frame chunks: (F, C, h, w) latents -> (F, H, W, 3) uint8
            lat = latents[0].permute(1, 0, 2, 3) / self.vae.config.scaling_factor
            frames = []
            for k in range(0, num_frames, decode_chunk):
                img = self.vae.decode(
                    lat[k : k + decode_chunk].to(self.vae.dtype)
                ).sample  # (n, 3, H, W) in [-1, 1]
                img = ((img.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
                frames.append(img.permute(0, 2, 3, 1).cpu().numpy())
        return VideoResult(np.concatenate(frames), latents.float().cpu(), domain)


class MovieFactoryBackend(PictureBackend):
    """`--picture moviefactory --model SD2_FOLDER [--adapters DIR]`: the paper's video model, 8 fps clips."""

    name: ClassVar[str] = "moviefactory"
    version: ClassVar[str] = "2"  # 2: overlapping windows, temporal transformer layout
    parallel: ClassVar[bool] = False

    def __init__(
        self,
        model: Path,
        adapters: Path | None = None,
        *,
        steps: int = 30,
        guidance: float = 7.5,
        scheduler: str = "dpm++",
        domain: str | None = None,
        device: str | None = None,
        continuity: float = 0.0,
        negative_prompt: str = "",
        sd_config: Path | None = None,
    ) -> None:
        from moviefactory.models.loading import check_sd2_folder

        if scheduler not in SCHEDULERS:
            raise InputError(f"scheduler must be one of {', '.join(SCHEDULERS)}, got {scheduler!r}")
        if not 0.0 <= continuity < 1.0:
            raise InputError(f"continuity must be in [0, 1), got {continuity}")
        self.model = check_sd2_folder(model, sd_config)  # a folder, or a single-file checkpoint
        self.sd_config = sd_config
        self.adapters = Path(adapters).expanduser() if adapters is not None else None
        if self.adapters is not None:
            for part in ("config.json", "adapters.safetensors"):
                if not (self.adapters / part).is_file():
                    raise ModelLoadError(f"adapters folder {self.adapters} is missing {part}")
        self.steps = steps
        self.guidance = guidance
        self.scheduler = scheduler
        self.domain = domain
        self.device = device
        self.continuity = continuity  # 0: scenes start from pure noise; s > 0: from the previous scene's
        self.negative_prompt = negative_prompt  # last-frame latent re-noised to strength 1 - s
        self.pipe: MovieFactoryPipeline | None = None
        self._last_latents: dict[str, torch.Tensor] = {}  # scene id -> (1, C, h, w) last-frame latent

    @classmethod
    def from_settings(cls, settings: Settings) -> MovieFactoryBackend:
        if settings.model is None:
            raise ModelLoadError(
                "--picture moviefactory needs --model PATH: a Stable Diffusion 2 folder in diffusers layout "
                "(unet/, vae/, text_encoder/, tokenizer/, scheduler/)"
            )
        return cls(
            settings.model,
            settings.adapters,
            steps=settings.steps,
            guidance=settings.guidance,
            scheduler=settings.scheduler,
            domain=settings.domain,
            device=settings.device,
            continuity=settings.continuity,
            negative_prompt=settings.negative_prompt,
            sd_config=settings.sd_config,
        )

    def prepare(self, movie: Movie) -> None:
        if self.pipe is None:
            self.pipe = MovieFactoryPipeline.from_folder(
                self.model, self.adapters, device=self.device, sd_config=self.sd_config
            )
            if self.domain is not None:
                self.pipe.unet.domain_index(self.domain)  # unknown domain: fail before any scene renders

    def identity(self) -> dict[str, Any]:
        """What the clips depend on. Models by content (weights.weights_id: a digest cached by path, size and
        mtime), not by where they lie: a moved model reuses its clips, new weights at the same path do not."""
        from moviefactory.weights import weights_id

        ident: dict[str, Any] = {
            "backend": self.name,
            "version": self.version,
            "model_weights": weights_id(self.model),
            "steps": self.steps,
            "guidance": self.guidance,
            "scheduler": self.scheduler,
            "domain": self.domain,
            "continuity": self.continuity,
            "negative_prompt": self.negative_prompt,
            "adapters_weights": None if self.adapters is None else weights_id(self.adapters),
        }
        if self.model.is_file():  # a single file's configs (prediction type, tokenizer) come from elsewhere
            from moviefactory.models.loading import single_file_config

            ident["sd_config"] = weights_id(single_file_config(self.model, self.sd_config))
        return ident

    def render(self, movie: Movie, scene: Scene, out: Path, progress: ProgressFn | None = None) -> Clip:
        import numpy as np
        import torch

        from moviefactory.media import write_video
        from moviefactory.workspace import Paths, atomic_output

        self.prepare(movie)
        assert self.pipe is not None
        pipe = self.pipe
        w, h = movie.style.width, movie.style.height
        fps = pipe.unet.config.fps
        n = frame_count(scene.duration_s, fps)
        window = pipe.unet.config.window()
        prompt = scene.prompt
        look = movie.style.look
        if look and look.lower() not in prompt.lower():
            prompt = f"{prompt}, {look}"
        warnings: list[str] = []
        if self.adapters is None:
            warnings.append(
                "moviefactory: no --adapters given, so the adapters and temporal layers are at their zero "
                "initialisation: this is the SD2 image model applied frame by frame (no trained motion)"
            )
        domain = self.domain or pipe.unet.config.default_domain()
        trained = pipe.unet.config.trained_domains
        if self.adapters is not None and trained and domain not in trained:
            warnings.append(
                f"moviefactory: domain {domain!r} was not trained (trained: {', '.join(trained)})"
            )

        # continuity: start from the previous scene's last-frame latent (not across a hard cut)
        init: torch.Tensor | None = None
        idx = [s.id for s in movie.scenes].index(scene.id)
        if self.continuity > 0 and idx > 0 and scene.transition_in.value != "cut":
            prev = movie.scenes[idx - 1].id
            init = self._last_latents.get(prev)
            if init is None:
                saved = Paths.of_clip(out)[0].last_latent(prev)
                if saved.is_file():
                    init = torch.from_numpy(np.load(saved))
            if init is None:
                warnings.append(
                    f"moviefactory: no latent of scene {prev} in this run; {scene.id} starts from noise"
                )

        starts = context_windows(n, window, default_overlap(window))
        if len(starts) > 1:
            warnings.append(
                f"moviefactory: {n} frames exceed the model's {window}-frame window; denoised together in "
                f"{len(starts)} overlapping windows (overlap {default_overlap(window)}), blended every step"
            )

        def report(done: int, total: int) -> None:
            if progress is not None:
                progress(done, total)

        res = pipe(
            prompt,
            negative_prompt=self.negative_prompt,
            num_frames=n,
            window=window,
            height=h,
            width=w,
            steps=self.steps,
            guidance=self.guidance,
            scheduler=self.scheduler,
            domain=domain,
            seed=scene.seed % 2**63,
            init_latent=init,
            strength=(1.0 - self.continuity) if init is not None else 1.0,
            progress=report,
        )
        frames = res.frames
        last = res.latents[:, :, -1].contiguous()  # (1, C, h, w)
        self._last_latents[scene.id] = last
        if self.continuity > 0:
            paths, folder_id = Paths.of_clip(
                out
            )  # beside the clip (a Ray task's clip is in a temporary folder)
            with atomic_output(paths.last_latent(folder_id)) as tmp, open(tmp, "wb") as fh:
                np.save(fh, last.numpy())
        write_video(frames, out, fps=fps, size=(w, h))
        return Clip(path=out, width=w, height=h, fps=fps, num_frames=n, backend=self.name, warnings=warnings)
