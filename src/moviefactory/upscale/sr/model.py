"""The model interface: `SuperResolution.from_pretrained(path)`, then `upscale_frames(frames)`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.upscale.sr.architectures import CompactConfig, RRDBConfig, architecture_name
from moviefactory.upscale.sr.loaders import CONFIG_NAME, WEIGHTS_NAME, SRInfo, load
from moviefactory.upscale.sr.temporal import TemporalStabilizer
from moviefactory.upscale.sr.tiling import run_tiled

if TYPE_CHECKING:
    import torch


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
        m = load(Path(path), device=device, precision=precision)
        tile = 0 if m.whole_frames else tile
        batch = batch if m.batch_at_least is None else max(batch, m.batch_at_least)
        return cls(
            m.forward, m.info, tile=tile, overlap=overlap, batch=batch, module=m.module, config=m.config
        )

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
        arch = architecture_name(self.config)
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
        t = self.tile
        return run_tiled(
            self._forward, x, scale=self.scale, tile=t, overlap=self.overlap, device=dev, dtype=dtype
        )

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
