"""FVD's Fréchet math on Gaussians with known distance, the I3D extractor plumbing on a tiny stand-in
network, and CLIPSIM on a tiny CLIP trained at test time to tell red from blue."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from evaluate_fixtures import colour_frames, moving_blobs

from moviefactory.errors import InputError, ModelLoadError
from moviefactory.evaluate.clipsim import ClipScorer
from moviefactory.evaluate.fvd import FVD_SIZE, FeatureStats, I3DFeatureExtractor, frechet_distance, fvd


def random_rotation(d: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, d)))
    return q


def test_frechet_distance_known_gaussians() -> None:
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    s1, s2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 1.0])
    # diagonal covariances: |mu1-mu2|² + Σ (sqrt(s1) - sqrt(s2))²
    expected = 5.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2
    assert frechet_distance(mu1, np.diag(s1), mu2, np.diag(s2)) == pytest.approx(expected, rel=1e-9)
    q = random_rotation(3, 0)  # the distance does not depend on the basis
    rot = frechet_distance(q @ mu1, q @ np.diag(s1) @ q.T, q @ mu2, q @ np.diag(s2) @ q.T)
    assert rot == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(mu1, np.diag(s1), mu1, np.diag(s1)) == pytest.approx(0.0, abs=1e-9)
    # singular covariances (fewer samples than dimensions): still finite, still the right answer
    sing1, sing2 = np.diag([1.0, 0.0, 0.0]), np.diag([0.0, 0.0, 4.0])
    assert frechet_distance(mu1, sing1, mu1, sing2) == pytest.approx(5.0, abs=1e-3)
    with pytest.raises(InputError, match="shapes"):
        frechet_distance(mu1, np.diag(s1), mu2[:2], np.diag(s2[:2]))


def test_frechet_distance_from_samples_matches_analytic() -> None:
    rng = np.random.default_rng(0)
    d = 6
    a = rng.normal(size=(d, d))
    s1 = a @ a.T / d + np.eye(d) * 0.1
    s2 = np.diag(rng.uniform(0.2, 2.0, d))
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    x = rng.multivariate_normal(mu1, s1, size=40_000)
    y = rng.multivariate_normal(mu2, s2, size=40_000)
    assert fvd(x, y) == pytest.approx(frechet_distance(mu1, s1, mu2, s2), rel=0.05)


def test_i3d_extractor_fvd_is_zero_on_itself_and_grows_with_noise(tiny_i3d: Path) -> None:
    videos = moving_blobs(12)
    videos.append(videos[0][:10])  # shorter than 16 frames: padded, and said so
    ex = I3DFeatureExtractor.from_pretrained(tiny_i3d, device="cpu", batch=4)
    x = ex._prepare([v[:16] for v in videos[:2]])
    assert tuple(x.shape) == (2, 3, 16, FVD_SIZE, FVD_SIZE) and x.min() >= -1 and x.max() <= 1
    feats = ex.features(videos)
    assert feats.shape == (13, 8) and any("padded" in w for w in ex.warnings)
    one_by_one = I3DFeatureExtractor.from_pretrained(tiny_i3d, device="cpu", batch=1).features(videos)
    np.testing.assert_allclose(feats, one_by_one, rtol=1e-5, atol=1e-6)  # batching changes nothing
    assert fvd(feats, feats) == pytest.approx(0.0, abs=1e-6)
    rng = np.random.default_rng(1)
    scores = []
    for sigma in (8, 32, 96):
        noisy = [np.clip(v + rng.normal(0, sigma, v.shape), 0, 255).astype(np.uint8) for v in videos]
        scores.append(fvd(feats, ex.features(noisy)))
    assert 0 < scores[0] < scores[1] < scores[2], scores
    with pytest.raises(InputError, match="at least 2"):
        FeatureStats.of(feats[:1])


def test_i3d_extractor_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        I3DFeatureExtractor.from_pretrained(tmp_path / "nope.pt")
    (tmp_path / "bad.pt").write_bytes(b"junk")
    with pytest.raises(ModelLoadError, match="TorchScript"):
        I3DFeatureExtractor.from_pretrained(tmp_path / "bad.pt")


def test_clipsim_ranks_matching_prompt_first(tiny_clip: Path) -> None:
    scorer = ClipScorer.from_pretrained(tiny_clip, device="cpu")
    assert scorer.name == "tiny-clip"
    red, blue = colour_frames("red", 3, 48, seed=7), colour_frames("blue", 3, 48, seed=8)
    # unseen frames (other noise, other size) and prompts worded differently from the training captions
    red_prompt, blue_prompt = "a red sports car speeding", "a blue plane flying high"
    assert scorer.clipsim(red, red_prompt) > scorer.clipsim(red, blue_prompt) + 0.1
    assert scorer.clipsim(blue, blue_prompt) > scorer.clipsim(blue, red_prompt) + 0.1
    e = scorer.image_embeds(red)
    assert e.shape == (3, 16) and np.allclose(np.linalg.norm(e, axis=1), 1, atol=1e-5)
    assert -1 <= scorer.clipsim(red, "x" * 500) <= 1  # over-long prompts are truncated, not an error
