"""Super-resolution: loading ESRGAN-family files in both key layouts, tiling, the clip path, temporal blending.

spandrel cannot be installed next to a CPU-only torch (it imports torchvision), so these tests exercise our
own RRDBNet loader; `SuperResolution.from_pretrained` uses spandrel first where it imports.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file
from upscale_fixtures import TINY, nearest_like_rrdbnet, textured_frames, tiny_rrdbnet

from moviefactory import media
from moviefactory.errors import InputError, ModelLoadError
from moviefactory.upscale import upscale_clip
from moviefactory.upscale.sr import (
    CompactConfig,
    RRDBConfig,
    SRInfo,
    SuperResolution,
    TemporalStabilizer,
    _build_compact,
    rrdb_config_from_state_dict,
    tile_grid,
)


def to_old_esrgan(sd: dict[str, torch.Tensor], num_up: int) -> dict[str, torch.Tensor]:
    """BasicSR names -> the original ESRGAN repository's `model.N` layout (what old .pth files contain)."""
    out = {}
    n_blocks = 1 + max(int(m.group(1)) for k in sd if (m := re.match(r"body\.(\d+)\.", k)))
    # model.0 conv_first, model.1 trunk; then per upsampler (upsample, conv, lrelu); then conv_hr, lrelu, last
    top = {"conv_first": 0}
    for i in range(1, num_up + 1):
        top[f"conv_up{i}"] = 3 * i
    top["conv_hr"] = 3 * num_up + 2
    top["conv_last"] = 3 * num_up + 4
    for k, v in sd.items():
        if m := re.match(r"body\.(\d+)\.rdb(\d)\.conv(\d)\.(weight|bias)", k):
            out[f"model.1.sub.{m.group(1)}.RDB{m.group(2)}.conv{m.group(3)}.0.{m.group(4)}"] = v
        elif k.startswith("conv_body."):
            out[f"model.1.sub.{n_blocks}.{k.split('.')[1]}"] = v
        else:
            name, p = k.split(".")
            out[f"model.{top[name]}.{p}"] = v
    return out


def run_net(net: torch.nn.Module, frames: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        y = net(torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255)
    return (y.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


@pytest.mark.parametrize("layout", ["basicsr-params_ema.pth", "basicsr.safetensors", "old-esrgan.pth"])
def test_loads_rrdbnet_files_in_every_layout(tmp_path: Path, layout: str) -> None:
    net = tiny_rrdbnet()
    sd = {k: v.clone() for k, v in net.state_dict().items()}
    path = tmp_path / f"model-{layout}"
    if layout.startswith("basicsr-params_ema"):
        torch.save({"params_ema": sd}, path)
    elif layout.endswith(".safetensors"):
        save_file(sd, str(path))
    else:
        torch.save(to_old_esrgan(sd, TINY.num_up), path)

    sr = SuperResolution.from_pretrained(path, device="cpu", tile=0)
    assert sr.config == TINY and sr.scale == 4 and sr.info.loader == "moviefactory"
    frames = textured_frames(2, 12, 16)
    np.testing.assert_array_equal(sr.upscale_frames(frames), run_net(net, frames))


@pytest.mark.parametrize(("unshuffle", "scale"), [(2, 2), (4, 1)])
def test_pixel_unshuffle_variants_infer_scale(tmp_path: Path, unshuffle: int, scale: int) -> None:
    cfg = RRDBConfig(num_feat=8, num_block=2, num_grow_ch=4, unshuffle=unshuffle)
    net = tiny_rrdbnet(cfg)
    inferred, _ = rrdb_config_from_state_dict(net.state_dict())
    assert inferred == cfg and inferred.scale == scale
    torch.save(net.state_dict(), tmp_path / "x.pth")
    sr = SuperResolution.from_pretrained(tmp_path / "x.pth", device="cpu")
    assert sr.upscale_frames(textured_frames(1, 16, 20)).shape == (1, 16 * scale, 20 * scale, 3)


@pytest.mark.parametrize("upscale", [2, 4])
def test_loads_srvgg_compact(tmp_path: Path, upscale: int) -> None:
    """Real-ESRGAN's compact models (realesr-animevideov3 layout: body.N convs + PReLUs, "params" wrapper)."""
    cfg = CompactConfig(num_feat=8, num_conv=3, upscale=upscale)
    torch.manual_seed(0)
    net = _build_compact(cfg).eval()
    torch.save({"params": net.state_dict()}, tmp_path / "compact.pth")
    sr = SuperResolution.from_pretrained(tmp_path / "compact.pth", device="cpu", tile=0)
    assert sr.config == cfg and sr.scale == upscale and "Compact" in sr.info.architecture
    frames = textured_frames(2, 12, 16)
    np.testing.assert_array_equal(sr.upscale_frames(frames), run_net(net, frames))
    again = SuperResolution.from_pretrained(sr.save_pretrained(tmp_path / "saved"), device="cpu", tile=0)
    np.testing.assert_array_equal(again.upscale_frames(frames), run_net(net, frames))


def test_save_pretrained_roundtrip(tmp_path: Path) -> None:
    torch.save(tiny_rrdbnet().state_dict(), tmp_path / "a.pth")
    sr = SuperResolution.from_pretrained(tmp_path / "a.pth", device="cpu")
    folder = sr.save_pretrained(tmp_path / "folder")
    again = SuperResolution.from_pretrained(folder, device="cpu")
    frames = textured_frames(1, 12, 12)
    np.testing.assert_array_equal(sr.upscale_frames(frames), again.upscale_frames(frames))


def test_unknown_architecture_and_bad_paths_fail_clearly(tmp_path: Path) -> None:
    torch.save({"encoder.weight": torch.zeros(3, 3)}, tmp_path / "swinir.pth")
    with pytest.raises(ModelLoadError, match="spandrel"):
        SuperResolution.from_pretrained(tmp_path / "swinir.pth", device="cpu")
    torch.save({"state_dict": {"generator.basicvsr.spynet.w": torch.zeros(1)}}, tmp_path / "realbasicvsr.pth")
    with pytest.raises(ModelLoadError, match="mmagic"):  # the paper's video SR: needs mmagic, not here
        SuperResolution.from_pretrained(tmp_path / "realbasicvsr.pth", device="cpu")
    with pytest.raises(InputError, match="does not exist"):
        SuperResolution.from_pretrained(tmp_path / "missing.pth")
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(ModelLoadError, match=r"junk\.pth"):
        SuperResolution.from_pretrained(tmp_path / "junk.pth")


def test_tiles_cover_and_tiled_matches_untiled() -> None:
    assert tile_grid(56, 24, 8) == ([0, 16, 32], 24)
    assert tile_grid(80, 64, 8) == ([0, 36], 44)  # fewest tiles, spread evenly
    assert tile_grid(20, 24, 8) == ([0], 20)
    net = tiny_rrdbnet()
    with (
        torch.no_grad()
    ):  # strong identity path + undamped trunk: output has content and a wide receptive field
        for name in ("conv_first", "conv_up1", "conv_up2", "conv_hr", "conv_last"):
            conv = getattr(net, name)
            conv.weight.mul_(0.3)
            conv.bias.zero_()
            for c in range(3):
                conv.weight[c, c, 1, 1] += 1.0
    info = SRInfo("tiny", "test", "RRDBNet", 4, False, "torch.float32", "cpu")
    frames = textured_frames(1, 40, 56)
    full = SuperResolution(net, info, tile=0).upscale_frames(frames).astype(int)
    assert full.std() > 40  # the output carries the picture, so tile seams would show
    tiled = SuperResolution(net, info, tile=24, overlap=8, batch=2).upscale_frames(frames).astype(int)
    seams = SuperResolution(net, info, tile=24, overlap=0).upscale_frames(frames).astype(int)
    err, seam_err = np.abs(tiled - full), np.abs(seams - full)
    assert err.mean() < 1.0 and err.max() < 32, (err.mean(), err.max())
    assert seam_err.mean() > 3 * err.mean()  # overlap + feathering is what makes it match


def test_upscale_clip_exact_target_size_and_keeps_content(tmp_path: Path, clip8: Path) -> None:
    torch.save({"params": nearest_like_rrdbnet().state_dict()}, tmp_path / "nearest.pth")
    out = upscale_clip(
        clip8,
        tmp_path / "up.mp4",
        model_path=tmp_path / "nearest.pth",
        target=(170, 114),
        device="cpu",
        temporal="flow",
        tile=20,
        overlap=6,
    )
    info = media.probe(out)
    assert (info.width, info.height, info.num_frames, float(info.fps)) == (170, 114, 16, 8.0)
    src, up = media.read_frames(clip8), media.read_frames(out)
    back = np.stack([np.asarray(Image.fromarray(f).resize((48, 32), Image.Resampling.BOX)) for f in up])
    diff = np.abs(back.astype(int) - src.astype(int))
    assert diff.mean() < 6, diff.mean()
    # the check has teeth: a horizontally flipped result is far off
    assert np.abs(back[:, :, ::-1].astype(int) - src.astype(int)).mean() > 3 * diff.mean()


def test_temporal_stabilizer_reduces_flicker_without_ghosting() -> None:
    rng = np.random.default_rng(1)
    static = textured_frames(1, 24, 32)[0].astype(int)
    lr = np.stack([np.clip(static + rng.integers(-4, 5, static.shape), 0, 255) for _ in range(8)]).astype(
        np.uint8
    )
    sr = np.repeat(np.repeat(lr, 2, axis=1), 2, axis=2)  # stand-in per-frame SR: any deterministic x2 map
    flicker = {}
    for mode in ("none", "smooth", "flow"):
        stab = TemporalStabilizer(mode)
        out = np.stack([stab(a, b) for a, b in zip(lr, sr, strict=True)]).astype(int)
        flicker[mode] = np.abs(np.diff(out, axis=0)).mean()
    assert flicker["smooth"] < 0.8 * flicker["none"] and flicker["flow"] < 0.8 * flicker["none"], flicker

    # a bright square moving 3 px per frame: flow-guided blending must keep it where it is (no trail)
    lr = np.zeros((6, 32, 48, 3), np.uint8)
    for i in range(6):
        lr[i, 8:20, 4 + 3 * i : 16 + 3 * i] = 220
    sr = np.repeat(np.repeat(lr, 2, axis=1), 2, axis=2)
    stab = TemporalStabilizer("flow")
    for a, b in zip(lr, sr, strict=True):
        o = stab(a, b).astype(int)
        cx = np.nonzero(o.mean(axis=2) > 110)[1].mean()
        ref = np.nonzero(b.mean(axis=2) > 110)[1].mean()
        assert abs(cx - ref) < 1.5
    with pytest.raises(InputError, match="temporal"):
        TemporalStabilizer("wobble")
