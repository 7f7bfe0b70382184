"""CLAP and CLIP loading on tiny models built from config at test time (random weights, real loaders)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from moviefactory.errors import ModelLoadError
from moviefactory.media import write_video
from moviefactory.sound.backend import LibrarySound
from moviefactory.sound.embed import ClapEncoder, ClipEncoder
from moviefactory.spec import Movie, Scene

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

CORPUS = ["glass shattering rain falling thunder a car engine roaring footsteps walking birds"] * 3


def _tokenizer(folder: Path) -> object:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import RobertaTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        CORPUS, vocab_size=300, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    )
    bpe.save_model(str(folder))
    tok = RobertaTokenizerFast(vocab_file=str(folder / "vocab.json"), merges_file=str(folder / "merges.txt"))
    tok.save_pretrained(str(folder))
    return tok


@pytest.fixture(scope="module")
def tiny_clap(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import ClapAudioConfig, ClapConfig, ClapFeatureExtractor, ClapModel, ClapTextConfig

    folder = tmp_path_factory.mktemp("tiny-clap")
    tok = _tokenizer(folder)
    text = ClapTextConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37,
        max_position_embeddings=64, projection_dim=16,
    )  # fmt: skip
    # spec_size / num_mel_bins = 4 crops; a 1 s window is 101 mel frames <= spec_size * 4
    audio = ClapAudioConfig(
        spec_size=64, window_size=4, num_mel_bins=16, patch_size=4, patch_stride=(4, 4), hidden_size=32,
        depths=[1, 1], num_attention_heads=[2, 2], patch_embeds_hidden_size=16, projection_dim=16,
        enable_fusion=False,
    )  # fmt: skip
    torch.manual_seed(0)
    ClapModel(
        ClapConfig(text_config=text.to_dict(), audio_config=audio.to_dict(), projection_dim=16)
    ).save_pretrained(str(folder))
    ClapFeatureExtractor(
        feature_size=16, sampling_rate=48_000, hop_length=480, max_length_s=1, fft_window_size=1024
    ).save_pretrained(str(folder))
    return folder


def test_clap_encoder_loads_and_embeds_text_and_audio(tiny_clap: Path) -> None:
    enc = ClapEncoder.from_pretrained(tiny_clap)
    t = enc.encode_text(["glass shattering", "rain falling"])
    rng = np.random.default_rng(0)
    clips = [
        rng.standard_normal(48_000 * 2).astype(np.float32) * 0.1,
        np.sin(np.arange(24_000) / 10.0).astype(np.float32),
    ]
    a = enc.encode_audio(clips)
    assert t.shape == (2, 16) and a.shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(a[0], a[1])
    np.testing.assert_array_equal(a, enc.encode_audio(clips))  # deterministic: no random crop
    assert enc.name.startswith("clap-tiny-clap")


def test_clap_missing_or_broken_folder_is_a_model_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"no config\.json"):
        ClapEncoder.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError):
        ClapEncoder.from_pretrained(tmp_path)


@pytest.mark.slow
def test_backend_ranks_by_clap_and_caches_audio_embeddings(sound_home: Path, tiny_clap: Path) -> None:
    b = LibrarySound(home=sound_home, library=sound_home / "user", clap=tiny_clap)
    hits = b.search("glass shattering", kind="effect", k=5)
    assert len(hits) == 5 and all(h.item.kind == "effect" for h in hits)
    assert b.identity()["embedder"].startswith("clap:tiny-clap")
    lib = b.libraries()[0]
    cached = list(lib.root.glob("audio-clap-*.npy"))
    assert len(cached) == 1 and np.load(cached[0]).shape == (len(lib), 16)
    # the same query ranks identically from the cache
    assert [h.item.uid for h in b.search("glass shattering", kind="effect", k=5)] == [
        h.item.uid for h in hits
    ]


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    folder = tmp_path_factory.mktemp("tiny-clip")
    tok = _tokenizer(folder)
    cfg = CLIPConfig(
        text_config={"vocab_size": len(tok), "hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 1,
                     "num_attention_heads": 2, "max_position_embeddings": 64, "bos_token_id": 0, "eos_token_id": 2,
                     "pad_token_id": 1},
        vision_config={"hidden_size": 32, "intermediate_size": 37, "num_hidden_layers": 1, "num_attention_heads": 2,
                       "image_size": 32, "patch_size": 8},
        projection_dim=16,
    )  # fmt: skip
    torch.manual_seed(0)
    CLIPModel(cfg).save_pretrained(str(folder))
    CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(
        str(folder)
    )
    return folder


def test_clip_encoder_and_cross_modal_effect_choice(
    sound_home: Path, tiny_clip: Path, tmp_path: Path
) -> None:
    enc = ClipEncoder.from_pretrained(tiny_clip)
    frames = np.random.default_rng(0).integers(0, 255, (3, 40, 56, 3), dtype=np.uint8)
    img = enc.encode_images(frames)
    assert img.shape == (3, 16) and enc.encode_text(["rain"]).shape == (1, 16)
    b = LibrarySound(home=sound_home, library=sound_home / "user", clip_model=tiny_clip)
    clip = write_video(list(frames[[0, 1, 2] * 8]), tmp_path / "c.mp4", fps=8, size=(56, 40))
    scene = Scene(id="s1", prompt="rain", duration_s=2.0, sound="rain falling on a roof")
    track = b.effects(Movie(request="r", title="t", scenes=[scene]), scene, clip, tmp_path / "fx.wav")
    assert track.path.exists() and track.duration_s == 2.0 and b.identity()["clip"].startswith("tiny-clip")
