"""Fréchet Video Distance (Unterthiner et al. 2018) with an I3D TorchScript feature extractor.

Follows the common reference implementation (StyleGAN-V `metrics/frechet_video_distance.py`, itself after
the TF original): 16-frame clips resized to 224x224, scaled to [-1, 1], passed as (N, 3, T, 224, 224) to the
I3D TorchScript detector (`i3d_torchscript.pt`) called as forward(x, rescale=False, resize=False,
return_features=True); the Fréchet distance between Gaussians fitted to the real and generated features.
The detector file is local: nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from moviefactory.errors import InputError, ModelLoadError

FVD_FRAMES = 16  # frames per clip, as in the reference
FVD_SIZE = 224  # I3D input size, pixels


def frechet_distance(
    mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray, *, eps: float = 1e-6
) -> float:
    """d² = |mu1 - mu2|² + Tr(S1 + S2 - 2 (S1 S2)^½) between N(mu1, S1) and N(mu2, S2).

    As in the reference FID/FVD code: when the product's square root is not finite (singular covariances,
    e.g. fewer samples than feature dimensions) eps is added to both diagonals; a complex result from
    numerical error is accepted only if its diagonal's imaginary part is negligible, then the real part
    is used."""
    import warnings

    from scipy import linalg

    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    s1, s2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise InputError(
            f"frechet_distance: shapes differ: mu {mu1.shape} {mu2.shape}, sigma {s1.shape} {s2.shape}"
        )
    diff = mu1 - mu2
    with warnings.catch_warnings():  # a singular product is expected with few samples; handled below
        warnings.simplefilter("ignore")
        covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = linalg.sqrtm((s1 + offset) @ (s2 + offset))
    if np.iscomplexobj(covmean):
        imag = np.max(np.abs(np.diagonal(covmean).imag))
        if imag > 1e-3:
            raise ValueError(f"frechet_distance: sqrtm has a significant imaginary component ({imag:.3g})")
        covmean = covmean.real
    d2 = float(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * np.trace(covmean))
    return max(d2, 0.0)  # a true distance is >= 0; identical sets can land at -1e-8 by rounding


@dataclass(frozen=True)
class FeatureStats:
    """Mean and covariance of a feature set (N, D)."""

    mu: np.ndarray  # (D,)
    sigma: np.ndarray  # (D, D)
    num: int

    @classmethod
    def of(cls, features: np.ndarray) -> FeatureStats:
        f = np.asarray(features, dtype=np.float64)
        if f.ndim != 2 or f.shape[0] < 2:
            raise InputError(f"FVD needs at least 2 clips per set, got features of shape {f.shape}")
        return cls(f.mean(axis=0), np.cov(f, rowvar=False), f.shape[0])

    def distance(self, other: FeatureStats) -> float:
        return frechet_distance(self.mu, self.sigma, other.mu, other.sigma)


def fvd_clip(frames: np.ndarray, num_frames: int = FVD_FRAMES) -> tuple[np.ndarray, bool]:
    """The first `num_frames` frames of a (F, H, W, 3) video; shorter videos repeat their last frame.
    Returns the clip and whether it was padded (the caller reports it)."""
    if len(frames) >= num_frames:
        return frames[:num_frames], False
    pad = np.repeat(frames[-1:], num_frames - len(frames), axis=0)
    return np.concatenate([frames, pad]), True


@dataclass
class I3DFeatureExtractor:
    """An I3D TorchScript detector (StyleGAN-V's `i3d_torchscript.pt` or any module with its signature)."""

    module: Any  # torch.jit.ScriptModule
    path: str
    device: str
    batch: int = 8
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_pretrained(
        cls, path: str | Path, *, device: str | None = None, batch: int = 8
    ) -> I3DFeatureExtractor:
        import torch

        path = Path(path)
        if not path.is_file():
            raise InputError(
                f"FVD detector {path} does not exist (an I3D TorchScript file, e.g. i3d_torchscript.pt)"
            )
        dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            module = torch.jit.load(str(path), map_location=dev).eval()
        except Exception as exc:  # TorchScript raises RuntimeError/ValueError variants for bad files
            raise ModelLoadError(f"{path}: not a TorchScript I3D detector ({exc})") from exc
        return cls(module, str(path), dev, batch)

    def _prepare(self, clips: Sequence[np.ndarray]) -> Any:
        """(N clips of (T, H, W, 3) uint8) -> (N, 3, T, 224, 224) float32 in [-1, 1] on the device."""
        import torch
        from torch.nn import functional as F

        x = torch.from_numpy(np.stack(clips)).to(self.device)  # (N, T, H, W, 3)
        n, t, h, w, _ = x.shape
        x = x.reshape(n * t, h, w, 3).permute(0, 3, 1, 2).float()
        if (h, w) != (FVD_SIZE, FVD_SIZE):
            x = F.interpolate(x, size=(FVD_SIZE, FVD_SIZE), mode="bilinear", align_corners=False)
        x = x / 127.5 - 1.0
        return x.reshape(n, t, 3, FVD_SIZE, FVD_SIZE).permute(0, 2, 1, 3, 4).contiguous()

    def features(self, videos: Iterable[np.ndarray]) -> np.ndarray:
        """Features (N, D) float64 of videos given as (F, H, W, 3) uint8 arrays, batch by batch."""
        import torch

        out: list[np.ndarray] = []
        pending: list[np.ndarray] = []
        padded = 0

        def flush() -> None:
            with torch.inference_mode():
                y = self.module(self._prepare(pending), rescale=False, resize=False, return_features=True)
            out.append(y.double().cpu().numpy().reshape(len(pending), -1))
            pending.clear()

        for v in videos:
            clip, was_padded = fvd_clip(v)
            padded += was_padded
            pending.append(clip)
            if len(pending) == self.batch:
                flush()
        if pending:
            flush()
        if padded:
            self.warnings.append(
                f"{padded} video(s) shorter than {FVD_FRAMES} frames were padded with their last frame"
            )
        if not out:
            raise InputError("FVD: no videos to score")
        return np.concatenate(out)


def fvd(real_features: np.ndarray, generated_features: np.ndarray) -> float:
    """FVD between two feature sets (N, D) and (M, D)."""
    return FeatureStats.of(real_features).distance(FeatureStats.of(generated_features))
