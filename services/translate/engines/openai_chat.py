"""A large language model behind an OpenAI-compatible Chat Completions API, via the `openai` SDK.

The same engine serves OpenAI, Azure OpenAI, Mistral, vLLM, Ollama and llama.cpp's server: only
the base URL, the model and the key differ. The pipeline hands over a whole story's segments at
once; they go out in one request (or one per group within the configured size), in story
order, keyed by id, so the model reads the story as context. The answer must be a JSON object
with exactly those ids; anything else (no JSON, a missing or extra id, a refusal, a cut-off
answer) is an engine failure, and the fallback chain takes over. The glossary goes into the
prompt; the QA gate still checks every term afterwards, as for any engine.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Self, cast

import openai

from services.translate.engines import chat_messages as chat
from services.translate.engines.base import EngineError, EngineUnavailable, TakesGlossary, Usage
from services.translate.engines.http_api import RETRYABLE
from services.translate.glossary import GlossarySnapshot
from shared import clock
from shared.config import get_settings

OPENAI_URL = "https://api.openai.com/v1"


class OpenAIEngine(TakesGlossary):
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str,
        timeout: float = 120.0,
        max_segments: int = 200,
        max_characters: int = 12_000,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.max_segments = max(1, max_segments)
        self.max_characters = max(1, max_characters)
        self.name = f"openai:{model}"
        # Retries are the fallback chain's and the retry sweep's business, not the SDK's.
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key, timeout=timeout, max_retries=0
        )
        self._usage = Usage()
        self._usage_lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> Self:
        settings = get_settings()
        key = settings.openai_api_key.get_secret_value()
        if not key and settings.openai_base_url.rstrip("/") == OPENAI_URL:
            raise EngineUnavailable("openai: set SYNDIKAT_OPENAI_API_KEY")
        return cls(
            settings.openai_base_url,
            settings.openai_model,
            # Self-hosted servers (vLLM, Ollama, llama.cpp) take any key; the SDK wants one.
            key or "unused",
            settings.openai_timeout_seconds,
            settings.openai_max_segments,
            settings.openai_max_characters,
        )

    def translate_with_glossary(
        self,
        segments: Sequence[str],
        source_language: str,
        target_language: str,
        glossary: GlossarySnapshot,
    ) -> list[str]:
        return self.translate_story(segments, (), source_language, target_language, glossary)

    def translate_story(
        self,
        segments: Sequence[str],
        story: Sequence[str],
        source_language: str,
        target_language: str,
        glossary: GlossarySnapshot,
    ) -> list[str]:
        _refuse_while_resting(self.base_url)
        groups = self._groups(list(segments))
        context = self._context(groups, story)
        english: list[str] = []
        for group in groups:
            terms = glossary.terms_in(" ".join(group))
            request = chat.request(group, source_language, target_language, terms, context)
            english.extend(self._translate(request, source_language, target_language))
        return english

    def _context(self, groups: list[list[str]], story: Sequence[str]) -> list[str]:
        """The whole story, when only some of its sentences are sent and it fits one request."""
        if len(groups) != 1 or not story or set(story) <= set(groups[0]):
            return []
        size = sum(len(unit) for unit in story) + sum(len(unit) for unit in groups[0])
        return list(story) if size <= self.max_characters else []

    def take_usage(self) -> Usage:
        with self._usage_lock:
            spent, self._usage = self._usage, Usage()
        return spent

    def _groups(self, segments: list[str]) -> list[list[str]]:
        """Consecutive segments within the size limits (a segment too long goes alone)."""
        groups: list[list[str]] = []
        size = 0
        for segment in segments:
            full = groups and len(groups[-1]) >= self.max_segments
            if not groups or full or size + len(segment) > self.max_characters:
                groups.append([])
                size = 0
            groups[-1].append(segment)
            size += len(segment)
        return [group for group in groups if group]

    def _translate(self, request: dict[str, Any], source: str, target: str) -> list[str]:
        answer = chat.answer_of(self._complete(chat.messages(request, source, target)))
        return [
            answer[segment_id] for segment_id in chat.checked_ids(answer, [*request["segments"]])
        ]

    def _complete(self, messages: list[dict[str, str]]) -> Any:
        try:
            completion = self._client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),  # plain role/content dicts: the SDK's TypedDicts
                temperature=0,
                response_format={"type": "json_object"},
            )
        except openai.APITimeoutError as exc:
            raise EngineUnavailable(f"openai: no answer within {self.timeout:g} s") from exc
        except openai.APIConnectionError as exc:
            raise EngineUnavailable(f"openai: {self.base_url} is unreachable ({exc})") from exc
        except openai.APIStatusError as exc:
            raise self._failure(exc) from exc
        except openai.OpenAIError as exc:
            raise EngineError(f"openai: {exc}") from exc
        self._count(completion)
        return completion

    def _failure(self, exc: openai.APIStatusError) -> EngineError:
        status = exc.status_code
        detail = f"openai: {self.base_url} answered {status}: {_message(exc)}"
        if isinstance(exc, openai.RateLimitError):
            wait = _retry_after(exc.response.headers)
            if wait is not None:
                _RESTING[self.base_url] = clock.now() + wait
                detail += f"; resting {wait.total_seconds():g} s as Retry-After asks"
        if status in RETRYABLE or status >= 500:
            return EngineUnavailable(detail)
        return EngineError(detail)

    def _count(self, completion: Any) -> None:
        usage = getattr(completion, "usage", None)
        spent = Usage(
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            requests=1,
        )
        with self._usage_lock:
            self._usage.add(spent)


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return str(exc.message)[:300]


# -- Retry-After: a rate-limited server is left alone for as long as it asks ---------------------

#: base URL -> when this process may call it again (per process, like the engine itself).
_RESTING: dict[str, datetime] = {}


def _refuse_while_resting(base_url: str) -> None:
    until = _RESTING.get(base_url)
    if until is None:
        return
    if clock.now() >= until:
        _RESTING.pop(base_url, None)
        return
    raise EngineUnavailable(
        f"openai: {base_url} asked to wait (429 Retry-After) until {until:%H:%M:%S} UTC"
    )


def _retry_after(headers: Any) -> timedelta | None:
    """Retry-After (seconds or an HTTP date) or OpenAI's retry-after-ms; None if absent."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        try:
            return timedelta(milliseconds=max(0.0, float(milliseconds)))
        except ValueError:
            pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        return max(timedelta(0), parsedate_to_datetime(value) - clock.now())
    except (TypeError, ValueError):
        return None
