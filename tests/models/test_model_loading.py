"""The SD2 folder loader, the tiny-model builder and `moviefactory dev tiny-model`."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
import torch

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.models.loading import check_sd2_folder, load_sd2_components


def test_loader_reads_every_component(tiny_sd2: Path) -> None:
    comps = load_sd2_components(tiny_sd2)
    assert comps.unet.config.cross_attention_dim == comps.text_encoder.config.hidden_size == 32
    assert (
        comps.vae.config.latent_channels == 4 and len(comps.vae.config.block_out_channels) == 4
    )  # 8x factor
    assert comps.scheduler_config["prediction_type"] == "epsilon"
    assert not any(p.requires_grad for p in comps.unet.parameters())
    # byte-level tokenizer: every UTF-8 byte is a token, words end with a </w> symbol, padded to 77
    ids = comps.tokenizer(
        ["a car", "ünïcode ✓"], padding="max_length", max_length=77, return_tensors="pt"
    ).input_ids
    bos, eos = comps.tokenizer.bos_token_id, comps.tokenizer.eos_token_id
    assert ids.shape == (2, 77) and ids[0, 0] == bos and ids[0, 5] == eos  # <s> a</w> c a r</w> </s>
    assert comps.tokenizer.decode(ids[1], skip_special_tokens=True).replace(" ", "") == "ünïcode✓"
    assert comps.text_encoder(ids)[0].shape == (2, 77, 32)


def test_build_is_deterministic(tmp_path: Path, tiny_sd2: Path) -> None:
    from safetensors.torch import load_file

    from moviefactory.models.tiny import build_tiny_sd2

    again = build_tiny_sd2(tmp_path / "again", seed=0)
    for part in ("unet/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"):
        a, b = load_file(str(tiny_sd2 / part)), load_file(str(again / part))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(
    ("remove", "named"),
    [
        ("vae/diffusion_pytorch_model.safetensors", "vae/diffusion_pytorch_model.safetensors"),
        ("tokenizer", "tokenizer/"),
        ("scheduler/scheduler_config.json", "scheduler/scheduler_config.json"),
        ("text_encoder/config.json", "text_encoder/config.json"),
    ],
)
def test_incomplete_folder_names_what_is_missing(
    tiny_sd2: Path, tmp_path: Path, remove: str, named: str
) -> None:
    folder = tmp_path / "sd2"
    shutil.copytree(tiny_sd2, folder)
    target = folder / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(ModelLoadError, match=f"incomplete: missing {named}$"):
        load_sd2_components(folder)


def test_missing_folder_and_corrupt_config(tmp_path: Path, tiny_sd2: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        check_sd2_folder(tmp_path / "nope")
    folder = tmp_path / "sd2"
    shutil.copytree(tiny_sd2, folder)
    (folder / "unet" / "config.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match="model folder"):
        load_sd2_components(folder)


def test_dev_tiny_model_command(tmp_path: Path) -> None:
    from moviefactory.models import cli
    from moviefactory.models.unet import MovieFactoryUNet

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dev", "tiny-model", str(tmp_path / "m"), "--adapters", str(tmp_path / "a")])
    assert args.func(args) == 0
    comps = load_sd2_components(tmp_path / "m")
    model = MovieFactoryUNet.from_pretrained(tmp_path / "a", comps.unet)
    assert model.config.num_frames == 4
    args = parser.parse_args(["dev", "tiny-model", str(tmp_path / "m")])
    with pytest.raises(InputError, match="not an empty folder"):
        args.func(args)
