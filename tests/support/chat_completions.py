"""A local stand-in for an OpenAI-compatible Chat Completions server (`POST /v1/chat/completions`).

It speaks the protocol as OpenAI documents it: a bearer key, a JSON body with `model` and
`messages`, the `chat.completion` answer (id, object, created, model, choices with message and
finish_reason, usage with token counts) and errors as {"error": {message, type, param, code}}.
Streaming is off: a request with `"stream": true` is refused with 400, and so is JSON mode
(`response_format` json_object) without the word "JSON" in the messages, as OpenAI does.

The "model" reads the user message the `openai` engine sends (JSON with "segments" and
"glossary") and answers with the same ids: the fixture engine's English for sentences it knows,
else word by word (`tests.support.mt_services.WORDS`), glossary terms first, markers kept.
Tests script what a real model or server does on a bad day: `fail_next` (status, message,
headers such as Retry-After), `answer_next` (content and finish_reason as given), `stall_next`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from shared import clock
from tests.support.fixture_engine import ENGLISH
from tests.support.local_server import LocalServer
from tests.support.mt_services import word_by_word

ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}


@dataclass
class Scripted:
    """One scripted answer instead of a translation."""

    status: int = 200
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content: str | None = None
    finish_reason: str = "stop"
    stall_seconds: float = 0.0


class ChatCompletionsServer(LocalServer):
    def __init__(self, api_key: str = "sk-test", ignore_glossary: bool = False) -> None:
        self.api_key = api_key
        #: A model that does not follow the glossary: the QA gate must catch it.
        self.ignore_glossary = ignore_glossary
        #: Every request's JSON body, in order.
        self.requests: list[dict[str, Any]] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        """The base URL the SDK is given (OpenAI's ends in /v1 too)."""
        return f"{self.base_url}/v1"

    def fail_next(self, status: int, message: str = "scripted failure", **headers: str) -> None:
        self._script.append(
            Scripted(status, message, {k.replace("_", "-"): v for k, v in headers.items()})
        )

    def answer_next(self, content: str | None, finish_reason: str = "stop") -> None:
        self._script.append(Scripted(content=content, finish_reason=finish_reason))

    def stall_next(self, seconds: float) -> None:
        self._script.append(Scripted(stall_seconds=seconds))

    def segments_asked(self) -> list[dict[str, str]]:
        return [_request_of(body)["segments"] for body in self.requests]

    def respond(self, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, str], Any]:
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided.")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.")
        if body.get("stream"):
            return _error(400, "Streaming is not supported by this server.", param="stream")
        if not body.get("model") or not isinstance(body.get("messages"), list):
            return _error(400, "'model' and 'messages' are required properties.")
        wants_json = (body.get("response_format") or {}).get("type") == "json_object"
        if wants_json and "json" not in json.dumps(body["messages"]).lower():
            return _error(
                400,
                "'messages' must contain the word 'json' in some form, to use 'response_format' "
                "of type 'json_object'.",
                param="messages",
            )
        with self._lock:
            self.requests.append(body)
            scripted = self._script.popleft() if self._script else Scripted()
        if scripted.stall_seconds:
            time.sleep(scripted.stall_seconds)
        if scripted.status != 200:
            status, extra, payload = _error(scripted.status, scripted.message)
            return status, extra | scripted.headers, payload
        content = scripted.content
        if content is None and scripted.finish_reason == "stop":
            content = json.dumps(self._translate(_request_of(body)), ensure_ascii=False)
        return 200, {}, _completion(body, content, scripted.finish_reason)

    def _translate(self, request: dict[str, Any]) -> dict[str, str]:
        glossary = {} if self.ignore_glossary else {t["de"]: t["en"] for t in request["glossary"]}
        return {
            segment_id: _sentence(text, glossary)
            for segment_id, text in request["segments"].items()
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if self.path != "/v1/chat/completions":
                    self._send(*_error(404, f"Invalid URL (POST {self.path})"))
                    return
                self._send(*server.respond(headers, raw))

            def _send(self, status: int, headers: dict[str, str], payload: Any) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a timeout test)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _sentence(german: str, glossary: dict[str, str]) -> str:
    """The fixture English, with glossary terms rendered as the glossary says; else word by word.

    Terms become `<xN/>` for the look-up (the fixture table knows such sentences), then their
    English goes in: what a model that follows the glossary would write.
    """
    terms: dict[int, str] = {}
    if glossary:
        first = max((int(n) for n in re.findall(r"<[gx](\d+)", german)), default=0) + 1
        alternatives = "|".join(re.escape(term) for term in sorted(glossary, key=len, reverse=True))

        def placeholder(match: re.Match[str]) -> str:
            terms[first + len(terms)] = glossary[match.group(0)]
            return f"<x{first + len(terms) - 1}/>"

        german = re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", placeholder, german)
    english = ENGLISH.get(german)
    if english is None:
        return word_by_word(re.sub(r"<x(\d+)/>", lambda m: terms[int(m.group(1))], german))
    return re.sub(r"<x(\d+)/>", lambda m: terms.get(int(m.group(1)), m.group(0)), english)


def _request_of(body: dict[str, Any]) -> dict[str, Any]:
    user = [m for m in body["messages"] if m.get("role") == "user"][-1]
    return json.loads(user["content"])


def _completion(body: dict[str, Any], content: str | None, finish_reason: str) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    answer = len((content or "").split())
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(clock.now().timestamp()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": answer,
            "total_tokens": prompt + answer,
        },
        "system_fingerprint": None,
    }


def _error(status: int, message: str, param: str | None = None) -> tuple[int, dict, Any]:
    error_type, code = ERROR_TYPES.get(status, ("server_error", None))
    return (
        status,
        {},
        {"error": {"message": message, "type": error_type, "param": param, "code": code}},
    )
