"""Each stage trains exactly its layers, lowers the loss on a fixed batch, and keeps the precision rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from moviefactory.training.data import DataSource, collate
from moviefactory.training.loop import StageSpec, TrainConfig, Trainer
from moviefactory.training.stage1_spatial import STAGE as SPATIAL
from moviefactory.training.stage2_temporal import STAGE as TEMPORAL
from moviefactory.training.stage3_movie import STAGE as MOVIE

STAGES = {"spatial": SPATIAL, "temporal": TEMPORAL, "movie": MOVIE}


def make_cfg(model: Path, data: Path, out: Path, **kw: Any) -> TrainConfig:
    base: dict[str, Any] = dict(
        model=model, data=(DataSource("folder", data),), output=out, steps=2, size=(32, 16), frames=2,
        lr=1e-3, num_workers=0, log_every=0, checkpoint_every=1000, seed=0,
    )  # fmt: skip
    base.update(kw)
    return TrainConfig(**base)


def _bytes(t: Any) -> bytes:
    return bytes(t.detach().cpu().contiguous().view(-1).view(__import__("torch").uint8).numpy())


def _groups(trainer: Trainer) -> dict[str, set[str]]:
    model = trainer.unwrapped
    names = {id(p): n for n, p in model.named_parameters()}
    return {
        "adapters": {names[id(p)] for p in model.adapter_parameters()},
        "temporal": {names[id(p)] for p in model.temporal_parameters()},
        "base": {n for n in names.values() if n.startswith("base.")},
    }


@pytest.mark.parametrize("stage", ["spatial", "temporal", "movie"])
def test_stage_trains_exactly_its_layers(
    stage: str, tiny_sd2: Path, clip_folder: Path, tmp_path: Path
) -> None:
    spec: StageSpec = STAGES[stage]
    # the movie stage also runs the frozen base in bf16 with the new modules kept in float32
    precision = "bf16" if stage == "movie" else "no"
    trainer = Trainer(make_cfg(tiny_sd2, clip_folder, tmp_path / "run", mixed_precision=precision), spec)
    model = trainer.unwrapped
    groups = _groups(trainer)
    trained = "temporal" if stage == "temporal" else "adapters"
    frozen_new = "adapters" if stage == "temporal" else "temporal"
    params = dict(model.named_parameters())
    assert {n for n, p in params.items() if p.requires_grad} == groups[trained]
    new_dtypes = {params[n].dtype for n in groups["adapters"] | groups["temporal"]}
    base_dtypes = {params[n].dtype for n in groups["base"]}
    assert new_dtypes == {__import__("torch").float32}
    assert base_dtypes == {
        __import__("torch").bfloat16 if precision == "bf16" else __import__("torch").float32
    }

    batch = collate([trainer.dataset[0], trainer.dataset[1]])
    # gradients reach only the trained group
    trainer.loss(batch, 0).backward()
    assert all(params[n].grad is None for n in groups["base"] | groups[frozen_new])
    assert any(params[n].grad is not None and bool(params[n].grad.abs().sum() > 0) for n in groups[trained])
    trainer.optimizer.zero_grad(set_to_none=True)

    before = {n: _bytes(p) for n, p in params.items()}
    loss = trainer.train_step([batch])
    assert loss == loss and loss > 0  # finite
    after = {n: _bytes(p) for n, p in params.items()}
    assert all(before[n] == after[n] for n in groups["base"]), "frozen base changed"
    assert all(before[n] == after[n] for n in groups[frozen_new]), f"{frozen_new} changed in stage {stage}"
    changed = [n for n in groups[trained] if before[n] != after[n]]
    assert changed, f"no {trained} parameter moved in stage {stage}"
    if stage != "temporal":
        # the domain norms train too, once the zero-initialised conv after them has moved (second step)
        trainer.train_step([batch], 1)
        norms = {n: _bytes(params[n]) for n in groups[trained] if n.endswith((".alpha", ".beta"))}
        assert any(before[n] != v for n, v in norms.items())
        assert all(before[n] == _bytes(params[n]) for n in groups["base"] | groups[frozen_new])


@pytest.mark.parametrize("stage", ["spatial", "temporal", "movie"])
def test_fixed_batch_loss_goes_down(stage: str, tiny_sd2: Path, clip_folder: Path, tmp_path: Path) -> None:
    trainer = Trainer(make_cfg(tiny_sd2, clip_folder, tmp_path / "run", lr=1e-3), STAGES[stage])
    batch = collate([trainer.dataset[0], trainer.dataset[1]])
    # the same batch with the same noise and timesteps (micro-batch index 0) every step
    losses = [trainer.train_step([batch], 0) for _ in range(24)]
    first, last = sum(losses[:4]) / 4, sum(losses[-4:]) / 4
    assert last < 0.8 * first, (stage, losses)
