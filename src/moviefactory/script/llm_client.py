"""One chat-completions exchange with any OpenAI-compatible server (OpenAI, Ollama, llama.cpp, vLLM, LM Studio).

`ChatClient.complete(messages, max_tokens=…)` does, in order:
  1. build the body: model, messages, temperature, seed, max_tokens, a response_format from the ladder
     json_schema -> json_object -> none, `stream: true`, then the user's `--llm-option` fields on top
  2. POST and read the reply: Server-Sent Events chunk by chunk (a progress callback gets the token count),
     or a plain JSON body when the server ignores `stream`
  3. on HTTP 400/422 step down the ladder (no streaming first when the error names `stream`, else the next
     response_format); on 429 (not quota), 5xx, a dropped connection or an error event mid-stream wait
     (Retry-After / retry-after-ms when sent, else a doubling backoff) and ask again, at most `retries`
     requests; 401/403/404, quota, other 4xx and timeouts fail at once with one line carrying the server's
     own text (shortened, secrets removed) and a hint
  4. strip reasoning (`<think>…</think>`, `reasoning_content`) from the content; return a `ChatReply`
  5. every request is saved by the `Transcript` (llm/NNN.json in the movie folder) with the reply, timings and
     token counts; the API key is never in the body, and URLs are written without credentials.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from moviefactory.config import redact_options, redact_url
from moviefactory.errors import InputError, ScriptError
from moviefactory.workspace import atomic_write_json

OLLAMA_PORT = 11434
MAX_WAIT_S = 60.0  # longest Retry-After we sit out; a server asking for more fails with its own number
# Body fields the writer owns: a pass-through option may not replace the conversation or the transport.
RESERVED_OPTIONS = frozenset({"model", "messages", "stream", "stream_options"})
_THINK = re.compile(r"<(think|thinking|reasoning)>(.*?)</\1>\s*", re.DOTALL | re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"^\s*<(think|thinking|reasoning)>", re.IGNORECASE)
_CONTEXT = re.compile(
    r"context (length|size|window)|context_length|maximum context|n_ctx|too many tokens", re.IGNORECASE
)
_SECRET = re.compile(r"\b(sk|pk|rk|key|gsk|hf)[-_][A-Za-z0-9_*.\-]{6,}")
Progress = Callable[[int, int], None]  # (tokens so far, max_tokens)


@dataclass
class ChatReply:
    content: str  # the answer with reasoning removed
    finish_reason: str  # "stop", "length", … ("" when the server sent none)
    reasoning: str = ""  # what the model thought before answering (kept for the transcript)
    refusal: str = ""  # OpenAI's structured-output refusal text
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    seconds: float = 0.0
    streamed: bool = False


@dataclass
class Transcript:
    """llm/NNN.json files in a movie folder: one per request, numbered on from what is already there."""

    folder: Path
    written: list[Path] = field(default_factory=list)

    def save(self, record: dict[str, Any]) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.stem) for p in self.folder.glob("[0-9][0-9][0-9].json")]
        path = self.folder / f"{max(numbers, default=0) + 1:03d}.json"
        atomic_write_json(path, record)
        self.written.append(path)
        return path


def strip_reasoning(text: str) -> tuple[str, str]:
    """(answer, reasoning): remove <think>…</think> blocks, and a leading unclosed reasoning part that ends in
    a bare </think> (templates that put the opening tag in the prompt, as DeepSeek-R1 distills do)."""
    thoughts = [m.group(2).strip() for m in _THINK.finditer(text)]
    text = _THINK.sub("", text)
    close = list(_THINK_CLOSE.finditer(text))
    if close:
        thoughts.append(text[: close[-1].start()].strip())
        text = text[close[-1].end() :]
    elif _THINK_OPEN.match(text):  # thinking never finished (cut off): there is no answer yet
        thoughts.append(text.strip())
        text = ""
    return text.strip(), "\n\n".join(t for t in thoughts if t)


def one_line(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ChatClient:
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
        temperature: float = 0.7,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s  # first wait after 429/5xx without Retry-After; doubles, capped at 8 s
        self.options = dict(options or {})
        bad = RESERVED_OPTIONS & set(self.options)
        if bad:
            raise ScriptError(
                f"--llm-option cannot set {', '.join(sorted(bad))}: the writer sends those itself"
            )
        self.stream = stream
        self.temperature = temperature
        self.formats_left = 3  # json_schema, json_object, none: steps down on 400/422 and stays down
        self.transcript: Transcript | None = None
        self.progress: Progress | None = None
        self._http: httpx.Client | None = None
        self.purpose = ""  # the stage asking (saved in the transcript): "script", "outline", "critique" …

    def _session(self) -> httpx.Client:
        """One connection pool for all of a write's requests (a new client per request costs ~50 ms of TLS
        setup, even for plain http); `close()` ends it."""
        if self._http is None:
            self._http = httpx.Client(timeout=httpx.Timeout(self.timeout_s))
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    @property
    def is_ollama(self) -> bool:
        """Ollama's port: its /v1 endpoint accepts Ollama's own `options` (num_ctx) in the body."""
        return urlsplit(self.base_url).port == OLLAMA_PORT

    @property
    def safe_url(self) -> str:
        return redact_url(self.url)

    # -- the exchange -----------------------------------------------------------------------------------
    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int,
        seed: int,
        schema: dict[str, Any] | None = None,
        schema_name: str = "movie",
    ) -> ChatReply:
        """One answer to `messages` (steps 1-5 above); `schema`: the JSON Schema asked for, if any."""
        problem = ""
        attempt = 0
        client = self._session()
        while attempt < self.retries:
            attempt += 1
            # 1. the body
            body: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                "temperature": self.temperature,
                "seed": seed,
                "max_tokens": max_tokens,
            }
            fmt = self._response_format(schema, schema_name)
            if fmt is not None:
                body["response_format"] = fmt
            if self.stream:
                body["stream"] = True
                body["stream_options"] = {"include_usage": True}
            _merge(body, self.options)
            limit = int(body.get("max_tokens") or max_tokens)
            if self.is_ollama and not (body.get("options") or {}).get("num_ctx"):
                # Ollama's default context (2-4k tokens) silently drops the start of our ~3k-token prompt
                body["options"] = {
                    **(body.get("options") or {}),
                    "num_ctx": context_size(messages, limit),
                }
            # 2. ask and read
            t0 = time.monotonic()
            status, reply, error, headers = self._exchange(client, body, limit)
            self._save(body, status, reply, error, time.monotonic() - t0)
            if status == 200 and reply is not None:
                reply.seconds = time.monotonic() - t0
                return reply
            # 3. what the failure means
            if status in (400, 413, 422) and _CONTEXT.search(error):
                raise ScriptError(
                    f"the LLM endpoint {self.safe_url} says the request does not fit the model's context "
                    f"(HTTP {status}: {_server_text(error, self.api_key)}); give the model more context "
                    "(Ollama: --llm-option options.num_ctx=16384; llama.cpp: llama-server -c 16384; vLLM: "
                    "--max-model-len 16384) or ask for fewer scenes"
                )
            if status in (400, 422) and self._step_down(error, schema):
                attempt -= 1  # the server lacks a feature: not the model's fault, not counted
                continue
            server = _server_text(error, self.api_key)
            if status == 429 and _is_quota(error):
                raise ScriptError(
                    f"the LLM endpoint {self.safe_url} says the quota is used up (HTTP 429): "
                    f"{server}; retrying cannot help, check the account's plan and billing"
                )
            if status in (401, 403):
                raise ScriptError(
                    f"the LLM endpoint {self.safe_url} refused the request (HTTP {status}): "
                    f"{server}; check OPENAI_API_KEY (or MOVIEFACTORY_LLM_API_KEY)"
                    + (" and the model's access" if status == 403 else "")
                )
            if status == 404:
                raise ScriptError(
                    f"the LLM endpoint {self.safe_url} answered HTTP 404 ({server}): {self._not_found_hint()}"
                )
            if status == 429 or status >= 500 or status < 0:
                problem = f"HTTP {status}: {server}" if status > 0 else server
                if attempt >= self.retries:
                    break
                wait = _retry_after(headers)
                if wait is not None and wait > MAX_WAIT_S:
                    raise ScriptError(
                        f"the LLM endpoint {self.safe_url} asks to wait {wait:g} s before "
                        f"trying again ({problem}); try again later"
                    )
                time.sleep(wait if wait is not None else min(8.0, self.backoff_s * 2 ** (attempt - 1)))
                continue
            raise ScriptError(
                f"the LLM endpoint {self.safe_url} refused the request (HTTP {status}): {server}"
            )
        raise ScriptError(
            f"the LLM endpoint {self.safe_url} gave no answer in {self.retries} attempts; "
            f"last problem: {problem}"
        )

    def _response_format(self, schema: dict[str, Any] | None, name: str) -> dict[str, Any] | None:
        if schema is None or self.formats_left <= 1:
            return None
        if self.formats_left == 3:
            return {
                "type": "json_schema",
                "json_schema": {"name": name, "schema": schema, "strict": False},
            }
        return {"type": "json_object"}

    def _step_down(self, error: str, schema: dict[str, Any] | None) -> bool:
        """After a 400/422: drop the feature the server lacks. False when there is nothing left to drop."""
        if self.stream and "stream" in error.lower():
            self.stream = False
            return True
        if schema is not None and self.formats_left > 1:
            self.formats_left -= 1
            return True
        if self.stream:  # some servers reject stream_options without naming it
            self.stream = False
            return True
        return False

    def _not_found_hint(self) -> str:
        path = urlsplit(self.base_url).path.rstrip("/")
        if not re.search(r"/v\d+(beta)?$", path):
            return (
                f"the base URL has no /v1; try {redact_url(self.base_url)}/v1 (Ollama, llama.cpp, vLLM "
                "and LM Studio serve the OpenAI API under /v1)"
            )
        return f"check OPENAI_BASE_URL and the model name {self.model!r} (is it pulled/loaded on the server?)"

    # -- transport --------------------------------------------------------------------------------------
    def _exchange(
        self, client: httpx.Client, body: dict[str, Any], max_tokens: int
    ) -> tuple[int, ChatReply | None, str, httpx.Headers | None]:
        """(status, reply on 200, error text otherwise, response headers); status -1: no HTTP answer."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            with client.stream("POST", self.url, json=body, headers=headers) as r:
                if r.status_code != 200:
                    return r.status_code, None, r.read().decode("utf-8", "replace"), r.headers
                if "text/event-stream" in r.headers.get("content-type", ""):
                    reply, err = self._read_events(r, max_tokens)
                    return (200, reply, "", r.headers) if reply else (-1, None, err, r.headers)
                text = r.read().decode("utf-8", "replace")
        except httpx.TimeoutException as exc:
            raise ScriptError(
                f"the LLM endpoint {self.safe_url} did not answer within {self.timeout_s:g} s; a slow local "
                "model may need more: raise MOVIEFACTORY_LLM_TIMEOUT_S (or llm_timeout_s in moviefactory.toml)"
            ) from exc
        except httpx.HTTPError as exc:
            return -1, None, f"cannot reach {self.safe_url}: {type(exc).__name__}", None
        return 200, _parse_body(text), "", r.headers

    def _read_events(self, r: httpx.Response, max_tokens: int) -> tuple[ChatReply | None, str]:
        parts: list[str] = []
        thoughts: list[str] = []
        finish, refusal = "", ""
        usage: dict[str, Any] = {}
        chunks = 0
        for line in r.iter_lines():
            if not line.startswith("data:"):
                continue  # comments (": keep-alive"), event names, blank separators
            data = line[5:].strip()
            if data == "[DONE]":
                break
            try:
                event = json.loads(data)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            if "error" in event:  # the server failed mid-reply: retry like a 5xx
                return None, f"error event mid-stream: {_server_text(json.dumps(event), self.api_key)}"
            usage = event.get("usage") or usage
            for choice in event.get("choices") or []:
                delta = choice.get("delta") or {}
                for key, sink in (
                    ("content", parts),
                    ("reasoning_content", thoughts),
                    ("reasoning", thoughts),
                    ("refusal", None),
                ):
                    piece = delta.get(key)
                    if isinstance(piece, str) and piece:
                        if sink is None:
                            refusal += piece
                        else:
                            sink.append(piece)
                            chunks += 1
                finish = choice.get("finish_reason") or finish
            if self.progress is not None:
                self.progress(chunks, max_tokens)  # one chunk is about one token on every server we know
        content, inline = strip_reasoning("".join(parts))
        return ChatReply(
            content=content,
            finish_reason=finish,
            reasoning="\n\n".join(x for x in ("".join(thoughts), inline) if x),
            refusal=refusal,
            prompt_tokens=usage.get("prompt_tokens"),
            completion_tokens=usage.get("completion_tokens", chunks),
            streamed=True,
        ), ""

    def _save(
        self, body: dict[str, Any], status: int, reply: ChatReply | None, error: str, seconds: float
    ) -> None:
        if self.transcript is None:
            return
        record: dict[str, Any] = {
            "purpose": self.purpose,
            "url": self.safe_url,
            "time": time.time(),
            "seconds": round(seconds, 3),
            "request": redact_options(body),
            "status": status,
        }
        if reply is not None:
            record["reply"] = {
                "content": reply.content,
                "reasoning": reply.reasoning,
                "refusal": reply.refusal,
                "finish_reason": reply.finish_reason,
                "streamed": reply.streamed,
            }
            record["tokens"] = {"prompt": reply.prompt_tokens, "completion": reply.completion_tokens}
        else:
            record["error"] = _server_text(error, self.api_key, limit=4000)
        self.transcript.save(record)


def parse_options(items: list[str]) -> dict[str, Any]:
    """`--llm-option key=value` strings -> body fields. Values are JSON where they parse (numbers, true,
    {"a": 1}), else strings; dotted keys nest (`options.num_ctx=16384` -> {"options": {"num_ctx": 16384}})."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        path = [k.strip() for k in key.split(".")]
        if not sep or not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", k) for k in path):
            raise InputError(f"--llm-option wants key=value (a dotted key nests), got {item!r}")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        node = out
        for k in path[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise InputError(f"--llm-option {item!r}: {k} is already set to a value, not a group")
        node[path[-1]] = value
    bad = RESERVED_OPTIONS & set(out)
    if bad:
        raise InputError(f"--llm-option cannot set {', '.join(sorted(bad))}: the writer sends those itself")
    return out


def context_size(messages: list[dict[str, str]], max_tokens: int) -> int:
    """Tokens of context a request needs: prompt (~3 characters a token for English and JSON, an
    overestimate on purpose) + the reply budget + slack, rounded up to 2048, at least 8192."""
    prompt = sum(len(m.get("content", "")) for m in messages) // 3
    need = prompt + max_tokens + 512
    return max(8192, -(-need // 2048) * 2048)


def _merge(body: dict[str, Any], options: dict[str, Any]) -> None:
    """Deep-merge pass-through options (nested dicts merge, everything else replaces)."""
    for k, v in options.items():
        if isinstance(v, dict) and isinstance(body.get(k), dict):
            _merge(body[k], v)
        else:
            body[k] = v


def _parse_body(text: str) -> ChatReply | None:
    """A non-streamed chat.completion body -> ChatReply; None when it is not one (treated as a server fault)."""
    try:
        data = json.loads(text)
        choice = data["choices"][0]
        message = choice.get("message") or {}
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ChatReply(content=text, finish_reason="", streamed=False)
    raw = message.get("content")
    content, inline = strip_reasoning(raw if isinstance(raw, str) else "")
    separate = message.get("reasoning_content") or message.get("reasoning") or ""
    usage = data.get("usage") or {}
    return ChatReply(
        content=content,
        finish_reason=str(choice.get("finish_reason") or ""),
        reasoning="\n\n".join(x for x in (str(separate), inline) if x),
        refusal=str(message.get("refusal") or ""),
        prompt_tokens=usage.get("prompt_tokens"),
        completion_tokens=usage.get("completion_tokens"),
    )


def _server_text(payload: str, api_key: str, limit: int = 200) -> str:
    """The server's own error message, one line, shortened, without secrets."""
    text = payload
    try:
        err = json.loads(payload).get("error", payload)
        text = str(err.get("message", err)) if isinstance(err, dict) else str(err)
    except (ValueError, AttributeError):
        pass
    if api_key:
        text = text.replace(api_key, "[key]")
    text = _SECRET.sub("[key]", text)
    text = re.sub(r"\w+://[^\s'\"]+", lambda m: redact_url(m.group(0)), text)
    return one_line(text, limit) or "(empty body)"


def _is_quota(payload: str) -> bool:
    try:
        err = json.loads(payload).get("error") or {}
    except (ValueError, AttributeError):
        return "insufficient_quota" in payload
    if not isinstance(err, dict):
        return "insufficient_quota" in str(err)
    return "insufficient_quota" in (str(err.get("code")), str(err.get("type")))


def _retry_after(headers: httpx.Headers | None) -> float | None:
    """Seconds the server asks us to wait (retry-after-ms, Retry-After as seconds or an HTTP date), or None."""
    if headers is None:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
