"""The one training loop the three stages share (paper 2.2), on accelerate.

A stage (StageSpec) says what trains (`MovieFactoryUNet.set_trainable`), how samples are cut (independent
frames folded into images for stage 1, F-frame clips at `fps` for stages 2 and 3) and which domain its data
defaults to. Everything else is common: latent-diffusion objective (VAE latents x scaling factor, DDPM noise
from the folder's scheduler config, epsilon or v target, MSE), mixed precision with the frozen base in the
low-precision dtype and every new module in float32, gradient accumulation, optional EMA, checkpoints as
accelerate state (+ our step counter and skip log) that a resumed run continues bit for bit.

Output folder:
    train_config.json                 the TrainConfig of the first run
    log.jsonl                         one line per optimizer step: step, loss, lr, it_s, eta_s, peak_mem_mb
    samples/step-00000500/<domain>.mp4  validation clips (with --validate-every)
    checkpoints/step-00000500/        accelerate state: adapters/ (new modules, safetensors), optimizer,
                                      scheduler, RNG states, custom_checkpoint_*.pkl (step counter, EMA)
    adapters/                         the final new modules (EMA weights when --ema), loadable with
                                      MovieFactoryUNet.from_pretrained(dir, base_unet)
    adapters-no-ema/                  the raw weights, only with --ema
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from moviefactory.errors import InputError
from moviefactory.training.data import DataSource, MicroBatches, SkipLog, VideoDataset, collate

if TYPE_CHECKING:
    import torch

    from moviefactory.models.unet import MovieFactoryUNet

Stage = Literal["spatial", "temporal", "movie"]
MixedPrecision = Literal["no", "fp16", "bf16"]
CHECKPOINT_RE = re.compile(r"^step-(\d+)$")
VAE_CHUNK = 16  # frames per VAE encode call: bounds activation memory at 768x320
_FP16_ON_CPU = "--mixed-precision fp16 needs a CUDA GPU; on CPU use bf16 or no"


@dataclass(frozen=True)
class StageSpec:
    """What makes a stage a stage; the loop is otherwise the same."""

    name: Stage
    independent_frames: bool  # True: F random frames per video, each trained as its own image (F=1)
    default_domain: str | None  # domain for --data without @domain; None: the source kind's default
    default_frames: int


@dataclass(frozen=True)
class TrainConfig:
    """Every setting of a training run; built once by the CLI (or a test) and passed down."""

    model: Path  # Stable Diffusion 2 folder (diffusers layout) or single-file checkpoint
    data: tuple[DataSource, ...]
    output: Path
    steps: int = 10_000  # optimizer steps in total (a resumed run stops at the same total)
    batch_size: int = 1  # samples per micro-batch per process
    grad_accum: int = 1
    lr: float = 1e-4
    mixed_precision: MixedPrecision | None = None  # None: accelerate's config / ACCELERATE_MIXED_PRECISION
    ema: bool = False
    ema_decay: float = 0.9999
    size: tuple[int, int] = (768, 320)  # (width, height) in pixels
    frames: int | None = None  # None: the stage's default (1 for spatial, 16 for temporal/movie)
    fps: float = 8.0
    seed: int = 0
    checkpoint_every: int = 500
    keep_checkpoints: int = 3
    gradient_checkpointing: bool = False
    init_adapters: Path | None = None  # start from saved adapters (stage 2 from stage 1, 3 from 2)
    init_temporal: Path | None = None  # stage 2: temporal layers from a ModelScope text-to-video folder
    resume: str | None = None  # None, "latest" or a checkpoint folder
    caption_dropout: float = 0.1  # fraction of captions replaced by "" (classifier-free guidance)
    warmup_steps: int = 0
    max_grad_norm: float = 1.0
    weight_decay: float = 0.0  # 0: decay would pull the domain norms' alpha (init 1) towards 0
    num_workers: int = 2
    log_every: int = 10
    log_with: Literal["tensorboard", "wandb"] | None = None  # an accelerate tracker for loss/lr/speed
    validate_every: int = 0  # 0: no validation samples; N: a short clip per domain every N steps
    validate_prompt: str = "a red car driving along a coastal road at sunset"
    validate_steps: int = 20  # denoising steps of a validation sample
    sd_config: Path | None = None  # configs + tokenizer for a single-file `model` (an SD 2 diffusers folder)

    def check(self) -> None:
        """Raise InputError naming the first bad value."""
        positive = {
            "steps": self.steps,
            "batch_size": self.batch_size,
            "grad_accum": self.grad_accum,
            "checkpoint_every": self.checkpoint_every,
            "keep_checkpoints": self.keep_checkpoints,
        }
        for name, v in positive.items():
            if v < 1:
                raise InputError(f"--{name.replace('_', '-')} must be >= 1, got {v}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise InputError(f"--lr must be > 0, got {self.lr}")
        if self.mixed_precision not in (None, "no", "fp16", "bf16"):
            raise InputError(f"--mixed-precision must be no, fp16 or bf16, got {self.mixed_precision!r}")
        w, h = self.size
        if w < 8 or h < 8 or w % 8 or h % 8:
            raise InputError(f"--size must be WxH with both multiples of 8 (the VAE's factor), got {w}x{h}")
        if self.frames is not None and self.frames < 1:
            raise InputError(f"--frames must be >= 1, got {self.frames}")
        if not 0.0 < self.ema_decay < 1.0:
            raise InputError(f"EMA decay must be in (0, 1), got {self.ema_decay}")
        if self.num_workers < 0:
            raise InputError(f"--workers must be >= 0, got {self.num_workers}")
        if not self.data:
            raise InputError("no --data given")
        if self.validate_every < 0 or self.validate_steps < 1:
            raise InputError(
                f"--validate-every must be >= 0 and --validate-steps >= 1, got {self.validate_every}, "
                f"{self.validate_steps}"
            )
        if self.log_with is not None:
            from accelerate.utils import is_tensorboard_available, is_wandb_available

            available = {"tensorboard": is_tensorboard_available, "wandb": is_wandb_available}
            if self.log_with not in available:
                raise InputError(f"--log-with must be tensorboard or wandb, got {self.log_with!r}")
            if not available[self.log_with]():
                raise InputError(f"--log-with {self.log_with}: not installed (pip install {self.log_with})")

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["data"] = [s.describe() for s in self.data]
        return json.loads(json.dumps(d, default=str))


@dataclass
class TrainResult:
    stage: Stage
    output: Path
    adapters: Path  # the final adapters folder
    start_step: int  # 0, or the checkpoint step a resumed run started from
    steps: int  # optimizer steps done in total
    losses: list[float]  # mean loss of each optimizer step run in this call
    skipped: dict[str, int]  # reason -> unusable videos (index time + load time, whole run)
    checkpoints: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)  # also printed when the run starts
    samples: list[Path] = field(default_factory=list)  # validation clips written


class _Progress:
    """Step counter and skip log, saved in every checkpoint (accelerate custom state)."""

    def __init__(self) -> None:
        self.step = 0
        self.skips = SkipLog()

    def state_dict(self) -> dict[str, Any]:
        return {"step": self.step, "skips": self.skips.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.step = int(state["step"])
        self.skips.load_state_dict(state["skips"])


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence([p & 0xFFFFFFFF for p in parts]).generate_state(1, np.uint64)[0] >> 1)


def find_checkpoint(output: Path, resume: str) -> Path | None:
    """`resume` "latest": the highest step-N folder under output/checkpoints (None when there is none);
    else the named folder, which must exist."""
    if resume != "latest":
        path = Path(resume)
        if not (path / "trainer.json").is_file():
            raise InputError(f"--resume {resume}: not a training checkpoint (no trainer.json)")
        return path
    found = [
        (int(m.group(1)), p)
        for p in (output / "checkpoints").glob("step-*")
        if (m := CHECKPOINT_RE.match(p.name))
    ]
    found = [(s, p) for s, p in found if (p / "trainer.json").is_file()]
    return max(found)[1] if found else None


class Trainer:
    """Sets a run up in __init__ (numbered steps), then `run()` trains to cfg.steps.

    `train_step(micro_batches)` is one optimizer step over already collated micro-batches; `run` feeds it
    from the data loader, tests may feed it a fixed batch.
    """

    def __init__(self, cfg: TrainConfig, stage: StageSpec) -> None:
        import torch
        from accelerate import Accelerator
        from accelerate.utils import ProjectConfiguration
        from diffusers import DDPMScheduler
        from diffusers.optimization import get_scheduler

        from moviefactory.models.loading import load_sd2_components, quiet_hf
        from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet

        # 1. check inputs before anything heavy
        cfg.check()
        self.cfg, self.stage = cfg, stage
        self.frames = cfg.frames or stage.default_frames
        self.warnings: list[str] = []
        if cfg.init_temporal is not None and stage.name != "temporal":
            raise InputError(
                "--init-temporal initialises the temporal layers: it belongs to `train temporal`"
            )
        if stage.name != "spatial" and cfg.init_adapters is None:
            self.warnings.append(
                f"stage {stage.name} starts without --init-adapters: its spatial adapters are untrained "
                "(the paper's chain: spatial -> temporal --init-adapters S1/adapters -> movie "
                "--init-adapters S2/adapters)"
            )
        checkpoint = find_checkpoint(cfg.output, cfg.resume) if cfg.resume else None
        if checkpoint is not None:
            saved = json.loads((checkpoint / "trainer.json").read_text())
            if saved.get("stage") != stage.name:
                raise InputError(
                    f"--resume {checkpoint}: it is a {saved.get('stage')!r} checkpoint, not {stage.name!r}"
                )

        # 2. accelerator: devices, processes, mixed precision
        if cfg.mixed_precision == "fp16" and not torch.cuda.is_available():
            raise InputError(_FP16_ON_CPU)
        try:
            self.accelerator = Accelerator(
                mixed_precision=cfg.mixed_precision,
                project_config=ProjectConfiguration(
                    project_dir=str(cfg.output), logging_dir=str(cfg.output / "logs")
                ),
                log_with=cfg.log_with,
            )
        except ValueError as exc:  # e.g. fp16 without a GPU
            raise InputError(f"--mixed-precision {cfg.mixed_precision}: {exc}") from exc
        acc = self.accelerator
        if acc.mixed_precision == "fp16" and acc.device.type == "cpu":
            # CPU autocast has no fp16 matmuls against the float32 trained layers
            raise InputError(_FP16_ON_CPU)
        self.weight_dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(
            acc.mixed_precision, torch.float32
        )

        # 3. frozen components, loaded in float32 so saved adapters load without a rounding trip
        comps = load_sd2_components(cfg.model, device="cpu", dtype=torch.float32, sd_config=cfg.sd_config)
        self.tokenizer = comps.tokenizer
        self.noise_scheduler = DDPMScheduler.from_config(comps.scheduler_config)
        self.prediction_type = str(self.noise_scheduler.config.prediction_type)
        if self.prediction_type not in ("epsilon", "v_prediction"):
            raise InputError(
                f"{cfg.model}: scheduler prediction_type {self.prediction_type!r} is not supported"
            )

        # 4. the video model: new modules float32 (trained or not), the base in the low-precision dtype
        sources_domains = [s.resolved_domain(stage.default_domain) for s in cfg.data]
        # the new modules' random (non-zero-initialised) layers are drawn from a seeded, private RNG state
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(cfg.seed)
            style: Literal["modelscope"] | None = "modelscope" if cfg.init_temporal is not None else None
            if cfg.init_adapters is not None:
                model = MovieFactoryUNet.from_pretrained(cfg.init_adapters, comps.unet, temporal_style=style)
            else:
                domains = list(MovieFactoryConfig().domains)
                domains += [d for d in dict.fromkeys(sources_domains) if d not in domains]
                mf_config = MovieFactoryConfig(
                    base=str(cfg.model), domains=domains, temporal_style=style or "videoldm"
                )
                model = MovieFactoryUNet.from_base(comps.unet, mf_config)
        if cfg.init_temporal is not None:
            from moviefactory.models.modelscope import load_modelscope_temporal

            load_modelscope_temporal(model, cfg.init_temporal)
        if not stage.independent_frames:
            # the clip length and rate the temporal layers see here are the sampler's window and frame rate
            model.config.num_frames = self.frames
            model.config.fps = round(cfg.fps)
        for d in sources_domains:
            model.domain_index(d)  # InputError for a domain the (loaded) model does not have
        vae_dtype = torch.float32 if self.weight_dtype == torch.float16 else self.weight_dtype
        vae: Any = comps.vae  # diffusers' lazy modules leave AutoencoderKL untyped for mypy
        with quiet_hf():  # casting warns "modules ... kept in float32: []" for SD2, which has none
            model.base.to(self.weight_dtype)
            comps.text_encoder.to(acc.device, self.weight_dtype)
            self.vae = vae.to(acc.device, vae_dtype)
        self.text_encoder = comps.text_encoder
        trainable = model.set_trainable(stage.name)
        if cfg.gradient_checkpointing:
            model.enable_gradient_checkpointing()
        model.to(acc.device)
        self.domains = list(model.config.domains)

        # 5. data: positions, not epochs, so a resumed run draws the same samples
        self.dataset = VideoDataset(
            cfg.data,
            domains=self.domains,
            size=cfg.size,
            num_frames=self.frames,
            fps=cfg.fps,
            independent_frames=stage.independent_frames,
            stage_domain=stage.default_domain,
            caption_dropout=cfg.caption_dropout,
            seed=cfg.seed,
        )

        # 6. optimizer, schedule, EMA; accelerate wraps model (DDP), optimizer (scaler), scheduler
        optimizer = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=cfg.weight_decay)
        lr_scheduler = get_scheduler(
            "constant_with_warmup", optimizer, num_warmup_steps=cfg.warmup_steps * acc.num_processes
        )
        self.model, self.optimizer, self.lr_scheduler = acc.prepare(model, optimizer, lr_scheduler)
        self.ema = None
        if cfg.ema:
            from diffusers.training_utils import EMAModel

            self.ema = EMAModel(trainable, decay=cfg.ema_decay, use_ema_warmup=True)
        self.progress = _Progress()
        acc.register_for_checkpointing(self.progress)
        if self.ema is not None:
            acc.register_for_checkpointing(self.ema)
        acc.register_save_state_pre_hook(self._save_hook)
        acc.register_load_state_pre_hook(self._load_hook)
        self.progress.skips.merge(self.dataset.index_skips)  # index-time skips join the run's log

        # 7. resume: weights, optimizer, scheduler, EMA, step counter, skip log
        self.start_step = 0
        if checkpoint is not None:
            acc.load_state(str(checkpoint))
            self.start_step = self.progress.step
            if self.ema is not None:
                self.ema.to(acc.device)
        self.checkpoints: list[Path] = []

    # -- accelerate hooks: checkpoints hold only the new modules, never the base ------------------------
    def _save_hook(self, models: list[Any], weights: list[Any], output_dir: str) -> None:
        if self.accelerator.is_main_process:
            for m in models:
                self.accelerator.unwrap_model(m).save_pretrained(Path(output_dir) / "adapters")
        weights.clear()  # accelerate would otherwise write the whole model, base included

    def _load_hook(self, models: list[Any], input_dir: str) -> None:
        while models:
            self.accelerator.unwrap_model(models.pop()).load_adapters(Path(input_dir) / "adapters")

    @property
    def unwrapped(self) -> MovieFactoryUNet:
        model: MovieFactoryUNet = self.accelerator.unwrap_model(self.model)
        return model

    # -- the objective ----------------------------------------------------------------------------------
    def _encode_text(self, captions: list[str]) -> torch.Tensor:
        import torch

        tok = self.tokenizer(
            captions,
            padding="max_length",
            max_length=self.tokenizer.model_max_length,
            truncation=True,
            return_tensors="pt",
        )
        with torch.no_grad():
            out: torch.Tensor = self.text_encoder(tok.input_ids.to(self.accelerator.device))[0]
        return out  # (B, L, D)

    def _encode_video(self, pixels: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """(B, F, 3, H, W) in [-1, 1] -> latents (B, C, F, H/8, W/8) float32, scaled for the UNet."""
        import torch

        b, f = pixels.shape[:2]
        flat = pixels.reshape(b * f, *pixels.shape[2:]).to(self.accelerator.device, self.vae.dtype)
        cfg = self.vae.config
        with torch.no_grad():
            chunks = [
                self.vae.encode(flat[i : i + VAE_CHUNK]).latent_dist.sample(generator=gen)
                for i in range(0, len(flat), VAE_CHUNK)
            ]
        lat = torch.cat(chunks).float()
        if getattr(cfg, "shift_factor", None) is not None:
            lat = lat - cfg.shift_factor
        lat = lat * cfg.scaling_factor
        return lat.reshape(b, f, *lat.shape[1:]).permute(0, 2, 1, 3, 4)

    def loss(self, batch: dict[str, Any], micro_index: int) -> torch.Tensor:
        """Diffusion loss of one collated micro-batch; noise, timesteps and VAE samples come from a
        generator seeded by (seed, micro-batch index, process), so reruns and resumes are identical."""
        import torch
        import torch.nn.functional as F

        acc = self.accelerator
        gen = torch.Generator().manual_seed(_seed(self.cfg.seed, micro_index, acc.process_index))
        pixels: torch.Tensor = batch["pixels"]  # (B, F, 3, H, W)
        dids: torch.Tensor = batch["domain_ids"]
        captions: list[str] = batch["captions"]
        if self.stage.independent_frames:  # stage 1: every frame is its own image (F = 1)
            f = pixels.shape[1]
            pixels = pixels.reshape(-1, 1, *pixels.shape[2:])
            dids = dids.repeat_interleave(f)
            captions = [c for c in captions for _ in range(f)]
        latents = self._encode_video(pixels, gen)  # (B, C, F, h, w)
        text = self._encode_text(captions)
        noise = torch.randn(latents.shape, generator=gen).to(latents.device)
        t = torch.randint(
            0, self.noise_scheduler.config.num_train_timesteps, (latents.shape[0],), generator=gen
        )
        t = t.to(latents.device)
        noisy = self.noise_scheduler.add_noise(latents, noise, t)
        if self.prediction_type == "epsilon":
            target = noise
        else:
            target = self.noise_scheduler.get_velocity(latents, noise, t)
        with acc.autocast():
            pred = self.model(noisy, t, text, dids.to(latents.device))
        return F.mse_loss(pred.float(), target.float())

    def train_step(self, micro_batches: list[dict[str, Any]], first_micro_index: int = 0) -> float:
        """One optimizer step: backward over each micro-batch (gradients averaged), clip, step, EMA.
        Returns the mean loss, averaged over processes."""
        import torch

        acc = self.accelerator
        self.model.train()
        total = torch.zeros((), device=acc.device)
        n = len(micro_batches)
        for i, mb in enumerate(micro_batches):
            # no gradient all-reduce until the last micro-batch of the step
            sync = contextlib.nullcontext() if i == n - 1 else acc.no_sync(self.model)
            with sync:
                loss = self.loss(mb, first_micro_index + i)
                acc.backward(loss / n)
            total += loss.detach() / n
        if self.cfg.max_grad_norm > 0:
            acc.clip_grad_norm_(
                [p for p in self.model.parameters() if p.requires_grad], self.cfg.max_grad_norm
            )
        self.optimizer.step()
        self.lr_scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        if self.ema is not None:
            self.ema.step([p for p in self.model.parameters() if p.requires_grad])
        self.progress.step += 1
        return float(acc.reduce(total, reduction="mean"))

    # -- the run ----------------------------------------------------------------------------------------
    def _batches(self) -> Any:
        from torch.utils.data import DataLoader

        acc, cfg = self.accelerator, self.cfg
        sampler = MicroBatches(
            cfg.batch_size,
            start=self.start_step * cfg.grad_accum,
            stop=cfg.steps * cfg.grad_accum,
            rank=acc.process_index,
            world=acc.num_processes,
        )
        return DataLoader(
            self.dataset,  # type: ignore[arg-type]
            batch_sampler=sampler,
            num_workers=cfg.num_workers,
            collate_fn=collate,
            persistent_workers=False,
        )

    def save_checkpoint(self) -> Path:
        """accelerate state into checkpoints/step-N (written under a temporary name, renamed when whole)."""
        acc = self.accelerator
        root = self.cfg.output / "checkpoints"
        final = root / f"step-{self.progress.step:08d}"
        tmp = root / f".step-{self.progress.step:08d}.tmp"
        if acc.is_main_process:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
        acc.wait_for_everyone()
        acc.save_state(str(tmp))
        acc.wait_for_everyone()
        if acc.is_main_process:
            info = {"stage": self.stage.name, "step": self.progress.step, "config": self.cfg.to_json()}
            (tmp / "trainer.json").write_text(json.dumps(info, indent=2) + "\n")
            shutil.rmtree(final, ignore_errors=True)
            tmp.rename(final)
            old = sorted(p for p in root.glob("step-*") if CHECKPOINT_RE.match(p.name))
            for p in old[: -self.cfg.keep_checkpoints]:
                shutil.rmtree(p, ignore_errors=True)
        acc.wait_for_everyone()
        self.checkpoints.append(final)
        return final

    def save_adapters(self) -> Path:
        """Final adapters (EMA weights when --ema; raw ones then in adapters-no-ema), with the stage and
        its trained domains recorded in their config.json."""
        acc = self.accelerator
        out = self.cfg.output / "adapters"
        if not acc.is_main_process:
            acc.wait_for_everyone()
            return out
        model = self.unwrapped
        conf = model.config
        if self.stage.name not in conf.stages_trained:
            conf.stages_trained.append(self.stage.name)
        if self.stage.name in ("spatial", "movie"):  # the stages that train the domain norms
            used = [self.domains[i] for i in sorted(set(self.dataset._domain_ids.tolist()))]
            conf.trained_domains = list(dict.fromkeys([*conf.trained_domains, *used]))
        if self.ema is not None:
            params = [p for p in model.parameters() if p.requires_grad]
            model.save_pretrained(self.cfg.output / "adapters-no-ema")
            self.ema.store(params)
            self.ema.copy_to(params)
            model.save_pretrained(out)
            self.ema.restore(params)
        else:
            model.save_pretrained(out)
        acc.wait_for_everyone()
        return out

    def run(self) -> TrainResult:
        """Train from the current step to cfg.steps; checkpoint every cfg.checkpoint_every steps and at
        the end; save the adapters."""
        acc, cfg = self.accelerator, self.cfg
        t0 = time.perf_counter()
        if acc.is_main_process:
            cfg.output.mkdir(parents=True, exist_ok=True)
            if not (cfg.output / "train_config.json").exists():
                info = {"stage": self.stage.name, "frames": self.frames, **cfg.to_json()}
                (cfg.output / "train_config.json").write_text(json.dumps(info, indent=2) + "\n")
            acc.print(
                f"[train {self.stage.name}] {len(self.dataset)} videos "
                f"({', '.join(f'{d}: {n}' for d, n in self.dataset.per_source)}); {self.progress.skips.summary()}; "
                f"steps {self.start_step}->{cfg.steps}, {acc.num_processes} process(es), "
                f"precision {acc.mixed_precision}"
            )
            for w in self.warnings:
                acc.print(f"[train {self.stage.name}] warning: {w}")
        if cfg.log_with is not None:
            acc.init_trackers(f"moviefactory-{self.stage.name}", config=cfg.to_json())
        samples: list[Path] = []
        speed = _Speed(self.start_step, cfg.steps)
        losses: list[float] = []
        group: list[dict[str, Any]] = []
        micro = self.start_step * cfg.grad_accum
        log = (cfg.output / "log.jsonl").open("a") if acc.is_main_process else None
        try:
            for batch in self._batches():
                for path, reason in batch["skipped"]:
                    self.progress.skips.add(path, reason)
                if batch["pixels"] is None:
                    raise InputError(
                        f"no readable video for micro-batch {micro} ({self.progress.skips.summary()})"
                    )
                group.append(batch)
                micro += 1
                if len(group) < cfg.grad_accum:
                    continue
                loss = self.train_step(group, micro - len(group))
                group = []
                losses.append(loss)
                step = self.progress.step
                it_s, eta_s = speed.tick(step)
                record = {
                    "step": step,
                    "loss": loss,
                    "lr": self.lr_scheduler.get_last_lr()[0],
                    "it_s": it_s,
                    "eta_s": eta_s,
                    "peak_mem_mb": _peak_memory_mb(acc.device),
                }
                if log is not None:
                    log.write(json.dumps(record) + "\n")
                    log.flush()
                if cfg.log_with is not None:
                    acc.log({k: v for k, v in record.items() if k != "step"}, step=step)
                if cfg.log_every and step % cfg.log_every == 0:
                    acc.print(
                        f"[train {self.stage.name}] step {step}/{cfg.steps} loss {loss:.5f} "
                        f"{it_s:.2f} it/s, ETA {_clock(eta_s)}, peak memory {record['peak_mem_mb']:.0f} MB"
                    )
                if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                    self.save_checkpoint()
                if cfg.validate_every and (step % cfg.validate_every == 0 or step == cfg.steps):
                    samples += self.validate()
        finally:
            if log is not None:
                log.close()
            if cfg.log_with is not None:
                acc.end_training()
        adapters = self.save_adapters()
        if acc.is_main_process and self.progress.skips.total:
            acc.print(f"[train {self.stage.name}] {self.progress.skips.summary()}")
        return TrainResult(
            stage=self.stage.name,
            output=cfg.output,
            adapters=adapters,
            start_step=self.start_step,
            steps=self.progress.step,
            losses=losses,
            skipped=dict(self.progress.skips.counts),
            checkpoints=list(self.checkpoints),
            seconds=time.perf_counter() - t0,
            warnings=list(self.warnings),
            samples=samples,
        )

    def validate(self) -> list[Path]:
        """A short clip per trained-on domain with the current weights (main process only), written as
        samples/step-N/<domain>.mp4: the stage's clip length at the training size, a fixed seed."""
        import torch

        from moviefactory.media import write_video
        from moviefactory.picture.moviefactory import MovieFactoryPipeline

        acc, cfg = self.accelerator, self.cfg
        written: list[Path] = []
        if acc.is_main_process:
            model = self.unwrapped
            model.eval()
            pipe = MovieFactoryPipeline(
                model, self.vae, self.text_encoder, self.tokenizer, dict(self.noise_scheduler.config)
            )
            folder = cfg.output / "samples" / f"step-{self.progress.step:08d}"
            w, h = cfg.size
            frames = model.config.window() if self.stage.independent_frames else self.frames
            for domain in dict.fromkeys(self.domains[i] for i in self.dataset._domain_ids.tolist()):
                with acc.autocast():
                    res = pipe(
                        cfg.validate_prompt,
                        num_frames=frames,
                        height=h,
                        width=w,
                        steps=cfg.validate_steps,
                        scheduler="ddim",
                        domain=domain,
                        seed=cfg.seed,
                    )
                out = folder / f"{domain}.mp4"
                write_video(res.frames, out, fps=model.config.fps, size=(w, h))
                written.append(out)
            model.train()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        acc.wait_for_everyone()
        return written


class _Speed:
    """Optimizer steps per second over the last few steps, and the time left at that rate."""

    def __init__(self, start_step: int, total: int, window: int = 20) -> None:
        self.total = total
        self.marks: list[tuple[int, float]] = [(start_step, time.perf_counter())]
        self.window = window

    def tick(self, step: int) -> tuple[float, float]:
        self.marks = [*self.marks[-self.window :], (step, time.perf_counter())]
        (s0, t0), (s1, t1) = self.marks[0], self.marks[-1]
        it_s = (s1 - s0) / max(t1 - t0, 1e-9)
        return it_s, (self.total - step) / max(it_s, 1e-9)


def _peak_memory_mb(device: torch.device) -> float:
    """Peak accelerator memory allocated by torch on CUDA, else this process's peak RSS (MB)."""
    import resource

    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _clock(seconds: float) -> str:
    s = int(min(seconds, 99 * 3600))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def train(cfg: TrainConfig, stage: StageSpec) -> TrainResult:
    """Set up and run one stage's training."""
    return Trainer(cfg, stage).run()
