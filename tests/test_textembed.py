"""The per-text embedding memo is an LRU of bounded size (`moviefactory serve` runs for days), and what it
returns after an eviction equals what it returned before."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

from moviefactory.textembed import CACHE_SIZE, DIM, TextEmbedder, text_embedder

NOUNS = ["car", "airplane", "pirate", "lighthouse", "robot", "dragon", "bicycle", "whale", "castle", "train",
         "balloon", "violin", "forest", "desert", "harbour", "comet", "kitchen", "volcano", "tiger", "clock"]  # fmt: skip


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> tuple[TextEmbedder, list[list[str]]]:
    """The process's embedder with an 8-text memo, and the texts the real model was asked for."""
    emb = text_embedder()
    monkeypatch.setattr(emb, "cache_size", 8)
    monkeypatch.setattr(emb, "_cache", OrderedDict())
    asked: list[list[str]] = []
    real = emb.model.encode

    def spy(texts: list[str], **kw: Any) -> np.ndarray:
        asked.append(list(texts))
        return real(texts, **kw)

    monkeypatch.setattr(emb.model, "encode", spy)
    return emb, asked


def test_the_memo_stays_bounded_and_returns_equal_embeddings(
    small: tuple[TextEmbedder, list[list[str]]],
) -> None:
    emb, asked = small
    texts = [f"a {n} at dawn" for n in NOUNS]
    first = emb.encode(texts[:4])
    assert first.shape == (4, DIM) and np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    for i in range(4, len(texts), 4):
        emb.encode(texts[i : i + 4])
        assert emb.cached_texts() <= 8
    assert emb.cached_texts() == 8
    again = emb.encode(texts[:4])  # evicted long ago: computed again, and equal
    assert asked[-1] == texts[:4]
    np.testing.assert_allclose(again, first, atol=1e-5)
    # one call asking for more texts than the memo holds still gets every row, in order
    everything = emb.encode(texts)
    assert everything.shape == (len(texts), DIM) and emb.cached_texts() == 8
    np.testing.assert_allclose(everything[:4], first, atol=1e-5)


def test_the_least_recently_used_text_goes_first(small: tuple[TextEmbedder, list[list[str]]]) -> None:
    emb, asked = small
    texts = [f"the {n} in the rain" for n in NOUNS[:9]]
    emb.encode(texts[:8])  # full
    emb.encode([texts[0]])  # texts[0] is now the most recently used; texts[1] the least
    assert len(asked) == 1  # a memo hit asks the model nothing
    emb.encode([texts[8]])  # evicts texts[1]
    emb.encode([texts[0]])
    assert asked[-1] == [texts[8]]  # texts[0] was kept
    emb.encode([texts[1]])
    assert asked[-1] == [texts[1]]  # texts[1] was evicted


def test_the_default_bound_is_documented_and_small() -> None:
    assert CACHE_SIZE * DIM * 4 <= 8 * 2**20  # at most 8 MB of vectors for the life of a server


def test_a_table_is_embedded_once_per_machine(
    small: tuple[TextEmbedder, list[list[str]]], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    emb, asked = small
    monkeypatch.setenv("MOVIEFACTORY_HOME", str(tmp_path))
    table = [f"a photo of a {n}" for n in NOUNS[:6]]
    first = emb.encode_table(table)
    assert asked and sorted(asked[-1]) == sorted(table)  # computed once ...
    stored = list((tmp_path / "cache" / "embeddings").glob("*.npy"))
    assert len(stored) == 1 and np.array_equal(np.load(stored[0]), first)
    emb._cache.clear()
    n_calls = len(asked)
    again = emb.encode_table(table)
    assert len(asked) == n_calls and np.array_equal(again, first)  # ... then read from disk
    assert np.array_equal(emb.encode([table[2]]), first[2:3])  # the memo holds the table's own rows
    assert len(asked) == n_calls
    other = emb.encode_table(table[:3])  # another table: another key
    assert np.allclose(other, first[:3], atol=1e-5) and len(list(stored[0].parent.glob("*.npy"))) == 2
