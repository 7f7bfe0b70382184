"""Temporal layers initialised from ModelScope text-to-video weights, on tiny configs of both models."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from moviefactory.errors import ModelLoadError
from moviefactory.models.loading import load_sd2_components
from moviefactory.models.modelscope import convert_modelscope_temporal, load_modelscope_temporal
from moviefactory.models.tiny import build_tiny_modelscope_unet
from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet


@pytest.fixture(scope="module")
def modelscope(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_modelscope_unet(tmp_path_factory.mktemp("ms") / "t2v", seed=0)


def _ours(sd2: Path, modelscope: Path) -> MovieFactoryUNet:
    model = MovieFactoryUNet.from_base(
        load_sd2_components(sd2).unet, MovieFactoryConfig(temporal_style="modelscope")
    )
    assert load_modelscope_temporal(model, modelscope) == len(
        [k for k in model.new_state_dict() if k.startswith("temporal_")]
    )
    return model


def test_converted_layers_compute_what_modelscope_computes(tiny_sd2: Path, modelscope: Path) -> None:
    from diffusers import UNet3DConditionModel

    theirs = UNet3DConditionModel.from_pretrained(modelscope / "unet").eval()
    ours = _ours(tiny_sd2, modelscope).eval()
    f = 4
    g = torch.Generator().manual_seed(0)
    pairs = [
        (ours.temporal_down[0], theirs.down_blocks[0], 32),
        (ours.temporal_down[1], theirs.down_blocks[1], 64),  # DownBlock: temporal convs only
        (ours.temporal_mid, theirs.mid_block, 64),
        (ours.temporal_up[1], theirs.up_blocks[1], 32),
    ]
    with torch.no_grad():
        for stack, block, ch in pairs:
            x = torch.randn(2 * f, ch, 3, 5, generator=g)
            for j, conv in enumerate(block.temp_convs):
                ref = conv(x, num_frames=f)
                assert not torch.allclose(ref, x, atol=1e-3)  # the trained layer does something
                assert torch.allclose(stack.res[j](x, f), ref, atol=1e-5)
            for j, attn in enumerate(getattr(block, "temp_attentions", None) or []):
                ref = attn(x, num_frames=f, return_dict=False)[0]
                assert not torch.allclose(ref, x, atol=1e-3)
                assert torch.allclose(stack.attn[j](x, f), ref, atol=1e-5)


def test_modelscope_style_adapters_save_reload_and_refuse_other_layouts(
    tiny_sd2: Path, modelscope: Path, tmp_path: Path
) -> None:
    ours = _ours(tiny_sd2, modelscope)
    saved = ours.save_pretrained(tmp_path / "adapters")
    again = MovieFactoryUNet.from_pretrained(saved, load_sd2_components(tiny_sd2).unet)
    assert again.config.temporal_style == "modelscope"
    x = torch.randn(1, 4, 3, 4, 8)
    ehs = torch.randn(1, 7, 32)
    with torch.no_grad():
        assert torch.equal(ours(x, 10, ehs), again(x, 10, ehs))
    # a model with our own temporal layers cannot take ModelScope weights
    plain = MovieFactoryUNet.from_base(load_sd2_components(tiny_sd2).unet, MovieFactoryConfig())
    with pytest.raises(ModelLoadError, match="temporal_style='modelscope'"):
        load_modelscope_temporal(plain, modelscope)
    # a ModelScope UNet of other widths does not fit
    from diffusers import UNet3DConditionModel

    wide = tmp_path / "wide"
    UNet3DConditionModel(
        sample_size=8,
        block_out_channels=(64, 64),
        layers_per_block=1,
        cross_attention_dim=32,
        down_block_types=("CrossAttnDownBlock3D", "DownBlock3D"),
        up_block_types=("UpBlock3D", "CrossAttnUpBlock3D"),
        attention_head_dim=16,
        norm_num_groups=8,
    ).save_pretrained(wide / "unet")
    with pytest.raises(ModelLoadError, match="has shape"):
        _ours(tiny_sd2, wide)
    with pytest.raises(ModelLoadError, match=r"no unet/config\.json"):
        load_modelscope_temporal(_model_ms(tiny_sd2), tmp_path)


def _model_ms(sd2: Path) -> MovieFactoryUNet:
    return MovieFactoryUNet.from_base(
        load_sd2_components(sd2).unet, MovieFactoryConfig(temporal_style="modelscope")
    )


def test_key_mapping() -> None:
    z = torch.zeros(1)
    state = {
        "down_blocks.0.temp_convs.1.conv1.0.weight": z,  # conv1: (GroupNorm, SiLU, Conv3d)
        "down_blocks.0.temp_convs.1.conv1.2.bias": z,
        "up_blocks.2.temp_convs.0.conv4.3.weight": z,  # conv2..4: (GroupNorm, SiLU, Dropout, Conv3d)
        "mid_block.temp_convs.1.conv3.0.bias": z,
        "down_blocks.1.temp_attentions.0.transformer_blocks.0.attn2.to_q.weight": z,
        "mid_block.temp_attentions.0.proj_in.weight": z,
        "transformer_in.proj_in.weight": z,  # no counterpart
        "down_blocks.0.resnets.0.conv1.weight": z,  # spatial: not ours
    }
    assert sorted(convert_modelscope_temporal(state)) == [
        "temporal_down.0.res.1.convs.0.bias",
        "temporal_down.0.res.1.norms.0.weight",
        "temporal_down.1.attn.0.block.attn2.to_q.weight",
        "temporal_mid.attn.0.proj_in.weight",
        "temporal_mid.res.1.norms.2.bias",
        "temporal_up.2.res.0.convs.3.weight",
    ]
