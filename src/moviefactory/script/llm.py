"""The LLM writer: any OpenAI-compatible chat-completions endpoint -> a validated Movie.

Steps (LLMWriter.write):
  1. check the request; build the messages (prompts.py: the paper's prompt + our JSON Schema)
  2. POST /chat/completions with model, messages, temperature, seed and a response_format: first
     `json_schema` (strict structured output), falling back to `json_object`, then to none, when the server
     answers 400/422 (it does not support that mode)
  3. read the reply: strip Markdown fences, take the outermost JSON object, normalise harmless deviations
     (below), validate against spec.Movie
  4. on an invalid reply, send the problem back as a follow-up message and ask for the corrected JSON; on
     HTTP 429/5xx or a dropped connection, ask again. At most `retries` requests in all (plus the
     response_format fallbacks). 401/403/404 and timeouts fail at once with one line: retrying cannot fix a
     bad key or URL, and a server that hung once multiplies the user's wait if asked again.

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

import json
import re
import time
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError

from moviefactory.errors import InputError, ScriptError
from moviefactory.script import prompts
from moviefactory.script.builtin import scene_seed
from moviefactory.script.tables import COLORS
from moviefactory.spec import MAX_SCENES, Movie, Style, check_text, json_schema

if TYPE_CHECKING:
    from moviefactory.config import Settings

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


class _Invalid(Exception):
    """A reply we could not use; its message goes back to the model."""


class LLMWriter:
    name = "llm"
    temperature = 0.7  # varied scripts per seed; reproducible where the server honours `seed`

    def __init__(
        self, *, base_url: str, api_key: str, model: str, timeout_s: float = 60.0, retries: int = 3,
        backoff_s: float = 0.5,
    ) -> None:  # fmt: skip
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s  # wait before re-asking after 429/5xx, doubling, capped at 8 s

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMWriter:
        return cls(
            base_url=settings.llm_base_url, api_key=settings.llm_api_key, model=settings.llm_model,
            timeout_s=settings.llm_timeout_s, retries=settings.llm_retries,
        )  # fmt: skip

    @property
    def writer_name(self) -> str:
        return f"llm:{self.model}"[:80]

    def write(self, request: str, *, scenes: int | None, seed: int, style: Style) -> Movie:
        # 1. inputs and messages
        request = check_text(request, what="request")
        if scenes is not None and not 1 <= scenes <= MAX_SCENES:
            raise InputError(f"scenes must be between 1 and {MAX_SCENES}, got {scenes}")
        schema = json_schema()
        messages: list[dict[str, str]] = [
            {"role": "system", "content": prompts.system_prompt(schema, scenes=scenes)},
            {"role": "user", "content": prompts.user_prompt(request, scenes=scenes, style=style)},
        ]
        formats: list[dict[str, Any] | None] = [
            {"type": "json_schema", "json_schema": {"name": "movie", "schema": schema, "strict": False}},
            {"type": "json_object"},
            None,
        ]
        problem = "no reply"
        with httpx.Client(timeout=httpx.Timeout(self.timeout_s)) as client:
            attempt = 0
            while attempt < self.retries:
                attempt += 1
                # 2. ask
                body: dict[str, Any] = {
                    "model": self.model, "messages": messages, "temperature": self.temperature, "seed": seed,
                }  # fmt: skip
                if formats[0] is not None:
                    body["response_format"] = formats[0]
                status, payload = self._post(client, body)
                if status in (400, 422) and formats[0] is not None:
                    formats.pop(0)  # the server does not support this response_format: try the next one
                    attempt -= 1
                    continue
                if status == 429 or status >= 500 or status == -1:
                    problem = f"HTTP {status}" if status > 0 else payload
                    time.sleep(min(8.0, self.backoff_s * 2 ** (attempt - 1)))
                    continue
                if status != 200:
                    raise ScriptError(self._refusal(status, payload))
                # 3. read, normalise, validate
                content = ""
                try:
                    content = _message_content(payload)
                    return self._movie(content, request=request, scenes=scenes, seed=seed, style=style)
                except _Invalid as exc:
                    # 4. tell the model what was wrong and ask again
                    problem = str(exc)
                    messages = [
                        *messages,
                        {"role": "assistant", "content": content[:20000]},
                        {"role": "user", "content": prompts.repair_prompt(problem, scenes=scenes)},
                    ]
        raise ScriptError(
            f"the LLM {self.model!r} at {self.base_url} gave no valid script in {self.retries} attempts; "
            f"last problem: {_one_line(problem, 240)}"
        )

    # -- transport --------------------------------------------------------------------------------------
    def _post(self, client: httpx.Client, body: dict[str, Any]) -> tuple[int, str]:
        """(HTTP status, response text); status -1 when the connection failed (retryable)."""
        url = f"{self.base_url}/chat/completions"
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            r = client.post(url, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise ScriptError(f"the LLM endpoint {url} did not answer within {self.timeout_s:g} s") from exc
        except httpx.HTTPError as exc:
            return -1, f"cannot reach {url}: {type(exc).__name__}"
        return r.status_code, r.text

    def _refusal(self, status: int, payload: str) -> str:
        url = f"{self.base_url}/chat/completions"
        hint = {
            401: "check OPENAI_API_KEY", 403: "check OPENAI_API_KEY and the model's access",
            404: f"check OPENAI_BASE_URL and the model name {self.model!r}",
        }.get(status, _one_line(_error_message(payload), 160))  # fmt: skip
        return f"the LLM endpoint {url} refused the request (HTTP {status}): {hint}"

    # -- replies ----------------------------------------------------------------------------------------
    def _movie(self, content: str, *, request: str, scenes: int | None, seed: int, style: Style) -> Movie:
        data = _normalise(_extract_json(content), style=style)
        data.update(
            schema_version=1, request=request, style=style.model_dump(mode="json"), writer=self.writer_name
        )
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            data["title"] = " ".join(request.split()[:8])[:120]
        got = data.get("scenes")
        if isinstance(got, list):
            if scenes is not None and len(got) != scenes:
                raise _Invalid(f"expected exactly {scenes} scenes, got {len(got)}")
            for i, sc in enumerate(got):
                if isinstance(sc, dict):
                    sc["id"] = f"s{i + 1:02d}"
                    sc["seed"] = scene_seed(seed, i)
        try:
            movie = Movie.model_validate(data)
        except ValidationError as exc:
            raise _Invalid(_errors(exc)) from exc
        return movie.model_copy(update={"style": style})


def _message_content(payload: str) -> str:
    try:
        content = json.loads(payload)["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise _Invalid("the reply had no choices[0].message.content") from exc
    if not isinstance(content, str) or not content.strip():
        raise _Invalid("the reply's message was empty")
    return content


def _extract_json(text: str) -> Any:
    """The JSON in a reply: the whole text, a ```json fenced block, or the outermost {...}."""
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
    raise _Invalid(f"the reply is not a JSON object (it starts with {_one_line(text, 60)!r})")


def _enum_key(value: str) -> str:
    v = re.sub(r"[\s_]+", "-", value.strip().lower())
    return v[: -len("-shot")] if v.endswith("-shot") else v


def _normalise(data: Any, *, style: Style) -> dict[str, Any]:
    if isinstance(data, list):
        data = {"scenes": data}
    if not isinstance(data, dict):
        raise _Invalid("the reply is JSON but not an object")
    if len(data) == 1:
        (only,) = data.values()
        if isinstance(only, dict) and "scenes" in only:
            data = only  # {"movie": {...}}
    schema = json_schema()
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


def _errors(exc: ValidationError, limit: int = 5) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _error_message(payload: str) -> str:
    try:
        err = json.loads(payload).get("error")
        return str(err.get("message", err)) if isinstance(err, dict) else str(err or payload)
    except (ValueError, AttributeError):
        return payload


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
