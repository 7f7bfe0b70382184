"""LLMWriter against a real HTTP server on 127.0.0.1 speaking the chat-completions protocol with fixed replies."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from moviefactory.config import Settings
from moviefactory.errors import InputError, ScriptError
from moviefactory.script import WRITERS
from moviefactory.script.builtin import scene_seed
from moviefactory.script.llm import LLMWriter
from moviefactory.script.prompts import PAPER_PROMPT
from moviefactory.spec import Movie, Style

REQUEST = "a race between a car and an airplane"


def chat(content: str) -> tuple[int, Any]:
    """A 200 chat-completions reply carrying `content`."""
    return 200, {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
    }


def good_script(n: int = 3) -> dict[str, Any]:
    scenes = [
        {"prompt": "close-up of a red sports car speeding along a coastal road at sunrise, 4K, high resolution",
         "duration_s": 2.0, "shot": "close-up", "camera": "tracking", "subjects": ["car"], "setting": "coastal road",
         "time_of_day": "sunrise", "weather": "clear", "action": "speeding", "sound": "sports car engine roaring past",
         "subtitle": "The car is ready.", "narration": "", "transition_in": "crossfade", "transition_s": 0.5},
        {"prompt": "close-up of a white airplane soaring through the sky, 4K, high resolution", "duration_s": 2.0,
         "shot": "close-up", "camera": "aerial", "subjects": ["airplane"], "setting": "sky", "time_of_day": "day",
         "weather": "clear", "action": "soaring", "sound": "jet airplane flyby whoosh", "subtitle": "So is the plane."},
        {"prompt": "wide shot of a checkered flag waving in victory, 4K, high resolution", "duration_s": 2.5,
         "shot": "wide", "camera": "dolly-out", "subjects": [], "setting": "finish line", "time_of_day": "golden-hour",
         "weather": "clear", "action": "flag waving", "sound": "crowd cheering", "subtitle": "Victory!",
         "narration": "Only one could win."},
    ]  # fmt: skip
    return {
        "title": "Race of the Skies",
        "logline": "A car and an airplane race to the finish.",
        "tone": {"mood": "triumphant", "tempo": "fast", "music_query": "driving orchestral action"},
        "characters": [
            {
                "id": "car",
                "name": "the red car",
                "description": "a red sports car",
                "kind": "car",
                "color": "#cc0000",
            },
            {"id": "airplane", "name": "the airplane", "description": "a white plane", "kind": "airplane"},
        ],
        "scenes": (scenes * ((n + 2) // 3))[:n],
    }


def stream(content: str, finish: str = "stop", *, reasoning: str = "", size: int = 9) -> tuple[int, Any]:
    """A 200 Server-Sent Events reply: `content` in chunks of `size` characters, as llama.cpp/vLLM/Ollama send
    it (role first, reasoning_content deltas, finish_reason on the last chunk, usage, then [DONE])."""
    events: list[Any] = [{"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]}]
    events += [
        {"choices": [{"index": 0, "delta": {"reasoning_content": reasoning[i : i + size]}}]}
        for i in range(0, len(reasoning), size)
    ]
    events += [
        {"choices": [{"index": 0, "delta": {"content": content[i : i + size]}, "finish_reason": None}]}
        for i in range(0, len(content), size)
    ]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    events.append({"choices": [], "usage": {"prompt_tokens": 3000, "completion_tokens": len(events) - 2}})
    return 200, ("sse", events)


class FakeLLM:
    """Replies are served in order; the last one repeats. A reply is (status, body) or (status, body, headers)
    where body is a dict (JSON), a str (raw text), ("hang", seconds) or ("sse", [event, ...]) (Server-Sent
    Events: dicts become `data: {json}` lines, strings are sent as they are)."""

    def __init__(self) -> None:
        self.replies: list[tuple[Any, ...]] = []  # (status, body) or (status, body, headers)
        self.requests: list[dict[str, Any]] = []
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(raw)}
                )
                i = min(len(fake.requests), len(fake.replies)) - 1
                status, body = fake.replies[i][:2]
                headers: dict[str, str] = fake.replies[i][2] if len(fake.replies[i]) > 2 else {}
                kind = "application/json"
                if isinstance(body, tuple) and body[0] == "hang":
                    fake.release.wait(body[1])
                    status, body = chat("{}")
                if isinstance(body, tuple) and body[0] == "sse":
                    kind = "text/event-stream"
                    lines = [e if isinstance(e, str) else f"data: {json.dumps(e)}" for e in body[1]]
                    body = "".join(f"{line}\n\n" for line in [*lines, "data: [DONE]"])
                data = (json.dumps(body) if isinstance(body, dict) else str(body)).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout test)
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


def writer(fake: FakeLLM, *, retries: int = 3, timeout_s: float = 10.0, key: str = "sk-test") -> LLMWriter:
    return LLMWriter(
        base_url=fake.url,
        api_key=key,
        model="test-model",
        timeout_s=timeout_s,
        retries=retries,
        backoff_s=0.01,
    )


def test_valid_reply_and_what_the_server_received(llm: FakeLLM) -> None:
    llm.replies = [chat(json.dumps(good_script()))]
    style = Style.for_aspect("16:9", fps=12)
    movie = writer(llm).write(REQUEST, scenes=3, seed=42, style=style)

    assert isinstance(movie, Movie) and movie.writer == "llm:test-model"
    assert movie.request == REQUEST and movie.style == style
    assert [s.id for s in movie.scenes] == ["s01", "s02", "s03"]
    assert [s.seed for s in movie.scenes] == [scene_seed(42, i) for i in range(3)]
    assert movie.tone.music_query == "driving orchestral action" and movie.characters[0].color == "#cc0000"
    assert movie.characters[1].color == ""
    assert movie.scenes[2].narration == "Only one could win."

    (req,) = llm.requests
    assert req["path"] == "/v1/chat/completions"
    assert req["headers"]["Authorization"] == "Bearer sk-test"
    body = req["body"]
    assert body["model"] == "test-model" and body["seed"] == 42 and isinstance(body["temperature"], float)
    assert body["response_format"]["type"] == "json_schema"
    system, user = body["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert REQUEST in user["content"]
    assert PAPER_PROMPT.replace("[User Input]", REQUEST) in user["content"]
    assert "exactly 3 scenes" in user["content"]
    schema = json.dumps(Movie.model_json_schema(), separators=(",", ":"))
    assert schema in system["content"]


def test_fenced_json_with_prose_is_extracted(llm: FakeLLM) -> None:
    llm.replies = [chat("Sure! Here is your movie:\n```json\n" + json.dumps(good_script()) + "\n```\nEnjoy.")]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert movie.title == "Race of the Skies" and len(llm.requests) == 1


def test_non_json_then_good_sends_the_problem_back(llm: FakeLLM) -> None:
    llm.replies = [chat("I cannot write JSON today."), chat(json.dumps(good_script()))]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(movie.scenes) == 3 and len(llm.requests) == 2
    msgs = llm.requests[1]["body"]["messages"]
    assert msgs[2] == {"role": "assistant", "content": "I cannot write JSON today."}
    assert msgs[3]["role"] == "user" and "not a JSON object" in msgs[3]["content"]


def test_schema_violation_then_good(llm: FakeLLM) -> None:
    bad = good_script()
    bad["scenes"][1]["duration_s"] = 99  # over the 30 s bound
    llm.replies = [chat(json.dumps(bad)), chat(json.dumps(good_script()))]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert movie.scenes[1].duration_s == 2.0
    follow_up = llm.requests[1]["body"]["messages"][-1]["content"]
    assert "scenes.1.duration_s" in follow_up and "30" in follow_up


def test_wrong_scene_count_is_sent_back(llm: FakeLLM) -> None:
    llm.replies = [chat(json.dumps(good_script(2))), chat(json.dumps(good_script(4)))]
    movie = writer(llm).write(REQUEST, scenes=4, seed=1, style=Style())
    assert len(movie.scenes) == 4
    assert "expected exactly 4 scenes, got 2" in llm.requests[1]["body"]["messages"][-1]["content"]


def test_http_500_is_retried(llm: FakeLLM) -> None:
    llm.replies = [(500, {"error": {"message": "overloaded"}}), chat(json.dumps(good_script()))]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(movie.scenes) == 3 and len(llm.requests) == 2


def test_hang_longer_than_the_timeout_fails_cleanly(llm: FakeLLM) -> None:
    llm.replies = [(200, ("hang", 20.0))]
    t0 = time.monotonic()
    with pytest.raises(ScriptError) as info:
        writer(llm, timeout_s=0.5).write(REQUEST, scenes=3, seed=1, style=Style())
    assert time.monotonic() - t0 < 5.0
    msg = str(info.value)
    assert "did not answer within 0.5 s" in msg and "MOVIEFACTORY_LLM_TIMEOUT_S" in msg and "\n" not in msg
    assert len(llm.requests) == 1


def test_401_fails_at_once_without_leaking_the_key(llm: FakeLLM) -> None:
    llm.replies = [(401, {"error": {"message": "Incorrect API key provided: sk-secret"}})]
    with pytest.raises(ScriptError) as info:
        writer(llm, key="sk-secret").write(REQUEST, scenes=3, seed=1, style=Style())
    msg = str(info.value)
    assert "HTTP 401" in msg and "OPENAI_API_KEY" in msg and "sk-secret" not in msg and "\n" not in msg
    assert "Incorrect API key provided" in msg  # the server's own words, without the key
    assert len(llm.requests) == 1


def test_json_schema_format_rejected_falls_back_to_json_object(llm: FakeLLM) -> None:
    llm.replies = [
        (400, {"error": {"message": "response_format json_schema is not supported"}}),
        chat(json.dumps(good_script())),
    ]
    writer(llm, retries=1).write(REQUEST, scenes=3, seed=1, style=Style())
    formats = [r["body"].get("response_format", {}).get("type") for r in llm.requests]
    assert formats == ["json_schema", "json_object"]


def test_always_invalid_gives_up_after_the_retry_budget(llm: FakeLLM) -> None:
    llm.replies = [chat("nope")]
    with pytest.raises(ScriptError, match="gave no valid script in 2 attempts"):
        writer(llm, retries=2).write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(llm.requests) == 2


def test_unreachable_endpoint() -> None:
    fake = FakeLLM()
    url = fake.url
    fake.close()  # nothing listens on that port any more
    w = LLMWriter(base_url=url, api_key="", model="m", timeout_s=2.0, retries=2, backoff_s=0.01)
    with pytest.raises(ScriptError, match="cannot reach"):
        w.write(REQUEST, scenes=3, seed=1, style=Style())


def test_harmless_deviations_are_normalised(llm: FakeLLM) -> None:
    messy = good_script()
    messy["characters"][0].update(id="Red Car", color="red")
    messy["characters"][1]["color"] = "#FFF"  # short hex
    messy["tone"]["mood"] = "Triumphant"
    messy["director_notes"] = "extra key"
    s1, s2, s3 = messy["scenes"]
    s1.update(
        shot="Close Up",
        camera="Tracking Shot",
        time_of_day="Morning",
        weather="Sunny",
        subjects=["The Red Car"],
        transition_in="swoosh",
        id="scene-1",
        seed=-5,
        mood="extra",
    )
    s2.update(shot="extreme_wide", camera="drone", time_of_day="golden hour", subjects=["airplane", "ghost"])
    s3.update(
        prompt="wide shot of a checkered flag waving", transition_in="Fade to Black", weather="overcast"
    )
    llm.replies = [chat(json.dumps({"movie": messy}))]
    movie = writer(llm).write(REQUEST, scenes=3, seed=7, style=Style())
    c0, c1 = movie.characters
    assert (c0.id, c0.color, c1.color) == ("red-car", "#c8102e", "#ffffff")
    a, b, c = movie.scenes
    assert (a.shot.value, a.camera.value, a.time_of_day.value, a.weather.value) == (
        "close-up",
        "tracking",
        "sunrise",
        "clear",
    )
    assert (
        a.subjects == ["red-car"]
        and a.transition_in.value == "crossfade"
        and a.id == "s01"
        and a.seed == scene_seed(7, 0)
    )
    assert (b.shot.value, b.camera.value, b.time_of_day.value, b.subjects) == (
        "extreme-wide",
        "aerial",
        "golden-hour",
        ["airplane"],
    )
    assert c.transition_in.value == "fade-black" and c.weather.value == "cloudy"
    assert c.prompt.endswith("cinematic, 4K, high resolution")
    assert movie.tone.mood.value == "triumphant"


def test_input_errors_and_registry() -> None:
    w = LLMWriter(base_url="http://127.0.0.1:9", api_key="", model="m")
    for bad in ("", "   ", "a\x00b", "x" * 4001):
        with pytest.raises(InputError):
            w.write(bad, scenes=3, seed=0, style=Style())
    with pytest.raises(InputError):
        w.write(REQUEST, scenes=0, seed=0, style=Style())
    cls = WRITERS.get("llm")
    built = cls.from_settings(
        Settings(llm_base_url="http://h:1/v1/", llm_api_key="k", llm_model="mm", llm_retries=5)
    )
    assert isinstance(built, LLMWriter) and built.base_url == "http://h:1/v1" and built.retries == 5
    assert built.writer_name == "llm:mm"
