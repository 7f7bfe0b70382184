"""Stage 3, movie finetuning (paper 3.2): only the spatial adapters train again, on a folder of movie
clips (domain "movie"), with the temporal layers from stage 2 active but frozen; clips as in stage 2.
Start from stage 2's adapters with `--init-adapters`."""

from __future__ import annotations

from moviefactory.training.loop import StageSpec, TrainConfig, TrainResult, train

STAGE = StageSpec(name="movie", independent_frames=False, default_domain="movie", default_frames=16)


def train_movie(cfg: TrainConfig) -> TrainResult:
    return train(cfg, STAGE)
