"""Stage 1, spatial finetuning (paper 2.2.1): only the spatial adapters (ResBlock with domain-aware norm +
attention before each down/up block) train, on single video frames from several datasets at once; each
sample carries its dataset's domain id, so every dataset fits its own alpha/beta. Frames are trained as
independent images (F = 1); `--frames N` takes N random frames per decoded video, each its own image."""

from __future__ import annotations

from moviefactory.training.loop import StageSpec, TrainConfig, TrainResult, train

STAGE = StageSpec(name="spatial", independent_frames=True, default_domain=None, default_frames=1)


def train_spatial(cfg: TrainConfig) -> TrainResult:
    return train(cfg, STAGE)
