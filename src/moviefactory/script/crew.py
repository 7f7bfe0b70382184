"""The crew writer: a staged plan on any OpenAI-compatible model, as MovieAgent and FilmAgent plan a film.

Steps (CrewWriter.write), each a typed, validated step saved as crew/NN-name.json in the movie folder:
  1. outline (director): title, logline, tone, the request's items (what the movie must carry, as word stems),
     and one beat per two-second shot
  2. characters (casting): the character bank, one fixed description per subject; `--characters FILE`
     replaces this step with the user's bank
  3. shots (screenwriter + storyboard): a full script, one scene per beat, shot size and camera named in each
     prompt; the bank's ids and descriptions are enforced (llm.with_descriptions)
  4. critique (script supervisor) and revision, at most `rounds` times: local checks (every request item in
     some prompt, time of day never steps back, no one-scene weather flip, ~2 s scenes, camera words in each
     prompt) plus the model's own problem list; when either finds something, the screenwriter revises with
     the combined list.

Resume and edit: a step file holds {"key": hash of the step's inputs, "data": ...}. A run reuses a step whose
key still matches, with the data as the user left it (so editing crew/01-outline.json changes every later step,
whose keys then differ and which are planned again); an edited file that no longer validates fails with its
path and the first problem.
"""

from __future__ import annotations

import functools
import json
import re
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from moviefactory.config import redact_url
from moviefactory.errors import InputError, ScriptError
from moviefactory.script import prompts
from moviefactory.script.llm import (
    Invalid,
    LLMWriter,
    errors_line,
    extract_json,
    movie_schema,
    reply_budget,
)
from moviefactory.script.llm_client import one_line
from moviefactory.spec import MAX_SCENES, Character, Movie, Style, TimeOfDay, Tone, check_text
from moviefactory.workspace import atomic_write_json, cache_key

if TYPE_CHECKING:
    from moviefactory.progress import Reporter

M = TypeVar("M", bound=BaseModel)
ROUNDS = 3  # critique + revision rounds; the faithfulness set needs at most 2 with canned replies
_TOD_ORDER = [t.value for t in TimeOfDay]  # dawn … night: the order a day runs in (spec's enum order)


class _Step(BaseModel):
    model_config = ConfigDict(extra="ignore")


class RequestItem(_Step):
    role: Literal["subject", "object", "setting", "action", "time", "weather"] = "object"
    words: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1, max_length=8)
    ]
    draw: bool = True


class Outline(_Step):
    title: Annotated[str, Field(min_length=1, max_length=120)]
    logline: Annotated[str, Field(max_length=500)] = ""
    tone: Tone = Tone()
    items: Annotated[list[RequestItem], Field(max_length=24)] = []
    beats: Annotated[list[Annotated[str, Field(max_length=400)]], Field(min_length=1, max_length=MAX_SCENES)]


class CharacterBank(_Step):
    characters: Annotated[list[Character], Field(max_length=16)] = []


class Critique(_Step):
    problems: Annotated[list[Annotated[str, Field(max_length=400)]], Field(max_length=30)] = []


def stem_found(stem: str, text: str) -> bool:
    """A request item's stem counts where it starts a word of `text` (hyphens and underscores read as spaces);
    a stem with a space or non-ASCII letters counts anywhere (shared/faithfulness/README.md's rule)."""
    stem = stem.lower()
    flat = " ".join(text.lower().replace("-", " ").replace("_", " ").split())
    if " " in stem or any(not ch.isascii() for ch in stem if ch.isalpha()):
        return " ".join(stem.replace("-", " ").split()) in flat
    return any(w.startswith(stem) for w in re.findall(r"[^\W_]+", flat))


def check_script(movie: Movie, items: list[RequestItem]) -> list[str]:
    """What a script supervisor can check without a model: request items, continuity, durations, camera."""
    problems: list[str] = []
    text = " ".join(sc.prompt for sc in movie.scenes)
    for it in items:
        if not any(stem_found(w, text) for w in it.words):
            problems.append(f'the request\'s {it.role} "{it.words[0]}" appears in no scene prompt; show it')
    for prev, sc in pairwise(movie.scenes):
        if _TOD_ORDER.index(sc.time_of_day.value) < _TOD_ORDER.index(prev.time_of_day.value):
            problems.append(
                f"scene {sc.id} steps back from {prev.time_of_day.value} to {sc.time_of_day.value}"
            )
    for a, b, c in zip(movie.scenes, movie.scenes[1:], movie.scenes[2:], strict=False):
        if a.weather == c.weather != b.weather:  # one scene of rain between two clear ones
            problems.append(
                f"scene {b.id}'s weather ({b.weather.value}) breaks continuity between "
                f"{a.weather.value} scenes"
            )
    for sc in movie.scenes:
        if not 1.5 <= sc.duration_s <= 3.0:
            problems.append(f"scene {sc.id} lasts {sc.duration_s:g} s; each scene lasts about 2 s (1.5-3)")
        p = sc.prompt.lower().replace("-", " ")
        shot_named = sc.shot.value.replace("-", " ") in p
        camera_named = sc.camera.value == "static" or any(w in p for w in _camera_words(sc.camera.value))
        if not (shot_named and camera_named):
            problems.append(
                f'scene {sc.id}\'s prompt does not name its shot "{sc.shot.value}" and camera move '
                f'"{sc.camera.value}" in words'
            )
    return problems


def _camera_words(camera: str) -> list[str]:
    """Words that name a camera move in a prompt: "pan-right" -> "pan right", "pan"; "dolly-in" -> "dolly"."""
    spaced = camera.replace("-", " ")
    return [spaced, spaced.split()[0]] if " " in spaced else [spaced]


class CrewWriter(LLMWriter):
    name = "crew"

    def __init__(self, *, rounds: int = ROUNDS, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rounds = rounds
        self.folder: Path | None = None
        self.unresolved: list[str] = []  # problems still open after the last round (also in crew/)
        self.reporter: Reporter | None = None
        self.task = "script"

    def attach(self, folder: Path | None, reporter: Reporter | None = None, task: str = "script") -> None:
        super().attach(folder, reporter, task)
        self.folder = Path(folder) / "crew" if folder is not None else None
        self.reporter = reporter
        self.task = task

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        try:
            return self._plan(request, scenes=scenes, seed=seed, style=style)
        finally:
            self.client.close()

    def _plan(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        request = check_text(request, what="request")
        if scenes is not None and not 1 <= scenes <= MAX_SCENES:
            raise InputError(f"scenes must be between 1 and {MAX_SCENES}, got {scenes}")
        key = cache_key(request, scenes, seed, style, self.model, self.language)
        # 1. outline
        low, high = (scenes, scenes) if scenes else prompts.SCENE_RANGE

        def read_outline(text: str) -> Outline:
            outline = _parse(text, Outline)
            if not low <= len(outline.beats) <= high:
                raise Invalid(
                    f"expected {low if low == high else f'{low}-{high}'} beats, got {len(outline.beats)}"
                )
            return outline

        outline = self._step(
            "01-outline",
            key,
            Outline,
            prompts.outline_prompt(request, scenes=scenes, schema=_schema(Outline)),
            read_outline,
            seed,
            1500 + 60 * high,
        )
        key = cache_key(key, outline)
        # 2. characters
        if self.user_bank is not None:
            bank = CharacterBank(characters=self.user_bank)
            self._save("02-characters", key, bank)
        else:
            bank = self._step(
                "02-characters",
                key,
                CharacterBank,
                prompts.casting_prompt(request, outline.model_dump(mode="json"), _schema(CharacterBank)),
                lambda text: _bank(_parse(text, CharacterBank)),
                seed,
                1500,
            )
        key = cache_key(key, bank)
        # 3. shots
        chars = bank.characters
        n = len(outline.beats)
        schema = movie_schema()

        def read_shots(text: str) -> Movie:
            movie = self.read_movie(text, request=request, scenes=n, seed=seed, style=style, bank=chars)
            return movie.model_copy(
                update={"title": outline.title, "logline": outline.logline, "tone": outline.tone}
            )

        messages = prompts.shots_prompt(
            request,
            outline.model_dump(mode="json"),
            [c.model_dump(mode="json") for c in chars],
            scenes=n,
            style=style,
            schema=schema,
            language=self.language,
        )
        movie = self._step(
            "03-shots",
            key,
            Movie,
            messages,
            read_shots,
            seed,
            reply_budget(n),
            schema=schema,
            repair=lambda p: prompts.repair_prompt(p, scenes=n),
        )
        # 4. critique and revision rounds
        for r in range(1, self.rounds + 1):
            key = cache_key(key, movie)
            local = check_script(movie, outline.items)
            review = self._step(
                f"04-critique-{r}",
                key,
                Critique,
                prompts.critique_prompt(
                    request,
                    [it.model_dump() for it in outline.items],
                    movie.model_dump(mode="json"),
                    _schema(Critique),
                ),
                lambda text: _parse(text, Critique),
                seed,
                1200,
            )
            problems = list(dict.fromkeys([*local, *review.problems]))
            if not problems:
                self.unresolved = []
                break
            self.unresolved = problems
            revise = [
                *messages,
                {"role": "assistant", "content": movie.to_json()},
                {"role": "user", "content": prompts.revision_prompt(problems, scenes=n)},
            ]
            revised = self._step(
                f"05-revision-{r}",
                cache_key(key, review),
                Movie,
                revise,
                read_shots,
                seed,
                reply_budget(n),
                schema=schema,
                repair=lambda p: prompts.repair_prompt(p, scenes=n),
            )
            # a revision that loses request items is not taken (the model "fixed" one thing, broke another)
            if _missing(revised, outline.items) <= _missing(movie, outline.items):
                movie = revised
        if self.unresolved and self.reporter is not None:
            self.reporter.note(
                f"crew: {len(self.unresolved)} problem(s) left after {self.rounds} critique rounds "
                f"(see crew/): {one_line('; '.join(self.unresolved), 200)}"
            )
        return movie.model_copy(update={"writer": self.writer_name})

    # -- steps ------------------------------------------------------------------------------------------
    def _step(
        self,
        name: str,
        key: str,
        model: type[M],
        messages: list[dict[str, str]],
        read: Any,
        seed: int,
        max_tokens: int,
        *,
        schema: dict[str, Any] | None = None,
        repair: Any = None,
    ) -> M:
        """A saved step whose key matches, or a new one from the model (saved)."""
        kept = self._load(name, key, model)
        if kept is not None:
            return kept
        if self.reporter is not None:  # the script bar names the step; streamed tokens fill it
            self.reporter.start(self.task, f"script: {name.split('-', 1)[1]}", max_tokens)
        self.client.purpose = name
        got, problem = self.converse(
            messages,
            max_tokens,
            seed=seed,
            schema=schema or _schema(model),
            read=read,
            repair=repair or (lambda p: prompts.repair_prompt(p, scenes=None)),
            schema_name=name.split("-")[1],
        )
        if got is None:
            raise ScriptError(
                f"the crew's {name.split('-', 1)[1]} step got no valid answer from {self.model!r} at "
                f"{redact_url(self.base_url)} in {self.retries} attempts; last problem: "
                f"{one_line(problem, 200)}"
            )
        self._save(name, key, got)
        result: M = got
        return result

    def _load(self, name: str, key: str, model: type[M]) -> M | None:
        path = self.folder / f"{name}.json" if self.folder else None
        if path is None or not path.exists():
            return None
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise InputError(
                f"{path}: not JSON ({exc}); fix it or delete it to plan this step again"
            ) from exc
        if not isinstance(saved, dict) or saved.get("key") != key:
            return None  # an earlier step changed: plan this one again
        try:
            return model.model_validate(saved.get("data"))
        except ValidationError as exc:
            raise InputError(f"{path}: {errors_line(exc, limit=2)}; fix it or delete it") from exc

    def _save(self, name: str, key: str, value: BaseModel) -> None:
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_json(
                self.folder / f"{name}.json",
                {"step": name, "key": key, "data": value.model_dump(mode="json")},
            )


@functools.cache
def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def _parse(text: str, model: type[M]) -> M:
    data = extract_json(text)
    if isinstance(data, dict) and len(data) == 1:
        (only,) = data.values()
        if isinstance(only, dict):
            data = only  # {"outline": {...}}
    if model is CharacterBank and isinstance(data, list):
        data = {"characters": data}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Invalid(errors_line(exc)) from exc


def _bank(bank: CharacterBank) -> CharacterBank:
    ids = [c.id for c in bank.characters]
    if len(set(ids)) != len(ids):
        raise Invalid(f"character ids must be unique, got {ids}")
    return bank


def _missing(movie: Movie, items: list[RequestItem]) -> int:
    text = " ".join(sc.prompt for sc in movie.scenes)
    return sum(not any(stem_found(w, text) for w in it.words) for it in items)
