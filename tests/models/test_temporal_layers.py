"""The temporal layers as the paper describes them: a temporal transformer block with the spatial block's
hyper-parameters, a temporal ResBlock with the time embedding and a learned merge; old saved layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from moviefactory.errors import ModelLoadError
from moviefactory.models.loading import load_sd2_components
from moviefactory.models.temporal import TemporalAttention, TemporalResBlock
from moviefactory.models.unet import LAYOUT, MovieFactoryConfig, MovieFactoryUNet


def _model(folder: Path, **cfg: object) -> MovieFactoryUNet:
    comps = load_sd2_components(folder)
    return MovieFactoryUNet.from_base(comps.unet, MovieFactoryConfig(base=str(folder), **cfg))  # type: ignore[arg-type]


def _randomise(module: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.2)


def test_temporal_attention_is_a_transformer_block_like_the_spatial_one(tiny_sd2: Path) -> None:
    model = _model(tiny_sd2)
    base = model.base
    spatial = base.down_blocks[0].attentions[0].transformer_blocks[0]
    temporal = model.temporal_down[0].attn[0]
    assert isinstance(temporal, TemporalAttention)
    blk = temporal.block
    # same head layout, same feed-forward (GEGLU, 4x inner width), LayerNorms before attention and FF
    assert (blk.attn1.heads, blk.attn1.inner_dim) == (spatial.attn1.heads, spatial.attn1.inner_dim)
    assert type(blk.ff.net[0]) is type(spatial.ff.net[0])
    assert blk.ff.net[0].proj.weight.shape == spatial.ff.net[0].proj.weight.shape
    assert blk.attn2 is None  # self-attention across frames only
    assert isinstance(blk.norm1, torch.nn.LayerNorm) and isinstance(blk.norm3, torch.nn.LayerNorm)
    names = {n for n, _ in model.named_parameters() if n.startswith("temporal_down.0.attn.0.")}
    assert {"temporal_down.0.attn.0.block.ff.net.2.weight", "temporal_down.0.attn.0.proj_out.weight"} <= names


def test_temporal_attention_mixes_frames_and_chunks_rows_exactly() -> None:
    torch.manual_seed(0)
    layer = TemporalAttention(16, heads=2, head_dim=8, num_groups=4)
    x = torch.randn(2 * 5, 16, 3, 4)  # (B·F, C, H, W) with B = 2, F = 5
    assert torch.equal(layer(x, 5), x)  # zero-initialised output projection: the identity
    _randomise(layer, 1)
    full = layer(x, 5)
    x2 = x.clone()
    x2[0] += 1.0  # frame 0 of video 0
    moved = layer(x2, 5)
    assert not torch.allclose(moved[1:5], full[1:5], atol=1e-5)  # the other frames of video 0 see it
    assert torch.equal(moved[5:], full[5:])  # video 1 does not
    # positions matter: the same content at other frame positions gives other outputs
    same = x[:1].repeat(5, 1, 1, 1)
    out = layer(same, 5)
    assert not torch.allclose(out[0], out[4], atol=1e-5)
    layer.chunk_rows = 5  # 2·3·4 = 24 pixel rows in chunks of 5
    assert torch.allclose(layer(x, 5), full, atol=1e-6)


def test_temporal_resblock_uses_time_embedding_and_learned_merge() -> None:
    torch.manual_seed(0)
    block = TemporalResBlock(8, num_groups=4, temb_channels=12)
    x = torch.randn(2 * 3, 8, 2, 2)
    t1, t2 = torch.randn(6, 12), torch.randn(6, 12)
    assert torch.equal(block(x, 3, t1), x)  # zero last conv: identity at init
    _randomise(block, 2)
    with torch.no_grad():
        block.mix_factor.fill_(0.0)
        a, b = block(x, 3, t1), block(x, 3, t2)
        assert not torch.allclose(a, b, atol=1e-5)  # the timestep reaches the block
        h = 2 * (a - x)  # alpha = 0.5: out = x + 0.5 h
        block.mix_factor.fill_(2.0)
        alpha = torch.sigmoid(torch.tensor(2.0))
        assert torch.allclose(block(x, 3, t1), x + (1 - alpha) * h, atol=1e-5)
        block.mix_factor.fill_(30.0)  # alpha -> 1: the spatial input passes unchanged
        assert torch.allclose(block(x, 3, t1), x, atol=1e-6)


def test_mix_factor_trains_in_stage_two_only(tiny_sd2: Path) -> None:
    model = _model(tiny_sd2)
    mixes = {n for n, _ in model.named_parameters() if n.endswith("mix_factor")}
    assert len(mixes) == sum(
        len(s.res) for s in [*model.temporal_down, model.temporal_mid, *model.temporal_up]
    )
    trainable = {id(p) for p in model.set_trainable("temporal")}
    assert all(id(p) in trainable for n, p in model.named_parameters() if n in mixes)
    assert not any(
        id(p) in {id(q) for q in model.set_trainable("movie")}
        for n, p in model.named_parameters()
        if n in mixes
    )


def _as_layout_one(model: MovieFactoryUNet, folder: Path, stages: list[str]) -> Path:
    """A saved folder as the previous release wrote it: no "layout" key, bare temporal attention keys."""
    from safetensors.torch import save_file

    out = model.save_pretrained(folder)
    cfg = json.loads((out / "config.json").read_text())
    del cfg["layout"]
    cfg["stages_trained"] = stages
    (out / "config.json").write_text(json.dumps(cfg))
    state = {k: v.contiguous() for k, v in model.new_state_dict().items() if not k.startswith("temporal_")}
    state["temporal_down.0.attn.0.to_q.weight"] = torch.randn(16, 16)  # an old-layout temporal key
    state["temporal_down.0.res.0.conv1.weight"] = torch.randn(16, 16, 3, 1, 1)
    save_file(state, str(out / "adapters.safetensors"))
    return out


def test_layout_one_adapters_load_their_spatial_part_or_are_refused(tiny_sd2: Path, tmp_path: Path) -> None:
    model = _model(tiny_sd2)
    _randomise(model.down_adapters, 3)
    old = _as_layout_one(model, tmp_path / "stage1", ["spatial"])
    loaded = MovieFactoryUNet.from_pretrained(old, load_sd2_components(tiny_sd2).unet)
    assert loaded.config.layout == LAYOUT
    for k, v in model.new_state_dict().items():
        if k.startswith("down_adapters"):
            assert torch.equal(loaded.new_state_dict()[k], v), k
    # its temporal layers are a fresh zero-initialised (identity) set, as an untrained old set was
    assert all(
        torch.equal(p, torch.zeros_like(p))
        for n, p in loaded.named_parameters()
        if n.endswith("proj_out.weight") and n.startswith("temporal_")
    )

    trained = _as_layout_one(model, tmp_path / "stage2", ["spatial", "temporal"])
    with pytest.raises(ModelLoadError, match="rerun `moviefactory train temporal`"):
        MovieFactoryUNet.from_pretrained(trained, load_sd2_components(tiny_sd2).unet)
