"""Frame-rate raising by motion-compensated interpolation (8 fps generations -> 24 fps), before compose.

Default: ffmpeg's `minterpolate` (motion-compensated, bidirectional motion estimation, overlapped-block
compensation). With a model folder: a RIFE-style frame interpolator exported to TorchScript.

RIFE-style folder contract (RIFE's IFNet exported with torch.jit.trace/script around its inference call):
    config.json   {"format": "torchscript", "weights": "model.pt", "multiple_of": 32, "name": "RIFE 4.x"}
    model.pt      forward(img0, img1, timestep) -> frame; img0/img1 (N, 3, H, W) float in [0, 1],
                  timestep (N, 1, 1, 1) in (0, 1); H and W padded to `multiple_of` by us.
Either way the output has exactly round(duration * fps) frames, duration = input frames / input fps.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory import media
from moviefactory.errors import InputError, ModelLoadError


def target_frames(num_frames: int, src_fps: float, fps: float) -> int:
    """Frames at `fps` covering the source's duration (num_frames / src_fps seconds)."""
    return max(1, round(num_frames / src_fps * fps))


def source_positions(n_out: int, src_fps: float, fps: float, n_in: int) -> list[tuple[int, float]]:
    """For each output frame k (time k / fps): (i, t) meaning the frame between source i and i+1 at
    fraction t in [0, 1); positions past the last source frame clamp to it (t = 0)."""
    out = []
    for k in range(n_out):
        p = k * src_fps / fps
        i = math.floor(p + 1e-9)
        t = p - i
        if i >= n_in - 1:
            out.append((n_in - 1, 0.0))
        else:
            out.append((i, 0.0 if t < 1e-6 else t))
    return out


def interpolate_ffmpeg(src: Path, out: Path, *, fps: int, num_frames: int) -> Path:
    """minterpolate to `fps`, clone the last frame to cover the tail, cut at exactly `num_frames`.

    minterpolate emits frames only up to its last input, which it treats as the end: one cloned frame is
    appended first so the last source frame is shown for its full duration instead of being dropped."""
    from moviefactory.workspace import atomic_output

    graph = (
        f"setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop=1,minterpolate=fps={fps}:mi_mode=mci:mc_mode=aobmc:me_mode=bidir,"
        f"tpad=stop_mode=clone:stop={fps},format=yuv420p"
    )  # our own numbers only: no user text enters the filter graph
    with atomic_output(out) as tmp:
        media.run_ffmpeg(
            [
                "-i",
                str(src),
                "-an",
                "-vf",
                graph,
                "-frames:v",
                str(num_frames),
                "-r",
                str(fps),
                "-c:v",
                "libx264",
                "-crf",
                "12",
                "-preset",
                "veryfast",
                "-threads",
                "1",
                "-movflags",
                "+faststart",
                str(tmp),
            ],
            what=f"interpolate {src.name} to {fps} fps",
        )
    return out


@dataclass
class FrameInterpolator:
    """A RIFE-style TorchScript interpolator (see the module docstring for the folder contract)."""

    module: Any  # torch.jit.ScriptModule
    multiple_of: int
    name: str
    device: str

    @classmethod
    def from_pretrained(cls, folder: str | Path, *, device: str | None = None) -> FrameInterpolator:
        import torch

        folder = Path(folder)
        cfg_path = folder / "config.json"
        if not cfg_path.is_file():
            raise ModelLoadError(f"{folder}: an interpolation model folder needs config.json")
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        if cfg.get("format") != "torchscript":
            raise ModelLoadError(f"{cfg_path}: format must be 'torchscript', got {cfg.get('format')!r}")
        weights = folder / str(cfg.get("weights", "model.pt"))
        if not weights.is_file():
            raise ModelLoadError(f"{folder}: weights file {weights.name} is missing")
        dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            module = torch.jit.load(str(weights), map_location=dev).eval()
        except Exception as exc:  # TorchScript raises RuntimeError/ValueError variants
            raise ModelLoadError(f"{weights}: not a TorchScript module ({exc})") from exc
        return cls(module, int(cfg.get("multiple_of", 32)), str(cfg.get("name", folder.name)), dev)

    def between(self, a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
        """a, b (N, H, W, 3) uint8, t (N,) in (0, 1) -> (N, H, W, 3) uint8 frames at fraction t."""
        import torch
        from torch.nn import functional as F

        h, w = a.shape[1:3]
        m = self.multiple_of
        ph, pw = (-h) % m, (-w) % m

        def prep(x: np.ndarray) -> torch.Tensor:
            y = torch.from_numpy(np.ascontiguousarray(x)).to(self.device).permute(0, 3, 1, 2).float() / 255.0
            return F.pad(y, (0, pw, 0, ph), mode="replicate") if ph or pw else y

        ts = torch.from_numpy(t.astype(np.float32)).to(self.device).view(-1, 1, 1, 1)
        with torch.inference_mode():
            y = self.module(prep(a), prep(b), ts)[:, :, :h, :w]
        return y.clamp(0, 1).mul(255).round().to(torch.uint8).permute(0, 2, 3, 1).cpu().numpy()


def interpolate_model(src: Path, out: Path, *, fps: int, model_dir: Path, batch: int = 8) -> Path:
    model = FrameInterpolator.from_pretrained(model_dir)
    info = media.probe(src)
    frames = media.read_frames(src)
    n_out = target_frames(len(frames), float(info.fps), fps)
    pos = source_positions(n_out, float(info.fps), fps, len(frames))

    def gen() -> Any:
        for k0 in range(0, n_out, batch):
            chunk = pos[k0 : k0 + batch]
            mids = [j for j, (_, t) in enumerate(chunk) if t > 0]
            made = {}
            if mids:
                ii = np.array([chunk[j][0] for j in mids])
                tt = np.array([chunk[j][1] for j in mids])
                res = model.between(frames[ii], frames[ii + 1], tt)
                made = dict(zip(mids, res, strict=True))
            for j, (i, _) in enumerate(chunk):
                yield made.get(j, frames[i])

    return media.write_video(gen(), out, fps=fps, size=(frames.shape[2], frames.shape[1]))


def interpolate(src: Path, out: Path, *, fps: int, model_dir: Path | None = None) -> Path:
    src, out = Path(src), Path(out)
    if not 1 <= fps <= 120:
        raise InputError(f"fps must be in 1..120, got {fps}")
    if not src.is_file():
        raise InputError(f"clip {src} does not exist")
    if model_dir is not None:
        return interpolate_model(src, out, fps=fps, model_dir=Path(model_dir))
    info = media.probe(src)
    n = target_frames(info.num_frames, float(info.fps), fps)
    return interpolate_ffmpeg(src, out, fps=fps, num_frames=n)
