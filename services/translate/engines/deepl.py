"""DeepL through its official SDK (`deepl`): whole sentences with their inline markers, the
glossary synced to DeepL, the characters DeepL billed, and the account's usage.

Markers travel as XML tags (`tag_handling=xml`), so DeepL moves them with the words they wrap;
XML, not HTML, because an HTML parser reads `<x1/>` (an unknown element) as an opening tag.
The glossary is uploaded as a DeepL glossary named after its version; DeepL glossaries cannot be
changed, so a new version gets a new one and older ones are deleted.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, Self, TypeVar

import deepl
from deepl import http_client

from services.translate.engines.base import (
    EngineError,
    EngineName,
    EngineUnavailable,
    TakesGlossary,
    Usage,
)
from services.translate.engines.http_api import RETRYABLE
from services.translate.glossary import GlossarySnapshot
from shared.config import get_settings

#: DeepL takes at most 50 texts per request.
MAX_TEXTS = 50
GLOSSARY_PREFIX = "syndikat-glossary-v"
T = TypeVar("T")

# The SDK retries 429 and 5xx answers with backoff for minutes; trying again is the fallback
# chain's and the retry sweep's business (settings of the SDK are module-wide).
http_client.max_network_retries = 0


class DeepLEngine(TakesGlossary):
    def __init__(
        self, url: str, api_key: str, target_language: str = "EN-US", timeout: float = 60.0
    ) -> None:
        self.url = url.rstrip("/")
        self.target_language = target_language
        self.name = EngineName.DEEPL
        http_client.min_connection_timeout = timeout
        self._translator = deepl.Translator(
            api_key, server_url=self.url, send_platform_info=False
        ).set_app_info("syndikat", "1")
        #: glossary version -> DeepL glossary id, for this process.
        self._glossaries: dict[int, str] = {}
        self._usage = Usage()
        self._usage_lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> Self:
        settings = get_settings()
        api_key = settings.deepl_api_key.get_secret_value()
        if not api_key:
            raise EngineUnavailable("deepl: set DEEPL_API_KEY to use DeepL")
        return cls(
            settings.deepl_url,
            api_key,
            settings.deepl_target_language,
            settings.mt_timeout_seconds,
        )

    def translate_with_glossary(
        self,
        segments: Sequence[str],
        source_language: str,
        target_language: str,
        glossary: GlossarySnapshot,
    ) -> list[str]:
        english: list[str] = []
        try:
            glossary_id = self._glossary_id(glossary, source_language) if glossary.terms else None
            for start in range(0, len(segments), MAX_TEXTS):
                batch = list(segments[start : start + MAX_TEXTS])
                english.extend(
                    self._translate(batch, source_language, target_language, glossary_id)
                )
        except EngineError:
            # The glossary may have been deleted at DeepL meanwhile: look it up again next time.
            self._glossaries.pop(glossary.version, None)
            raise
        return english

    def take_usage(self) -> Usage:
        with self._usage_lock:
            spent, self._usage = self._usage, Usage()
        return spent

    def account_usage(self) -> tuple[int | None, int | None]:
        """Characters the DeepL account used this billing period, and its limit (DeepL's own
        count, for `syndikat engines usage`)."""
        usage = self._call(self._translator.get_usage)
        return usage.character.count, usage.character.limit

    def _translate(
        self, texts: list[str], source: str, target: str, glossary_id: str | None
    ) -> list[str]:
        results = self._call(
            self._translator.translate_text,
            texts,
            source_lang=source.upper(),
            target_lang=self._target(target),
            tag_handling="xml",
            # Our units are single sentences already; DeepL must not split them again.
            split_sentences="0",
            glossary=glossary_id,
        )
        if not isinstance(results, list) or len(results) != len(texts):
            raise EngineError(f"deepl: expected {len(texts)} translations, got {results!r:.200}")
        with self._usage_lock:
            self._usage.add(
                Usage(characters=sum(r.billed_characters or 0 for r in results), requests=1)
            )
        return [result.text for result in results]

    def _target(self, target: str) -> str:
        # DeepL wants an English variant; a bare "en" means the configured one.
        return self.target_language if target.lower() == "en" else target.upper()

    def _glossary_id(self, glossary: GlossarySnapshot, source: str) -> str:
        if glossary.version not in self._glossaries:
            self._glossaries[glossary.version] = self._sync(glossary, source.lower())
        return self._glossaries[glossary.version]

    def _sync(self, glossary: GlossarySnapshot, source: str) -> str:
        """The DeepL glossary for this version: found (another worker made it) or created."""
        name = f"{GLOSSARY_PREFIX}{glossary.version}"
        existing = self._call(self._translator.list_glossaries)
        ours = [g for g in existing if g.name.startswith(GLOSSARY_PREFIX)]
        current = next((g.glossary_id for g in ours if g.name == name), None)
        if current is None:
            entries = {term.source: term.target for term in glossary.terms}
            created = self._call(self._translator.create_glossary, name, source, "en", entries)
            current = created.glossary_id
        for old in ours:
            if old.name != name and _version(old.name) < glossary.version:
                self._delete_quietly(old.glossary_id)
        return current

    def _delete_quietly(self, glossary_id: str) -> None:
        # An old glossary left behind costs nothing but a slot; the next sync tries again.
        with contextlib.suppress(EngineError):
            self._call(self._translator.delete_glossary, glossary_id)

    def _call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """One SDK call; outages and overload become `EngineUnavailable`, the rest `EngineError`."""
        try:
            return method(*args, **kwargs)
        except deepl.ConnectionException as exc:
            raise EngineUnavailable(f"deepl: {self.url} is unreachable ({exc})") from exc
        except deepl.DeepLException as exc:
            status = exc.http_status_code
            detail = f"deepl: {self.url} answered {status}: {exc}"
            if status in RETRYABLE or (status or 0) >= 500:
                raise EngineUnavailable(detail) from exc
            raise EngineError(detail) from exc
        except ValueError as exc:  # the SDK checks arguments before it sends them
            raise EngineError(f"deepl: {exc}") from exc


def _version(name: str) -> int:
    suffix = name.removeprefix(GLOSSARY_PREFIX)
    return int(suffix) if suffix.isdigit() else -1
