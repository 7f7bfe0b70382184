"""Whole runs: checkpoint + resume continue bit for bit, final adapters reload, the stages chain, bad videos
never stop a run, and the CLI drives it."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from moviefactory.errors import InputError
from moviefactory.training.data import DataSource
from moviefactory.training.loop import TrainConfig, train
from moviefactory.training.stage1_spatial import STAGE as SPATIAL
from moviefactory.training.stage2_temporal import STAGE as TEMPORAL
from moviefactory.training.stage3_movie import STAGE as MOVIE


def make_cfg(model: Path, data: Path | tuple[DataSource, ...], out: Path, **kw: Any) -> TrainConfig:
    sources = data if isinstance(data, tuple) else (DataSource("folder", data),)
    base: dict[str, Any] = dict(
        model=model, data=sources, output=out, steps=2, size=(32, 16), frames=2, lr=1e-3, num_workers=0,
        log_every=0, checkpoint_every=1000, seed=0,
    )  # fmt: skip
    base.update(kw)
    return TrainConfig(**base)


def _weights(folder: Path) -> dict[str, bytes]:
    """Tensor name -> raw bytes (file bytes differ run to run: safetensors writes metadata in hash order)."""
    from safetensors.torch import load_file

    return {k: v.numpy().tobytes() for k, v in load_file(str(folder / "adapters.safetensors")).items()}


def test_checkpoint_resume_continues_identically(tiny_sd2: Path, clip_folder: Path, tmp_path: Path) -> None:
    kw = dict(steps=4, checkpoint_every=2, grad_accum=2, ema=True, ema_decay=0.9)
    straight = train(make_cfg(tiny_sd2, clip_folder, tmp_path / "a", **kw), SPATIAL)
    assert straight.steps == 4 and len(straight.losses) == 4
    assert [p.name for p in straight.checkpoints] == ["step-00000002", "step-00000004"]

    first = train(make_cfg(tiny_sd2, clip_folder, tmp_path / "b", **{**kw, "steps": 2}), SPATIAL)
    ckpt = tmp_path / "b" / "checkpoints" / "step-00000002"
    assert json.loads((ckpt / "trainer.json").read_text())["step"] == 2
    assert (ckpt / "adapters" / "adapters.safetensors").is_file()
    # the frozen base is never copied into a checkpoint: only the new modules, optimizer and small state
    assert not list(ckpt.glob("model*.safetensors")) and not list(ckpt.glob("pytorch_model*"))
    assert _weights(ckpt / "adapters") == _weights(first.adapters.parent / "adapters-no-ema")

    resumed = train(make_cfg(tiny_sd2, clip_folder, tmp_path / "b", **kw, resume="latest"), SPATIAL)
    assert (resumed.start_step, resumed.steps) == (2, 4)
    assert first.losses + resumed.losses == straight.losses
    assert _weights(resumed.adapters) == _weights(straight.adapters)  # EMA weights
    assert _weights(tmp_path / "b" / "adapters-no-ema") == _weights(tmp_path / "a" / "adapters-no-ema")
    assert _weights(straight.adapters) != _weights(tmp_path / "a" / "adapters-no-ema")
    log = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3, 4]

    with pytest.raises(InputError, match="not 'temporal'"):
        train(make_cfg(tiny_sd2, clip_folder, tmp_path / "b", resume=str(ckpt)), TEMPORAL)


def test_stages_chain_and_adapters_reload(tiny_sd2: Path, clip_folder: Path, tmp_path: Path) -> None:
    import torch

    from moviefactory.models.loading import load_sd2_components
    from moviefactory.models.unet import MovieFactoryUNet

    sources = (
        DataSource("folder", clip_folder, domain="webvid"),
        DataSource("folder", clip_folder, domain="hdvg"),
    )
    s1 = train(make_cfg(tiny_sd2, sources, tmp_path / "s1", steps=3, batch_size=2), SPATIAL)
    s2 = train(make_cfg(tiny_sd2, clip_folder, tmp_path / "s2", init_adapters=s1.adapters), TEMPORAL)
    s3 = train(make_cfg(tiny_sd2, clip_folder, tmp_path / "s3", init_adapters=s2.adapters), MOVIE)

    def load(folder: Path) -> MovieFactoryUNet:
        return MovieFactoryUNet.from_pretrained(folder, load_sd2_components(tiny_sd2).unet)

    m1, m2, m3 = load(s1.adapters), load(s2.adapters), load(s3.adapters)
    assert m1.config.stages_trained == ["spatial"]
    assert sorted(m1.config.trained_domains) == ["hdvg", "webvid"]
    assert m3.config.stages_trained == ["spatial", "temporal", "movie"]
    assert m3.config.trained_domains[-1] == "movie"

    def same(a: list[torch.nn.Parameter], b: list[torch.nn.Parameter]) -> bool:
        return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))

    assert same(m1.adapter_parameters(), m2.adapter_parameters())  # stage 2 leaves the adapters alone
    assert not same(m1.temporal_parameters(), m2.temporal_parameters())
    assert same(m2.temporal_parameters(), m3.temporal_parameters())  # stage 3 leaves the temporal layers
    assert not same(m2.adapter_parameters(), m3.adapter_parameters())


def test_bad_videos_never_stop_a_run(
    tiny_sd2: Path, clip_folder: Path, tmp_path: Path, make_clip: Callable[..., Path]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(clip_folder, data)
    (data / "empty.mp4").write_bytes(b"")
    (data / "notes.mp4").write_text("not a video\n" * 50)
    good = (data / "clip0.mp4").read_bytes()
    (data / "cut.mp4").write_bytes(good[: len(good) // 2])
    make_clip(data / "short.mp4", 1)
    for stem in ("empty", "notes", "cut"):
        (data / f"{stem}.txt").write_text("bad")
    result = train(make_cfg(tiny_sd2, data, tmp_path / "run", steps=4, batch_size=2, frames=4), TEMPORAL)
    assert result.steps == 4 and all(loss == loss for loss in result.losses)
    assert sum(result.skipped.values()) == 4
    assert set(result.skipped) <= {"unreadable", "no_video", "too_short"} and result.skipped.get("too_short")


def _cli(argv: list[str]) -> argparse.Namespace:
    from moviefactory.training.cli import register

    parser = argparse.ArgumentParser(prog="moviefactory")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


def test_cli_trains_a_stage(tiny_sd2: Path, clip_folder: Path, tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "run"
    args = _cli(["train", "movie", "--model", str(tiny_sd2), "--data", f"folder:{clip_folder}", "--output", str(out),
                 "--steps", "2", "--size", "32x16", "--frames", "2", "--workers", "0", "--lr", "1e-3"])  # fmt: skip
    assert args.size == (32, 16) and args.resume is None
    assert args.func(args) == 0
    assert "trained movie: steps 0->2" in capsys.readouterr().out
    assert (out / "adapters" / "config.json").is_file()
    saved = json.loads((out / "train_config.json").read_text())
    assert saved["stage"] == "movie" and saved["size"] == [32, 16]

    bad = _cli(
        ["train", "spatial", "--model", str(tiny_sd2), "--data", "images:/nowhere", "--output", str(out)]
    )
    with pytest.raises(InputError, match="kind must be"):
        bad.func(bad)
    with pytest.raises(SystemExit):
        _cli(
            ["train", "spatial", "--model", "x", "--data", "folder:x", "--output", "o", "--size", "768by320"]
        )
    resume = _cli(["train", "temporal", "--model", "m", "--data", "folder:d", "--output", "o", "--resume"])
    assert resume.resume == "latest"


def test_cli_module_is_light_at_import() -> None:
    code = "import sys, moviefactory.training.cli; print(sorted({'torch', 'diffusers', 'numpy', 'av'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_multi_gpu_accelerate_config_is_valid() -> None:
    from accelerate.commands.config.config_args import ClusterConfig

    import moviefactory.training as training

    path = Path(training.__file__).parent / "accelerate_multi_gpu.yaml"
    cfg = ClusterConfig.from_yaml_file(str(path))
    assert str(cfg.distributed_type).endswith("MULTI_GPU") and cfg.num_processes >= 2
    assert str(cfg.mixed_precision).endswith("bf16")


@pytest.mark.slow
def test_two_processes_train_and_resume(tiny_sd2: Path, clip_folder: Path, tmp_path: Path) -> None:
    """DDP on CPU (gloo) through torchrun, as `accelerate launch` runs it: gradients synchronised once per
    optimizer step, one checkpoint with both processes' RNG states, and a two-process resume."""
    import os

    out = tmp_path / "run"
    env = {**os.environ, "ACCELERATE_USE_CPU": "true", "OMP_NUM_THREADS": "1"}
    torchrun = Path(sys.executable).parent / "torchrun"
    common = ["--model", str(tiny_sd2), "--data", f"folder:{clip_folder}", "--output", str(out), "--size", "32x16",
              "--frames", "2", "--workers", "0", "--grad-accum", "2", "--checkpoint-every", "2", "--log-every", "0"]  # fmt: skip

    def launch(port: int, *extra: str) -> str:
        cmd = [
            str(torchrun),
            "--nproc_per_node",
            "2",
            "--master_port",
            str(port),
            "-m",
            "moviefactory",
            "train",
            "temporal",
            *common,
            *extra,
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc.stdout

    assert "2 process(es)" in launch(29531, "--steps", "2")
    ckpt = out / "checkpoints" / "step-00000002"
    assert (ckpt / "random_states_0.pkl").is_file() and (ckpt / "random_states_1.pkl").is_file()
    stdout = launch(29532, "--steps", "3", "--resume")
    assert stdout.count("trained temporal: steps 2->3") == 1  # resumed, reported once
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3]


def test_documented_chain_through_the_cli_samples_whole_windows(
    tiny_sd2: Path, clip_folder: Path, tmp_path: Path, capsys: Any
) -> None:
    """spatial -> temporal --init-adapters -> movie --init-adapters, as docs/training.md runs it: the final
    adapters carry the temporal stage's clip length, and a 2 s scene is sampled as one 16-frame window."""
    from moviefactory.models.unet import MovieFactoryUNet
    from moviefactory.picture.moviefactory import MovieFactoryBackend
    from moviefactory.spec import Movie, Scene, Style

    common = ["--model", str(tiny_sd2), "--data", f"folder:{clip_folder}", "--size", "32x16", "--workers", "0",
              "--steps", "1", "--log-every", "1"]  # fmt: skip
    runs = {s: tmp_path / s for s in ("s1", "s2", "s3")}
    chain = [
        ["train", "spatial", "--output", str(runs["s1"])],
        ["train", "temporal", "--output", str(runs["s2"]), "--init-adapters", str(runs["s1"] / "adapters")],
        ["train", "movie", "--output", str(runs["s3"]), "--init-adapters", str(runs["s2"] / "adapters")],
    ]
    for argv in chain:
        args = _cli([*argv, *common])
        assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "warning" not in out and "it/s, ETA" in out and "peak memory" in out
    configs = {k: MovieFactoryUNet.read_config(v / "adapters")[0] for k, v in runs.items()}
    assert configs["s1"].window() == 16  # stage 1 saw single frames: the sampler's default window
    assert (configs["s2"].num_frames, configs["s3"].num_frames, configs["s3"].fps) == (16, 16, 8)
    log = json.loads((runs["s2"] / "log.jsonl").read_text().splitlines()[-1])
    assert log["it_s"] > 0 and log["eta_s"] == 0 and log["peak_mem_mb"] > 0

    backend = MovieFactoryBackend(tiny_sd2, runs["s3"] / "adapters", steps=1, scheduler="ddim", guidance=1.0)
    movie = Movie(request="a race", title="Race", style=Style(width=32, height=16),
                  scenes=[Scene(id="s01", prompt="a square slides", duration_s=2.0, seed=1)])  # fmt: skip
    backend.prepare(movie)
    assert backend.pipe is not None
    seen: list[int] = []
    backend.pipe.unet.register_forward_pre_hook(lambda _m, a: seen.append(a[0].shape[2]))
    clip = backend.render(movie, movie.scenes[0], tmp_path / "clip.mp4")
    assert seen == [16] and clip.num_frames == 16 and clip.fps == 8
    assert not any("window" in w for w in clip.warnings)

    # stage 2 without --init-adapters says so
    args = _cli(["train", "temporal", "--output", str(tmp_path / "lone"), *common, "--frames", "2"])
    assert args.func(args) == 0
    assert "warning: stage temporal starts without --init-adapters" in capsys.readouterr().out


def test_validation_samples_and_precision_checks(tiny_sd2: Path, clip_folder: Path, tmp_path: Path) -> None:
    from moviefactory.media import probe, read_frames

    result = train(
        make_cfg(
            tiny_sd2, clip_folder, tmp_path / "v", frames=3, validate_every=2, validate_steps=2, steps=3
        ),
        TEMPORAL,
    )
    assert [p.relative_to(tmp_path / "v").as_posix() for p in result.samples] == [
        "samples/step-00000002/webvid.mp4",
        "samples/step-00000003/webvid.mp4",
    ]
    frames = read_frames(result.samples[0])
    info = probe(result.samples[0])
    assert frames.shape == (3, 16, 32, 3) and frames.std() > 1.0 and abs(info.fps - 8) < 1e-6
    with pytest.raises(InputError, match="fp16 needs a CUDA GPU"):
        train(make_cfg(tiny_sd2, clip_folder, tmp_path / "h", mixed_precision="fp16"), TEMPORAL)
    with pytest.raises(InputError, match="must be tensorboard or wandb"):
        make_cfg(tiny_sd2, clip_folder, tmp_path / "t", log_with="mlflow").check()


def test_temporal_stage_from_modelscope_weights(tiny_sd2: Path, clip_folder: Path, tmp_path: Path) -> None:
    """`train temporal --init-adapters S1 --init-temporal MODELSCOPE`: spatial adapters from stage 1,
    temporal layers from ModelScope (then trained), saved in ModelScope's form and reloadable."""
    import torch

    from moviefactory.models.loading import load_sd2_components
    from moviefactory.models.modelscope import convert_modelscope_temporal, read_modelscope_unet
    from moviefactory.models.tiny import build_tiny_modelscope_unet
    from moviefactory.models.unet import MovieFactoryUNet

    ms = build_tiny_modelscope_unet(tmp_path / "ms")
    s1 = train(make_cfg(tiny_sd2, clip_folder, tmp_path / "s1", steps=1), SPATIAL)
    with pytest.raises(InputError, match="belongs to `train temporal`"):
        train(make_cfg(tiny_sd2, clip_folder, tmp_path / "x", init_temporal=ms), MOVIE)
    s2 = train(
        make_cfg(
            tiny_sd2, clip_folder, tmp_path / "s2", steps=1, init_adapters=s1.adapters, init_temporal=ms
        ),
        TEMPORAL,
    )
    m1 = MovieFactoryUNet.from_pretrained(s1.adapters, load_sd2_components(tiny_sd2).unet)
    m2 = MovieFactoryUNet.from_pretrained(s2.adapters, load_sd2_components(tiny_sd2).unet)
    assert m2.config.temporal_style == "modelscope" and m2.config.stages_trained == ["spatial", "temporal"]
    assert all(
        torch.equal(a, b) for a, b in zip(m1.adapter_parameters(), m2.adapter_parameters(), strict=True)
    )
    theirs = convert_modelscope_temporal(read_modelscope_unet(ms))
    ours = m2.new_state_dict()
    # one step at lr 1e-3 from ModelScope's weights: close to them, not equal
    diffs = [float((ours[k] - v).abs().max()) for k, v in theirs.items()]
    assert max(diffs) > 0 and max(diffs) < 0.01


@pytest.mark.parametrize("tracker", ["tensorboard", "wandb"])
def test_a_tracker_that_is_not_installed_is_named_before_training(
    tiny_sd2: Path, clip_folder: Path, tmp_path: Path, tracker: str
) -> None:
    from accelerate.utils import is_tensorboard_available, is_wandb_available

    if {"tensorboard": is_tensorboard_available, "wandb": is_wandb_available}[tracker]():
        pytest.skip(f"{tracker} is installed here")
    with pytest.raises(InputError, match=rf"^--log-with {tracker}: not installed \(pip install {tracker}\)$"):
        train(make_cfg(tiny_sd2, clip_folder, tmp_path / "run", log_with=tracker), TEMPORAL)
    assert not (tmp_path / "run").exists()  # refused before any work
