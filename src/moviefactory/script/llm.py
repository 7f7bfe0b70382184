"""The LLM writer: any OpenAI-compatible chat-completions endpoint -> a validated Movie.

Steps (LLMWriter.write):
  1. check the request; build the messages (prompts.py: the paper's prompt + our JSON Schema); size the reply
     budget (`max_tokens`) from the scene count
  2. ask through `ChatClient` (llm_client.py: streaming, response_format fallbacks, Retry-After, errors with
     the server's own text, the llm/NNN.json transcript); reasoning (`<think>…</think>`) is already stripped
  3. a reply cut off by the token limit (`finish_reason: length`) is continued once; when the joined text is
     still no script, the model is asked for a shorter reply with twice the budget
  4. read the reply: strict JSON (whole text, a ```json fence, the outermost {...}), else a local repair with
     json-repair (trailing commas, comments, single quotes, unquoted keys) before anything goes back to the
     model; normalise harmless deviations (below); validate against spec.Movie; the scene count must match
     `scenes`, or lie in prompts.SCENE_RANGE when the writer decides
  5. on an invalid reply, send the problem back as a follow-up message and ask for the corrected JSON. At
     most `retries` model replies in all (the transport retries 429/5xx on its own budget).

Normalisation (harmless, documented in docs/design-notes.md): a single-key wrapper ({"movie": {...}}) is
unwrapped and a bare scene list wrapped; unknown keys are dropped; schema_version, request, style and writer
are ours; scene ids are positional (s01, s02, ...) and scene seeds derive from (seed, index); enum values are
lower-cased, "_"/" " become "-", a trailing " shot" is dropped and common synonyms mapped ("closeup",
"golden hour", "sunny", "fade to black"); an unknown transition becomes "crossfade", other unknown enum values
fall back to the field's default; character ids are slugified and scene subjects given by name are mapped to
ids (unknown ones dropped); colour names become hex and bad colours are dropped; a missing title comes from
the request; a prompt without "4K" gets the style's look appended (the paper's rule 3). Everything else
(bounds, lengths, scene count, transition overlaps) is sent back to the model to fix.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import json_repair
from pydantic import ValidationError

from moviefactory.config import redact_url
from moviefactory.errors import InputError, ScriptError
from moviefactory.script import Writer, prompts
from moviefactory.script.builtin import scene_seed
from moviefactory.script.llm_client import ChatClient, Transcript, one_line
from moviefactory.script.tables import COLORS
from moviefactory.spec import MAX_SCENES, Character, Movie, Style, check_text, json_schema

if TYPE_CHECKING:
    from moviefactory.config import Settings
    from moviefactory.progress import Reporter

T = TypeVar("T")
# The Movie schema, built once (pydantic takes ~15 ms a call; read-only here: prompts and body serialise it).
movie_schema = functools.cache(json_schema)
MAX_REPLY_TOKENS = 32768

_SYNONYMS: dict[str, dict[str, str]] = {
    "shot": {
        "closeup": "close-up", "close": "close-up", "cu": "close-up", "ecu": "extreme-close-up",
        "extreme-closeup": "extreme-close-up", "mcu": "medium-close-up", "medium-closeup": "medium-close-up",
        "mid": "medium", "medium-wide": "full", "long": "wide", "establishing": "extreme-wide",
        "extreme-long": "extreme-wide", "ews": "extreme-wide", "ws": "wide", "ms": "medium", "full-body": "full",
    },
    "camera": {
        "still": "static", "fixed": "static", "locked": "static", "locked-off": "static", "pan": "pan-right",
        "tilt": "tilt-up", "zoom": "zoom-in", "dolly": "dolly-in", "push-in": "dolly-in", "pull-out": "dolly-out",
        "pull-back": "dolly-out", "track": "tracking", "follow": "tracking", "drone": "aerial", "crane": "aerial",
        "hand-held": "handheld", "steadicam": "tracking", "arc": "orbit",
    },
    "transition_in": {
        "fade": "crossfade", "cross-fade": "crossfade", "cross-dissolve": "dissolve", "fade-to-black": "fade-black",
        "fade-through-black": "fade-black", "fade-to-white": "fade-white", "hard-cut": "cut", "none": "cut",
        "wipe": "wipe-left", "slide": "slide-left",
    },
    "time_of_day": {
        "morning": "sunrise", "early-morning": "dawn", "noon": "day", "midday": "day", "afternoon": "day",
        "daytime": "day", "daylight": "day", "golden": "golden-hour", "evening": "dusk", "twilight": "dusk",
        "midnight": "night", "nighttime": "night",
    },
    "weather": {
        "sunny": "clear", "sun": "clear", "overcast": "cloudy", "clouds": "cloudy", "rainy": "rain",
        "raining": "rain", "stormy": "storm", "thunderstorm": "storm", "snowy": "snow", "snowing": "snow",
        "foggy": "fog", "mist": "fog", "misty": "fog", "windy": "wind",
    },
    "mood": {"happy": "joyful", "exciting": "epic", "suspenseful": "tense", "melancholic": "sad", "scary": "dark",
             "peaceful": "calm", "funny": "playful", "victorious": "triumphant", "mystery": "mysterious"},
    "tempo": {"medium": "moderate", "quick": "fast", "mid": "moderate", "normal": "moderate"},
}  # fmt: skip
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


class Invalid(Exception):
    """A reply we could not use; its message goes back to the model."""


def reply_budget(scenes: int | None) -> int:
    """max_tokens for a whole script: ~280 tokens a scene (our good replies take 150-220) plus the title, tone
    and character bank; when the writer decides, the budget is for the top of prompts.SCENE_RANGE."""
    n = scenes or prompts.SCENE_RANGE[1]
    return min(MAX_REPLY_TOKENS, 800 + 280 * n)


class LLMWriter(Writer):
    name = "llm"
    temperature = 0.7  # varied scripts per seed; reproducible where the server honours `seed`

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        model: str,
        timeout_s: float = 60.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        options: dict[str, Any] | None = None,
        stream: bool = True,
        characters: Path | None = None,
        language: str | None = None,
    ) -> None:
        self.client = ChatClient(
            base_url=base_url,
            api_key=api_key,
            model=model,
            timeout_s=timeout_s,
            retries=retries,
            backoff_s=backoff_s,
            options=options,
            stream=stream,
            temperature=self.temperature,
        )
        self.model = model
        self.retries = retries
        self.user_bank = load_bank(characters) if characters else None  # checked before any request
        self.language = language  # subtitles and narration are written in it; prompts stay English

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMWriter:
        return cls(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            timeout_s=settings.llm_timeout_s,
            retries=settings.llm_retries,
            options=settings.llm_options,
            stream=settings.llm_stream,
            characters=settings.characters,
            language=settings.language,
        )

    @property
    def base_url(self) -> str:
        return self.client.base_url

    @property
    def writer_name(self) -> str:
        return f"{self.name}:{self.model}"[:80]

    def attach(self, folder: Path | None, reporter: Reporter | None = None, task: str = "script") -> None:
        """Keep a transcript in `folder`/llm and show streamed tokens on `reporter`'s `task` bar."""
        self.client.transcript = Transcript(Path(folder) / "llm") if folder is not None else None
        if reporter is not None:
            self.client.progress = lambda done, total: reporter.update(task, done, total)

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        # 1. inputs, messages, budget
        request = check_text(request, what="request")
        if scenes is not None and not 1 <= scenes <= MAX_SCENES:
            raise InputError(f"scenes must be between 1 and {MAX_SCENES}, got {scenes}")
        schema = movie_schema()
        messages: list[dict[str, str]] = [
            {"role": "system", "content": prompts.system_prompt(schema, scenes=scenes)},
            {
                "role": "user",
                "content": prompts.user_prompt(request, scenes=scenes, style=style, language=self.language),
            },
        ]
        bank = self.user_bank
        if bank:
            messages[1]["content"] += "\n\n" + prompts.bank_text([c.model_dump(mode="json") for c in bank])
        self.client.purpose = "script"
        try:
            movie, problem = self.converse(
                messages,
                reply_budget(scenes),
                seed=seed,
                schema=schema,
                read=lambda text: self.read_movie(
                    text, request=request, scenes=scenes, seed=seed, style=style, bank=bank
                ),
                repair=lambda problem: prompts.repair_prompt(problem, scenes=scenes),
            )
        finally:
            self.client.close()
        if movie is None:
            raise ScriptError(
                f"the LLM {self.model!r} at {redact_url(self.base_url)} gave no valid script in {self.retries} "
                f"attempts; last problem: {one_line(problem, 240)}"
            )
        return movie

    def converse(
        self,
        messages: list[dict[str, str]],
        max_tokens: int,
        *,
        seed: int,
        schema: dict[str, Any] | None,
        read: Callable[[str], T],
        repair: Callable[[str], str],
        schema_name: str = "movie",
    ) -> tuple[T | None, str]:
        """Ask until `read(text)` accepts a reply (steps 2-5): (its result or None, the last problem).

        `read` raises Invalid with a message for the model; `repair(problem)` words the follow-up."""
        problem = "no reply"
        asked = 0
        while asked < self.retries:
            # 2. ask
            reply = self.client.complete(
                messages, max_tokens=max_tokens, seed=seed, schema=schema, schema_name=schema_name
            )
            asked += 1
            if reply.refusal:
                raise ScriptError(f"the model {self.model!r} refused: {one_line(reply.refusal, 240)}")
            content = reply.content
            # 3. cut off by the token limit: continue once, else ask for less with more room
            if reply.finish_reason == "length":
                if content and asked < self.retries:
                    more = self.client.complete(
                        [
                            *messages,
                            {"role": "assistant", "content": content},
                            {"role": "user", "content": prompts.CONTINUE_PROMPT},
                        ],
                        max_tokens=max_tokens,
                        seed=seed,
                        schema=None,
                    )
                    asked += 1
                    try:
                        return read(_join(content, more.content)), ""
                    except Invalid:
                        pass
                problem = (
                    f"the reply was cut off at the {max_tokens}-token limit (finish_reason: length) "
                    + ("before the JSON ended" if content else "while the model was still thinking")
                )
                max_tokens = min(MAX_REPLY_TOKENS, max_tokens * 2)
                messages = [
                    *messages,
                    {"role": "assistant", "content": content[:20000]},
                    {"role": "user", "content": prompts.shorter_prompt(problem)},
                ]
                continue
            # 4. read, normalise, validate
            try:
                return read(content), ""
            except Invalid as exc:
                # 5. tell the model what was wrong and ask again
                problem = str(exc)
                messages = [
                    *messages,
                    {"role": "assistant", "content": content[:20000]},
                    {"role": "user", "content": repair(problem)},
                ]
        return None, problem

    # -- replies ----------------------------------------------------------------------------------------
    def read_movie(
        self,
        content: str,
        *,
        request: str,
        scenes: int | None,
        seed: int,
        style: Style,
        bank: list[Character] | None = None,
    ) -> Movie:
        """A reply's text -> a valid Movie, or Invalid with what to tell the model. With a character `bank`,
        the bank replaces the reply's characters and every scene prompt carries its subjects' descriptions."""
        data = normalise(extract_json(content), style=style, bank=bank)
        data.update(
            schema_version=1, request=request, style=style.model_dump(mode="json"), writer=self.writer_name
        )
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            data["title"] = " ".join(request.split()[:8])[:120]
        got = data.get("scenes")
        if isinstance(got, list):
            low, high = (scenes, scenes) if scenes is not None else prompts.SCENE_RANGE
            if not low <= len(got) <= high:
                want = f"exactly {scenes}" if scenes is not None else f"{low}-{high}"
                raise Invalid(f"expected {want} scenes, got {len(got)}")
            for i, sc in enumerate(got):
                if isinstance(sc, dict):
                    sc["id"] = f"s{i + 1:02d}"
                    sc["seed"] = scene_seed(seed, i)
        try:
            movie = Movie.model_validate(data)
        except ValidationError as exc:
            raise Invalid(errors_line(exc)) from exc
        movie = movie.model_copy(update={"style": style})
        return with_descriptions(movie) if bank else movie


def load_bank(path: Path) -> list[Character]:
    """A user's character bank: a JSON list of characters, or {"characters": [...]} (spec.Character fields)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"--characters {path}: cannot read it ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise InputError(f"--characters {path}: not JSON ({exc})") from exc
    if isinstance(data, dict):
        data = data.get("characters")
    if not isinstance(data, list) or not 1 <= len(data) <= 16:
        raise InputError(
            f'--characters {path}: expected a list of 1-16 characters (or {{"characters": [...]}})'
        )
    try:
        bank = [Character.model_validate(c) for c in data]
    except ValidationError as exc:
        raise InputError(f"--characters {path}: {errors_line(exc, limit=2)}") from exc
    if len({c.id for c in bank}) != len(bank):
        raise InputError(f"--characters {path}: character ids must be unique")
    return bank


def with_descriptions(movie: Movie) -> Movie:
    """Every scene prompt carries each of its subjects' fixed description verbatim (the character bank's rule):
    the name in the prompt is replaced by the description, or the description leads the prompt."""
    scenes = []
    for sc in movie.scenes:
        prompt = sc.prompt
        for cid in sc.subjects:
            char = movie.character(cid)
            desc = char.description.strip().rstrip(".")
            if not desc or desc.lower() in prompt.lower():
                continue
            at = prompt.lower().find(char.name.lower())
            prompt = prompt[:at] + desc + prompt[at + len(char.name) :] if at >= 0 else f"{desc}, {prompt}"
        scenes.append(sc.model_copy(update={"prompt": prompt[:1000]}))
    return movie.model_copy(update={"scenes": scenes})


def _join(head: str, tail: str) -> str:
    """A cut-off reply + its continuation; a continuation that restarts inside a ``` fence loses the fence."""
    tail = tail.strip()
    m = _FENCE.match(tail)
    return head + (m.group(1) if m else tail)


def extract_json(text: str) -> Any:
    """The JSON in a reply: the whole text, a ```json fenced block, or the outermost {...}; failing those, the
    same text repaired locally (trailing commas, comments, quotes, a missing bracket at the very end)."""
    candidates = [text.strip()]
    candidates += [m.group(1).strip() for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for c in candidates:
        try:
            return json.loads(c)
        except ValueError:
            continue
    fenced = [m.group(1) for m in _FENCE.finditer(text)]
    source = fenced[0] if fenced else text[start:] if start >= 0 else ""
    if source.strip():
        repaired = json_repair.loads(source)
        if isinstance(repaired, (dict, list)) and repaired:
            return repaired
    raise Invalid(f"the reply is not a JSON object (it starts with {one_line(text, 120)!r})")


def _enum_key(value: str) -> str:
    v = re.sub(r"[\s_]+", "-", value.strip().lower())
    return v[: -len("-shot")] if v.endswith("-shot") else v


def normalise(data: Any, *, style: Style, bank: list[Character] | None = None) -> dict[str, Any]:
    if isinstance(data, list):
        data = {"scenes": data}
    if not isinstance(data, dict):
        raise Invalid("the reply is JSON but not an object")
    if len(data) == 1:
        (only,) = data.values()
        if isinstance(only, dict) and "scenes" in only:
            data = only  # {"movie": {...}}
    if bank is not None:  # the fixed character bank wins over whatever characters the reply lists
        data = {**data, "characters": [c.model_dump(mode="json") for c in bank]}
    schema = movie_schema()
    defs = schema["$defs"]

    def keep(obj: Any, model: str | None) -> Any:
        props = (defs[model] if model else schema)["properties"]
        return {k: v for k, v in obj.items() if k in props} if isinstance(obj, dict) else obj

    def enum(field: str, enum_name: str, value: Any, fallback: str | None = None) -> Any:
        if not isinstance(value, str):
            return value
        allowed = defs[enum_name]["enum"]
        v = _enum_key(value)
        v = _SYNONYMS.get(field, {}).get(v, v)
        return v if v in allowed else fallback

    out = keep(data, None)
    tone = keep(out.get("tone"), "Tone")
    if isinstance(tone, dict):
        for f, e in (("mood", "Mood"), ("tempo", "Tempo")):
            if f in tone and (v := enum(f, e, tone[f])) is not None:
                tone[f] = v
            else:
                tone.pop(f, None)
        out["tone"] = tone

    id_map: dict[str, str] = {}
    chars = out.get("characters")
    if isinstance(chars, list):
        fixed: list[Any] = []
        for c in chars:
            c = keep(c, "Character")
            if isinstance(c, dict):
                raw = str(c.get("id") or c.get("name") or "")
                cid = re.sub(r"[^a-z0-9_-]+", "-", raw.lower()).strip("-_")[:32] or f"c{len(fixed) + 1}"
                for key in (raw, raw.lower(), str(c.get("name", "")).lower(), cid):
                    id_map.setdefault(key, cid)
                c["id"] = cid
                color = c.get("color")
                if isinstance(color, str):
                    col = color.strip().lower()
                    col = COLORS.get(col, col)
                    if re.fullmatch(r"#[0-9a-f]{3}", col):
                        col = "#" + "".join(ch * 2 for ch in col[1:])
                    c["color"] = col if re.fullmatch(r"#[0-9a-f]{6}", col) else ""
            fixed.append(c)
        out["characters"] = fixed

    scenes = out.get("scenes")
    if isinstance(scenes, list):
        fixed_scenes: list[Any] = []
        for sc in scenes:
            sc = keep(sc, "Scene")
            if isinstance(sc, dict):
                for f, e in (
                    ("shot", "Shot"),
                    ("camera", "Camera"),
                    ("time_of_day", "TimeOfDay"),
                    ("weather", "Weather"),
                ):
                    if f in sc and (v := enum(f, e, sc[f])) is not None:
                        sc[f] = v
                    else:
                        sc.pop(f, None)
                if "transition_in" in sc:
                    sc["transition_in"] = enum(
                        "transition_in", "Transition", sc["transition_in"], "crossfade"
                    )
                subs = sc.get("subjects")
                if isinstance(subs, list):
                    mapped = [id_map.get(str(s), id_map.get(str(s).lower())) for s in subs]
                    sc["subjects"] = list(dict.fromkeys(m for m in mapped if m))[:8]
                prompt = sc.get("prompt")
                if isinstance(prompt, str) and prompt.strip() and "4k" not in prompt.lower():
                    sc["prompt"] = f"{prompt.strip().rstrip('.,')}, {style.look}"
            fixed_scenes.append(sc)
        out["scenes"] = fixed_scenes
    return out


def errors_line(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
