"""The LLM writer against reply shapes local models send every day, on a loopback fake server (test_script_llm)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_script_llm import REQUEST, FakeLLM, chat, good_script, stream, writer

from moviefactory.config import Settings
from moviefactory.errors import InputError, ScriptError
from moviefactory.script import llm_client, prompts
from moviefactory.script.llm import LLMWriter, reply_budget
from moviefactory.script.llm_client import context_size, parse_options, strip_reasoning
from moviefactory.spec import Style

SCRIPT = json.dumps(good_script())


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    yield fake
    fake.close()


def last_user(req: dict[str, Any]) -> str:
    content: str = req["body"]["messages"][-1]["content"]
    return content


# -- reasoning, repair, truncation -----------------------------------------------------------------------
def test_think_block_before_the_json_is_stripped_in_one_request(llm: FakeLLM) -> None:
    llm.replies = [
        chat("<think>The user wants a race. {maybe a car?} Let me plan 3 scenes.</think>\n\n" + SCRIPT)
    ]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert movie.title == "Race of the Skies" and len(llm.requests) == 1


def test_reasoning_without_an_opening_tag_and_streamed_reasoning_content(llm: FakeLLM) -> None:
    # DeepSeek-R1 distills behind a template that already opened <think>: the reply starts inside it
    assert strip_reasoning("plan {a: 1}\n</think>\n{}") == ("{}", "plan {a: 1}")
    assert strip_reasoning("<think>still thinking when cut off") == ("", "<think>still thinking when cut off")
    llm.replies = [
        stream("Okay, so the scenes {x}...\n</think>" + SCRIPT, reasoning="separate reasoning field")
    ]
    w = writer(llm)
    movie = w.write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(movie.scenes) == 3 and len(llm.requests) == 1


def test_trailing_commas_and_comments_are_repaired_locally(llm: FakeLLM) -> None:
    text = json.dumps(good_script(), indent=1)
    text = text.replace('"logline"', '// the plot in a line\n "logline"').replace("]\n}", "],\n}")
    text = text.replace('"fast"', '"fast",')  # a trailing comma inside "tone"
    with pytest.raises(ValueError):
        json.loads(text)
    llm.replies = [chat("```json\n" + text + "\n```")]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert movie.tone.tempo.value == "fast" and len(llm.requests) == 1


def test_prose_is_not_repaired_into_a_script(llm: FakeLLM) -> None:
    llm.replies = [chat("I'm sorry, but I can't write that movie."), chat(SCRIPT)]
    writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert (
        len(llm.requests) == 2
        and "I'm sorry, but I can't" in llm.requests[1]["body"]["messages"][2]["content"]
    )


def test_max_tokens_is_sized_to_the_scene_count_and_a_cut_reply_is_continued(llm: FakeLLM) -> None:
    cut = len(SCRIPT) // 2
    llm.replies = [stream(SCRIPT[:cut], finish="length"), stream(SCRIPT[cut:])]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(movie.scenes) == 3 and len(llm.requests) == 2
    first, second = (r["body"] for r in llm.requests)
    assert first["max_tokens"] == second["max_tokens"] == reply_budget(3) < reply_budget(12)
    assert second["messages"][-2] == {"role": "assistant", "content": SCRIPT[:cut]}
    assert second["messages"][-1]["content"] == prompts.CONTINUE_PROMPT
    assert "response_format" not in second  # a schema-constrained continuation would restart the object


def test_a_cut_reply_that_cannot_be_continued_asks_for_a_shorter_one_with_more_room(llm: FakeLLM) -> None:
    cut = len(SCRIPT) // 2
    llm.replies = [
        stream(SCRIPT[:cut], finish="length"),
        stream("I apologise, here is the whole thing again:"),
        chat(SCRIPT),
    ]
    movie = writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(movie.scenes) == 3 and len(llm.requests) == 3
    third = llm.requests[2]["body"]
    assert third["max_tokens"] == 2 * reply_budget(3)
    assert "cut off at the" in last_user(llm.requests[2]) and "shorter" in last_user(llm.requests[2])


def test_cut_off_while_thinking_says_so(llm: FakeLLM) -> None:
    llm.replies = [stream("", finish="length", reasoning="hmm " * 50)]
    with pytest.raises(ScriptError, match="while the model was still thinking"):
        writer(llm, retries=1).write(REQUEST, scenes=3, seed=1, style=Style())


# -- HTTP failures -------------------------------------------------------------------------------------
def test_retry_after_is_honoured(llm: FakeLLM) -> None:
    llm.replies = [(429, {"error": {"message": "Rate limit reached", "code": "rate_limit_exceeded"}},
                    {"Retry-After": "1"}), chat(SCRIPT)]  # fmt: skip
    t0 = time.monotonic()
    writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())  # backoff_s is 0.01: only the header waits
    assert time.monotonic() - t0 >= 0.95 and len(llm.requests) == 2


def test_retry_after_beyond_what_we_wait_fails_with_the_servers_number(llm: FakeLLM) -> None:
    llm.replies = [(429, {"error": {"message": "slow down"}}, {"Retry-After": "3600"})]
    with pytest.raises(ScriptError, match="asks to wait 3600 s"):
        writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(llm.requests) == 1


def test_quota_is_not_retried_and_its_text_is_shown(llm: FakeLLM) -> None:
    llm.replies = [(429, {"error": {"message": "You exceeded your current quota, please check your plan.",
                                    "type": "insufficient_quota", "code": "insufficient_quota"}})]  # fmt: skip
    with pytest.raises(ScriptError) as info:
        writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert "exceeded your current quota" in str(info.value) and "retrying cannot help" in str(info.value)
    assert len(llm.requests) == 1


def test_a_500s_body_reaches_the_user(llm: FakeLLM) -> None:
    llm.replies = [(500, {"error": {"message": "CUDA out of memory while loading qwen2.5:32b"}})]
    with pytest.raises(ScriptError) as info:
        writer(llm, retries=2).write(REQUEST, scenes=3, seed=1, style=Style())
    assert "HTTP 500: CUDA out of memory while loading qwen2.5:32b" in str(info.value)
    assert len(llm.requests) == 2


def test_an_error_event_mid_stream_is_retried(llm: FakeLLM) -> None:
    llm.replies = [(200, ("sse", [{"error": {"message": "model crashed"}}])), stream(SCRIPT)]
    writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert len(llm.requests) == 2


def test_a_refusal_is_shown(llm: FakeLLM) -> None:
    body = chat("")[1]
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "refusal": "I can't help with that.",
    }
    llm.replies = [(200, body)]
    with pytest.raises(ScriptError, match=re.escape("refused: I can't help with that.")):
        writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())


def test_404_without_v1_suggests_it(llm: FakeLLM) -> None:
    llm.replies = [(404, "404 page not found")]
    bare = llm.url.removesuffix("/v1")
    w = LLMWriter(base_url=bare, api_key="", model="llama3.1", retries=2, backoff_s=0.01)
    with pytest.raises(ScriptError) as info:
        w.write(REQUEST, scenes=3, seed=1, style=Style())
    assert f"try {bare}/v1" in str(info.value) and "404 page not found" in str(info.value)
    with pytest.raises(ScriptError) as info:
        writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert "try " not in str(info.value) and "model name 'test-model'" in str(info.value)


def test_server_without_streaming_or_json_schema_steps_down(llm: FakeLLM) -> None:
    llm.replies = [(400, {"error": {"message": "stream_options is not supported"}}),
                   (400, {"error": {"message": "unknown response_format type json_schema"}}), chat(SCRIPT)]  # fmt: skip
    writer(llm, retries=1).write(REQUEST, scenes=3, seed=1, style=Style())
    bodies = [r["body"] for r in llm.requests]
    assert [b.get("stream", False) for b in bodies] == [True, False, False]
    assert [b.get("response_format", {}).get("type") for b in bodies] == [
        "json_schema",
        "json_schema",
        "json_object",
    ]


# -- streaming progress, options, Ollama context ---------------------------------------------------------
def test_streamed_reply_reports_tokens_as_they_come(llm: FakeLLM) -> None:
    llm.replies = [stream(SCRIPT, size=40)]
    seen: list[tuple[float, float | None]] = []

    class Rec:
        def update(self, key: str, completed: float, total: float | None = None) -> None:
            seen.append((completed, total))

        def start(self, key: str, label: str, total: float) -> None: ...
        def finish(self, key: str) -> None: ...
        def note(self, message: str) -> None: ...

    w = writer(llm)
    w.attach(None, Rec())
    w.write(REQUEST, scenes=3, seed=1, style=Style())
    counts = [c for c, _ in seen]
    assert len(counts) >= len(SCRIPT) // 40 and counts == sorted(counts) and counts[-1] >= len(SCRIPT) // 40
    assert {t for _, t in seen} == {reply_budget(3)}
    assert llm.requests[0]["body"]["stream"] is True


def test_llm_options_pass_through_and_reserved_keys_are_refused(llm: FakeLLM) -> None:
    opts = parse_options(["top_k=20", "options.num_ctx=16384", "chat_template_kwargs.enable_thinking=false",
                          "max_tokens=9000", "stop=[\"END\"]", "note=plain text"])  # fmt: skip
    assert opts == {
        "top_k": 20,
        "options": {"num_ctx": 16384},
        "chat_template_kwargs": {"enable_thinking": False},
        "max_tokens": 9000,
        "stop": ["END"],
        "note": "plain text",
    }
    llm.replies = [chat(SCRIPT)]
    w = LLMWriter(base_url=llm.url, api_key="", model="m", options=opts, backoff_s=0.01)
    w.write(REQUEST, scenes=3, seed=1, style=Style())
    body = llm.requests[0]["body"]
    assert body["top_k"] == 20 and body["options"] == {"num_ctx": 16384} and body["max_tokens"] == 9000
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    for bad in (["messages=[]"], ["stream=false"], ["novalue"], ["a..b=1"]):
        with pytest.raises(InputError):
            parse_options(bad)


def test_ollama_gets_a_context_length_that_fits_prompt_and_reply(
    llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = int(llm.url.split(":")[-1].split("/")[0])
    monkeypatch.setattr(llm_client, "OLLAMA_PORT", port)  # the fake stands in for Ollama's 11434
    llm.replies = [chat(SCRIPT)]
    writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    body = llm.requests[0]["body"]
    prompt_chars = sum(len(m["content"]) for m in body["messages"])
    assert body["options"]["num_ctx"] >= prompt_chars // 4 + body["max_tokens"]
    assert body["options"]["num_ctx"] % 2048 == 0 and body["options"]["num_ctx"] >= 8192
    assert context_size([{"content": "x" * 30000}], 4000) == 16384
    # the user's own num_ctx wins
    w = LLMWriter(base_url=llm.url, api_key="", model="m", options={"options": {"num_ctx": 4096}})
    w.write(REQUEST, scenes=3, seed=1, style=Style())
    assert llm.requests[1]["body"]["options"] == {"num_ctx": 4096}


# -- scene counts ----------------------------------------------------------------------------------------
def test_scene_count_outside_the_asked_range_goes_back(llm: FakeLLM) -> None:
    llm.replies = [chat(json.dumps(good_script(40))), chat(json.dumps(good_script(9)))]
    movie = writer(llm).write(REQUEST, scenes=None, seed=1, style=Style())
    assert len(movie.scenes) == 9
    assert "expected 8-12 scenes, got 40" in last_user(llm.requests[1])
    assert "between 8 and 12" in llm.requests[0]["body"]["messages"][0]["content"]


# -- transcript and secrets ------------------------------------------------------------------------------
def test_every_exchange_is_saved_without_secrets(llm: FakeLLM, tmp_path: Path) -> None:
    llm.replies = [
        (500, {"error": {"message": "busy, key sk-secret-123456 rejected"}}),
        chat("not json"),
        chat(SCRIPT),
    ]
    creds_url = llm.url.replace("http://", "http://alice:hunter2@")
    w = LLMWriter(base_url=creds_url, api_key="sk-secret-123456", model="m", backoff_s=0.01,
                  options={"extra_body": {"access_token": "tok-hidden-9"}})  # fmt: skip
    w.attach(tmp_path)
    w.write(REQUEST, scenes=3, seed=1, style=Style())
    files = sorted((tmp_path / "llm").iterdir())
    assert [f.name for f in files] == ["001.json", "002.json", "003.json"]
    recs = [json.loads(f.read_text()) for f in files]
    assert [r["status"] for r in recs] == [500, 200, 200]
    assert "busy" in recs[0]["error"] and recs[1]["reply"]["content"] == "not json"
    assert recs[2]["request"]["messages"][-1]["role"] == "user" and recs[2]["seconds"] >= 0
    assert recs[2]["reply"]["finish_reason"] == "stop" and recs[2]["url"].startswith("http://127.0.0.1:")
    everything = "".join(f.read_text() for f in files)
    assert "sk-secret" not in everything and "hunter2" not in everything and "alice" not in everything
    assert "tok-hidden" not in everything and llm.requests[0]["body"]["extra_body"] == {
        "access_token": "tok-hidden-9"
    }
    # a second run numbers on
    llm.replies = [chat(SCRIPT)]
    w.write(REQUEST, scenes=3, seed=1, style=Style())
    assert (tmp_path / "llm" / "004.json").exists()


def test_credentials_never_reach_the_manifest_or_messages(llm: FakeLLM) -> None:
    s = Settings(llm_base_url="https://bob:pa55@llm.example/v1?api-key=zzz&x=1", llm_api_key="sk-k",
                 llm_options={"api_key": "sk-other", "options": {"num_ctx": 8192}})  # fmt: skip
    fp = json.dumps(s.fingerprint())
    assert "pa55" not in fp and "bob" not in fp and "zzz" not in fp and "sk-" not in fp
    assert "https://llm.example/v1?api-key=***&x=1" in fp and '"num_ctx": 8192' in fp
    llm.replies = [(401, {"error": {"message": "no"}})]
    w = LLMWriter(base_url=llm.url.replace("http://", "http://bob:pa55@"), api_key="", model="m")
    with pytest.raises(ScriptError) as info:
        w.write(REQUEST, scenes=3, seed=1, style=Style())
    assert "pa55" not in str(info.value) and "HTTP 401" in str(info.value)


# -- through the command: folder state, transcript, manifest -----------------------------------------------
def test_cli_another_writer_on_a_scripted_folder_says_so_and_rewrite_replaces_it(
    llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from moviefactory.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOVIEFACTORY_LLM_BASE_URL", llm.url.replace("http://", "http://ann:s3cret@"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-written-123")
    args = ["script", REQUEST, "--out", str(tmp_path / "movies"), "--scenes", "3", "--quiet"]
    llm.replies = [stream(SCRIPT)]
    assert main([*args, "--writer", "llm", "--llm-option", "top_k=5"]) == 0
    (folder,) = (tmp_path / "movies").iterdir()
    assert llm.requests[0]["body"]["top_k"] == 5 and (folder / "llm" / "001.json").exists()
    # the folder now holds a script from another writer (as if `make` had run with the built-in one)
    script = json.loads((folder / "script.json").read_text())
    script["writer"] = "builtin"
    (folder / "script.json").write_text(json.dumps(script))
    capsys.readouterr()
    assert main([*args, "--writer", "llm"]) == 2
    err = capsys.readouterr().err
    assert "written by the builtin writer" in err and "--rewrite" in err and len(llm.requests) == 1
    assert main([*args, "--writer", "llm", "--rewrite"]) == 0
    assert (
        len(llm.requests) == 2
        and json.loads((folder / "script.json").read_text())["writer"] == "llm:gpt-4o-mini"
    )
    assert json.loads((folder / "script.prev.json").read_text())["writer"] == "builtin"
    assert (folder / "llm" / "002.json").exists()
    assert main([*args, "--writer", "llm"]) == 0 and len(llm.requests) == 2  # same writer: the script is kept
    written = "".join(p.read_text() for p in folder.rglob("*.json"))
    assert "s3cret" not in written and "sk-never-written" not in written


def test_language_and_a_user_character_bank_reach_the_llm_writer(llm: FakeLLM, tmp_path: Path) -> None:
    cast = tmp_path / "cast.json"
    cast.write_text(
        json.dumps(
            {
                "characters": [
                    {
                        "id": "car",
                        "name": "the red car",
                        "kind": "car",
                        "description": "a dented red 1968 roadster",
                    },
                    {
                        "id": "airplane",
                        "name": "the airplane",
                        "kind": "airplane",
                        "description": "a silver biplane",
                    },
                ]
            }
        )
    )
    llm.replies = [chat(SCRIPT)]
    w = LLMWriter(base_url=llm.url, api_key="", model="m", characters=cast, language="German")
    movie = w.write(REQUEST, scenes=3, seed=1, style=Style())
    user = llm.requests[0]["body"]["messages"][1]["content"]
    assert 'Write "subtitle" and "narration" in German' in user and 'id "car"' in user
    assert "a dented red 1968 roadster" in user
    assert movie.characters[0].description == "a dented red 1968 roadster"
    assert (
        "a dented red 1968 roadster" in movie.scenes[0].prompt
        and "a silver biplane" in movie.scenes[1].prompt
    )
    cast.write_text("[]")
    with pytest.raises(InputError, match="--characters"):
        LLMWriter(base_url=llm.url, api_key="", model="m", characters=cast)


def test_duration_sets_the_scene_count(
    llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from moviefactory.cli import main

    assert Settings(duration_s=60).scenes == 30 and Settings(duration_s=1).scenes == 1
    assert Settings(duration_s=6000 / 10).scenes == 60
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOVIEFACTORY_LLM_BASE_URL", llm.url)
    llm.replies = [chat(SCRIPT)]
    args = ["script", REQUEST, "--writer", "llm", "--out", str(tmp_path), "--quiet"]
    assert main([*args, "--duration", "6s"]) == 0
    assert "Write exactly 3 scenes." in llm.requests[0]["body"]["messages"][1]["content"]
    capsys.readouterr()
    assert main([*args, "--duration", "6s", "--scenes", "5"]) == 2
    assert "not both" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args, "--duration", "soon"])


def test_a_prompt_larger_than_the_context_fails_at_once_with_what_to_raise(llm: FakeLLM) -> None:
    llm.replies = [(400, {"error": {"message": "This model's maximum context length is 4096 tokens. However, you "
                                               "requested 7200 tokens.", "type": "BadRequestError"}})]  # fmt: skip
    with pytest.raises(ScriptError) as info:
        writer(llm).write(REQUEST, scenes=12, seed=1, style=Style())
    msg = str(info.value)
    assert "maximum context length is 4096" in msg and "options.num_ctx" in msg and "--max-model-len" in msg
    assert len(llm.requests) == 1  # not walked down the response_format ladder


# -- what each local server sends (shapes copied from their OpenAI-compatible endpoints) ----------------------
def test_ollama_model_not_pulled(llm: FakeLLM) -> None:
    llm.replies = [(404, {"error": {"message": 'model "qwen2.5:14b" not found, try pulling it first',
                                    "type": "api_error", "param": None, "code": None}})]  # fmt: skip
    with pytest.raises(ScriptError) as info:
        writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    assert "try pulling it first" in str(info.value) and "is it pulled/loaded" in str(info.value)


def test_llama_cpp_context_error_and_timings_field(llm: FakeLLM) -> None:
    llm.replies = [(400, {"error": {"code": 400, "message": "the request exceeds the available context size, "
                                    "try increasing it", "type": "exceed_context_size_error", "n_prompt_tokens": 5012,
                                    "n_ctx": 4096}})]  # fmt: skip
    with pytest.raises(ScriptError, match="llama-server -c 16384"):
        writer(llm).write(REQUEST, scenes=3, seed=1, style=Style())
    body = chat(SCRIPT)[1]
    body["timings"] = {"prompt_n": 3000, "predicted_n": 900, "predicted_per_second": 31.2}
    body["choices"][0]["message"]["reasoning_content"] = "I should start with the car."
    llm.replies = [(200, body)]
    assert len(writer(llm).write(REQUEST, scenes=3, seed=1, style=Style()).scenes) == 3


def test_lm_studio_string_error_and_ollama_stream_without_usage(llm: FakeLLM) -> None:
    events = stream(SCRIPT)[1][1][:-1]  # Ollama sends no usage chunk
    llm.replies = [
        (400, {"error": "'response_format.type' must be 'json_schema' or 'text'"}),
        (200, ("sse", events)),
    ]
    w = writer(llm)
    w.client.formats_left = 2  # as if json_schema had already been refused: json_object is next
    w.write(REQUEST, scenes=3, seed=1, style=Style())
    assert [r["body"].get("response_format", {}).get("type") for r in llm.requests] == ["json_object", None]
