"""Stage 2, temporal training (paper 2.2.2): everything but the temporal layers is frozen; 16-frame clips
sampled at 8 fps; samples use the WebVid domain's norms (a `--data ...@domain` overrides that). Start from
stage 1's adapters with `--init-adapters`."""

from __future__ import annotations

from moviefactory.training.loop import StageSpec, TrainConfig, TrainResult, train

STAGE = StageSpec(name="temporal", independent_frames=False, default_domain="webvid", default_frames=16)


def train_temporal(cfg: TrainConfig) -> TrainResult:
    return train(cfg, STAGE)
