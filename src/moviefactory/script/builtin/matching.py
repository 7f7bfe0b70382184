"""Matching by meaning (MiniLM): a noun's category, the nearest known kind, setting and genre.

Every table is embedded once per process (`tables()`); a query is one encode and a matrix product.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from moviefactory import language as L
from moviefactory.script import tables as T
from moviefactory.script.builtin.lexicon import CATEGORIES


class Tables:
    """Table embeddings, computed once per machine (TextEmbedder.encode_table keeps them on disk; rows are
    L2-normalised 384-d MiniLM vectors)."""

    def __init__(self) -> None:
        from moviefactory.textembed import text_embedder

        self.emb = text_embedder()
        self.cat_names = list(CATEGORIES)
        self.cat_vecs = [self.emb.encode_table([f"a {w}" for w in CATEGORIES[c]]) for c in self.cat_names]
        rows: list[str] = []
        self.kind_row: list[int] = []  # kind_vecs row -> index into T.KINDS (a kind has a row per alias)
        for i, k in enumerate(T.KINDS):
            for word in (k.name, *k.aliases):
                rows.append(f"a photo of a {word}")
                self.kind_row.append(i)
        self.kind_vecs = self.emb.encode_table(rows)
        self.setting_vecs = self.emb.encode_table([f"a photo of {s.desc}" for s in T.SETTINGS])
        self.genre_vecs = self.emb.encode_table([g.desc for g in T.GENRES])

    def categories(self, nouns: list[str]) -> list[tuple[str, dict[str, float]]]:
        """Per noun: the nearest category and every category's score (mean of its three best cosines)."""
        if not nouns:
            return []
        q = self.emb.encode([f"a {n}" for n in nouns])
        scores = np.stack([np.sort(q @ v.T, axis=1)[:, -3:].mean(axis=1) for v in self.cat_vecs], axis=1)
        return [
            (self.cat_names[int(np.argmax(r))], dict(zip(self.cat_names, map(float, r), strict=True)))
            for r in scores
        ]

    def best_kind(self, text: str) -> tuple[T.Kind, float]:
        """The nearest known kind of character and its cosine."""
        sims = self.kind_vecs @ self.emb.encode([f"a photo of a {text}"])[0]
        j = int(np.argmax(sims))
        return T.KINDS[self.kind_row[j]], float(sims[j])

    def best_setting(self, text: str) -> tuple[T.Setting, float]:
        """The nearest known setting and its cosine."""
        sims = self.setting_vecs @ self.emb.encode([f"a photo of {text}"])[0]
        j = int(np.argmax(sims))
        return T.SETTINGS[j], float(sims[j])

    def genre(self, sentence: str, words: set[str]) -> T.Genre:
        """The nearest genre; a genre's cue words in the request add 0.25 to its cosine."""
        scores = self.genre_vecs @ self.emb.encode([sentence])[0]
        for i, g in enumerate(T.GENRES):
            if words & set(g.cues):
                scores[i] += 0.25
        return T.GENRES[int(np.argmax(scores))]

    def closest(self, query: str, candidates: list[str]) -> int:
        """Index of the candidate nearest in meaning to the query."""
        sims = self.emb.encode(candidates) @ self.emb.encode([query])[0]
        return int(np.argmax(sims))


@lru_cache(maxsize=1)
def tables() -> Tables:
    return Tables()


def a_force_or_place(head: str, score: dict[str, float]) -> bool:
    """A subject that is a force of nature or a place (a volcano erupts, the tide washes away), not a
    character: that category clearly above being-ness (with the agent-noun boost)."""
    being = score["being"] + (0.15 if L.is_agent_noun(head) else 0.0)
    other = max(score["force"], score["place"])
    return other > being + 0.1 and other >= max(score.values())
