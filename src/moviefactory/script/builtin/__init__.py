"""The offline writer: one sentence -> a multi-scene story that is the request's own.

Steps (BuiltinWriter.write), one module each:
  1. read the request with a real parse (moviefactory.language: spaCy): characters with their modifiers,
     each event with who does it to whom, places, time, season and weather, in the order written
  2. understand the nouns with MiniLM (`matching`, with the example words of `lexicon`): which are beings or
     vehicles (characters), places, things (props) or forces (weather, tide, lava); the nearest known setting
     for a place that is implied, not named ("a sandcastle" -> a beach, "a drowning sailor" -> the sea)
     (`chunking`)
  3. stage the story (`story`): an establishing shot, one introduction per main character, then every event
     in the order written, each as a beat (setup -> action), the last event as the turning point (build-up,
     peak, consequence), and a wide resolution. Filler lines only for a request with no event at all.
  4. dress each beat (`dressing`): the place as said, the time as said (no drift), seasons walked through in
     order, weather that fits the place (no sky indoors), shot and camera (never the same pair twice in a
     row), a sound line from what the scene shows, subtitle and narration
  5. title, logline, tone (MiniLM genre), characters (the user's words; a colour only where the user gave one
     or two characters of one kind must be told apart); every content word not used is a notice

Deterministic per (request, scenes, seed, style): one `random.Random(seed)` drives every choice.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from moviefactory import language as L
from moviefactory.errors import InputError
from moviefactory.script import Writer
from moviefactory.script.builtin.chunking import places, sort_nouns
from moviefactory.script.builtin.dressing import dress, scene_seed, verbatim
from moviefactory.script.builtin.lexicon import DEFAULT_SCENES
from moviefactory.script.builtin.matching import tables
from moviefactory.script.builtin.story import beats
from moviefactory.spec import MAX_SCENES, Movie, Style, check_text

if TYPE_CHECKING:
    from moviefactory.config import Settings

__all__ = ["DEFAULT_SCENES", "BuiltinWriter", "scene_seed"]


class BuiltinWriter(Writer):
    name = "builtin"

    def __init__(self) -> None:
        self.notices: list[str] = []  # what the writer could not use, for the CLI and the report

    @classmethod
    def from_settings(cls, settings: Settings) -> BuiltinWriter:
        return cls()

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        request = check_text(request, what="request")
        n = DEFAULT_SCENES if scenes is None else scenes
        if not 1 <= n <= MAX_SCENES:
            raise InputError(f"scenes must be between 1 and {MAX_SCENES}, got {n}")
        rng = random.Random(seed)
        reading = L.analyse(request)
        self.notices = []
        if not reading.english:
            self.notices.append(
                "the built-in writer reads only English: your words are kept as they are; --writer llm translates"
            )
            return verbatim(reading, n, seed, style, rng, self.name)
        tab = tables()
        nouns = sort_nouns(reading, tab, rng)
        where = places(reading, nouns, tab)
        genre = tab.genre(reading.body, {w.lower() for w in re.findall(r"\w+", reading.body)})
        story = beats(reading, nouns, n, genre)
        movie = dress(reading, nouns, where, story, genre, seed, style, rng, self.name)
        self._check_unused(reading, movie)
        return movie

    def _check_unused(self, r: L.Reading, movie: Movie) -> None:
        """A notice for every content word of the request that no prompt uses (its stem not found)."""
        text = L.normalise(" ".join(s.prompt for s in movie.scenes))
        words = set(text.split())
        missing = [w for w in r.content if not any(x.startswith(w[: max(3, len(w) - 2)]) for x in words)]
        if missing:
            self.notices.append("not used: " + ", ".join(f"'{w}'" for w in missing))
