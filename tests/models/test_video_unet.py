"""MovieFactoryUNet on a tiny SD2-shaped folder loaded by the production loader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.models.adapters import DomainAwareNorm
from moviefactory.models.loading import load_sd2_components
from moviefactory.models.unet import MovieFactoryConfig, MovieFactoryUNet

B, F, H, W = 2, 3, 4, 8  # latent video: batch, frames, height, width


def _model(folder: Path, **cfg: object) -> MovieFactoryUNet:
    comps = load_sd2_components(folder)
    return MovieFactoryUNet.from_base(comps.unet, MovieFactoryConfig(base=str(folder), **cfg))  # type: ignore[arg-type]


def _inputs(seed: int = 0, h: int = H, w: int = W) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, 4, F, h, w, generator=g)
    t = torch.tensor([10, 700])
    ehs = torch.randn(B, 7, 32, generator=g)
    return x, t, ehs


def _per_frame_base(
    model: MovieFactoryUNet, x: torch.Tensor, t: torch.Tensor, ehs: torch.Tensor
) -> torch.Tensor:
    b, c, f, h, w = x.shape
    flat = x.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)
    out = model.base(flat, t.repeat_interleave(f), ehs.repeat_interleave(f, dim=0)).sample
    return out.reshape(b, f, c, h, w).permute(0, 2, 1, 3, 4)


def _perturb(params: list[torch.nn.Parameter], seed: int, scale: float = 0.1) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in params:
            p.add_(torch.randn(p.shape, generator=g) * scale)


@pytest.mark.parametrize("size", [(H, W), (6, 5)])  # (6, 5): odd width exercises upsample_size forwarding
def test_init_equals_base_image_model_frame_by_frame(tiny_sd2: Path, size: tuple[int, int]) -> None:
    model = _model(tiny_sd2)
    x, t, ehs = _inputs(1, *size)
    with torch.no_grad():
        ours = model(x, t, ehs, torch.tensor([0, 2]))
        ref = _per_frame_base(model, x, t, ehs)
    assert ours.shape == x.shape
    assert torch.equal(ours, ref)
    # and it is not trivially equal: after changing the new modules the outputs differ
    _perturb(model.adapter_parameters() + model.temporal_parameters(), seed=3)
    with torch.no_grad():
        assert not torch.allclose(model(x, t, ehs, torch.tensor([0, 2])), ref, atol=1e-4)


def test_temporal_layers_mix_frames_only_once_trained(tiny_sd2: Path) -> None:
    model = _model(tiny_sd2)
    x, t, ehs = _inputs(2)
    x2 = x.clone()
    x2[:, :, 0] += 1.0  # change frame 0 only
    ids = torch.tensor([0, 0])
    with torch.no_grad():
        assert torch.equal(model(x, t, ehs, ids)[:, :, 1:], model(x2, t, ehs, ids)[:, :, 1:])
        _perturb(model.temporal_parameters(), seed=4)
        assert not torch.allclose(
            model(x, t, ehs, ids)[:, :, 1:], model(x2, t, ehs, ids)[:, :, 1:], atol=1e-5
        )


def _step(model: MovieFactoryUNet, seed: int = 5) -> None:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.1)
    x, t, ehs = _inputs(seed)
    loss = model(x, t, ehs, torch.tensor([0, 1])).pow(2).mean()
    loss.backward()
    opt.step()


@pytest.mark.parametrize("stage", ["spatial", "temporal", "movie"])
def test_each_stage_trains_exactly_its_layers_and_base_is_frozen(tiny_sd2: Path, stage: str) -> None:
    model = _model(tiny_sd2)
    if stage == "temporal":  # stage 2 starts from trained adapters: non-zero, so gradients reach more layers
        _perturb(model.adapter_parameters(), seed=6)
    trainable = model.set_trainable(stage)  # type: ignore[arg-type]
    expected = model.temporal_parameters() if stage == "temporal" else model.adapter_parameters()
    assert {id(p) for p in trainable} == {id(p) for p in expected}
    if stage != "temporal":  # DomainAwareNorm alpha/beta are part of the spatial stages
        assert all(n.alpha.requires_grad and n.beta.requires_grad for n in model.domain_norms())
    before = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.train()
    _step(model)
    after = model.state_dict()
    names = {id(p): n for n, p in model.named_parameters()}
    stage_names = {names[id(p)] for p in expected}
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed, "the stage's layers did not change"
    assert changed <= stage_names
    for n, p in model.named_parameters():
        if n.startswith("base."):
            assert p.grad is None and not p.requires_grad, n
        elif n not in stage_names:
            assert p.grad is None, n
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("base."))
    # zero-initialised outputs get the first gradients; the stage's output projections moved
    if stage == "temporal":
        assert any(k.startswith("temporal_") and k.endswith("proj_out.weight") for k in changed)
    else:
        assert any(k.endswith("res.conv2.weight") for k in changed)
        assert any(k.endswith("attn.proj_out.weight") for k in changed)


def test_domain_ids_change_output_once_alpha_beta_trained(tiny_sd2: Path) -> None:
    model = _model(tiny_sd2)
    x, t, ehs = _inputs(7)
    with torch.no_grad():
        a, b = model(x, t, ehs, torch.tensor([0, 0])), model(x, t, ehs, torch.tensor([2, 2]))
        assert torch.equal(a, b)  # at init every domain is the same
        # "train": adapter convs non-zero, and each domain its own alpha/beta
        _perturb(
            [p for n, p in model.named_parameters() if n.endswith("conv2.weight") and "adapters" in n], seed=8
        )
        g = torch.Generator().manual_seed(9)
        for norm in model.domain_norms():
            norm.alpha.copy_(1.0 + 0.5 * torch.randn(norm.alpha.shape, generator=g))
            norm.beta.copy_(0.5 * torch.randn(norm.beta.shape, generator=g))
        a, b = model(x, t, ehs, torch.tensor([0, 0])), model(x, t, ehs, torch.tensor([2, 2]))
        mixed = model(x, t, ehs, torch.tensor([0, 2]))
    assert not torch.allclose(a, b, atol=1e-4)
    # per-sample ids: sample 0 follows domain 0, sample 1 domain 2
    assert torch.allclose(mixed[0], a[0], atol=1e-5) and torch.allclose(mixed[1], b[1], atol=1e-5)
    assert model.domain_index("movie") == 2
    with pytest.raises(InputError, match="unknown domain 'cartoon'"):
        model.domain_index("cartoon")


def test_domain_aware_norm_matches_group_norm_then_affine() -> None:
    norm = DomainAwareNorm(8, 4, 3)
    assert norm.alpha.shape == (3, 8) and norm.beta.shape == (3, 8)
    x = torch.randn(5, 8, 3, 3)
    ids = torch.tensor([0, 1, 2, 1, 0])
    with torch.no_grad():
        norm.alpha.copy_(torch.arange(24.0).reshape(3, 8) / 10)
        norm.beta.copy_(-torch.arange(24.0).reshape(3, 8) / 7)
    out = norm(x, ids)
    gn = torch.nn.functional.group_norm(x, 4, eps=1e-6)
    ref = gn * norm.alpha[ids][:, :, None, None] + norm.beta[ids][:, :, None, None]
    assert torch.allclose(out, ref, atol=1e-6)
    with pytest.raises(ValueError, match="domain_ids"):
        norm(x)


def test_gradient_checkpointing_gives_same_output_and_grads(tiny_sd2: Path) -> None:
    model = _model(tiny_sd2)
    _perturb(model.adapter_parameters() + model.temporal_parameters(), seed=10, scale=0.05)
    model.set_trainable("temporal")
    x, t, ehs = _inputs(11)
    grads = []
    outs = []
    for ckpt in (False, True):
        model.zero_grad(set_to_none=True)
        if ckpt:
            model.enable_gradient_checkpointing()
        out = model(x, t, ehs, torch.tensor([1, 2]))
        out.pow(2).mean().backward()
        outs.append(out.detach())
        grads.append([p.grad.clone() for p in model.temporal_parameters()])  # type: ignore[union-attr]
    assert torch.allclose(outs[0], outs[1], atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(grads[0], grads[1], strict=True))


def test_adapters_save_and_reload_exactly(tiny_sd2: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    model = _model(tiny_sd2, trained_domains=["webvid"])
    _perturb(model.adapter_parameters() + model.temporal_parameters(), seed=12)
    out_dir = model.save_pretrained(tmp_path / "adapters")
    saved = load_file(str(out_dir / "adapters.safetensors"))
    assert saved and not any(k.startswith("base.") for k in saved)
    assert set(saved) == set(model.new_state_dict())
    cfg = json.loads((out_dir / "config.json").read_text())
    assert cfg["base"] == str(tiny_sd2) and cfg["domains"] == ["webvid", "hdvg", "movie"]
    assert cfg["trained_domains"] == ["webvid"]

    fresh_base = load_sd2_components(tiny_sd2).unet
    reloaded = MovieFactoryUNet.from_pretrained(out_dir, fresh_base)
    for k, v in model.new_state_dict().items():
        assert torch.equal(v, reloaded.new_state_dict()[k]), k
    x, t, ehs = _inputs(13)
    with torch.no_grad():
        assert torch.equal(model(x, t, ehs, torch.tensor([0, 2])), reloaded(x, t, ehs, torch.tensor([0, 2])))
    assert reloaded.config.trained_domains == ["webvid"] and reloaded.config.default_domain() == "webvid"


def test_loading_adapters_refuses_missing_unexpected_and_mismatched(tiny_sd2: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file, save_file

    model = _model(tiny_sd2)
    good = model.save_pretrained(tmp_path / "good")
    tensors = load_file(str(good / "adapters.safetensors"))

    missing = tmp_path / "missing"
    shutil.copytree(good, missing)
    dropped = sorted(tensors)[0]
    save_file({k: v for k, v in tensors.items() if k != dropped}, str(missing / "adapters.safetensors"))
    with pytest.raises(ModelLoadError, match=f"1 missing \\(first: {dropped}\\)"):
        model.load_adapters(missing)

    extra = tmp_path / "extra"
    shutil.copytree(good, extra)
    save_file({**tensors, "down_adapters.9.bogus": torch.zeros(1)}, str(extra / "adapters.safetensors"))
    with pytest.raises(ModelLoadError, match=r"1 unexpected \(first: down_adapters\.9\.bogus\)"):
        model.load_adapters(extra)

    # four domains saved, three in the model: alpha/beta shapes differ
    four = _model(tiny_sd2, domains=["webvid", "hdvg", "movie", "anime"]).save_pretrained(tmp_path / "four")
    with pytest.raises(ModelLoadError, match="shape"):
        model.load_adapters(four)

    (good / "config.json").unlink()
    with pytest.raises(ModelLoadError, match=r"missing config\.json"):
        MovieFactoryUNet.from_pretrained(good, load_sd2_components(tiny_sd2).unet)


def test_config_validation_and_default_domain() -> None:
    assert MovieFactoryConfig().default_domain() == "webvid"
    assert MovieFactoryConfig(trained_domains=["webvid", "movie"]).default_domain() == "movie"
    with pytest.raises(InputError, match="unique"):
        MovieFactoryConfig(domains=["a", "a"])
    with pytest.raises(InputError, match="temporal_kernel"):
        MovieFactoryConfig(temporal_kernel=2)


def test_set_trainable_rejects_unknown_stage(tiny_sd2: Path) -> None:
    with pytest.raises(InputError, match="stage must be"):
        _model(tiny_sd2).set_trainable("all")  # type: ignore[arg-type]
