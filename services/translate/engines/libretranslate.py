"""A LibreTranslate server (self-hosted or hosted): `/translate` with the markers as HTML.

LibreTranslate has no glossary, so the pipeline gives it glossary terms as placeholder markers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from services.translate.engines.base import EngineError, EngineName, EngineUnavailable
from services.translate.engines.http_api import call
from shared.config import get_settings

#: Texts per request: small enough for the default request limits of a LibreTranslate server.
MAX_TEXTS = 25


class LibreTranslateEngine:
    def __init__(self, url: str, api_key: str = "") -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.name = EngineName.LIBRETRANSLATE

    @classmethod
    def from_settings(cls) -> Self:
        settings = get_settings()
        if not settings.libretranslate_url:
            raise EngineUnavailable("libretranslate: set SYNDIKAT_LIBRETRANSLATE_URL to use it")
        return cls(settings.libretranslate_url, settings.libretranslate_key.get_secret_value())

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        english: list[str] = []
        for start in range(0, len(segments), MAX_TEXTS):
            batch = list(segments[start : start + MAX_TEXTS])
            english.extend(self._translate(batch, source_language, target_language))
        return english

    def _translate(self, texts: list[str], source: str, target: str) -> list[str]:
        body: dict[str, Any] = {"q": texts, "source": source, "target": target, "format": "html"}
        if self.api_key:
            body["api_key"] = self.api_key
        answer = call(self.name, "POST", f"{self.url}/translate", json=body)
        translated = (answer or {}).get("translatedText")
        if not isinstance(translated, list) or len(translated) != len(texts):
            raise EngineError(f"libretranslate: expected {len(texts)} texts, got {answer!r:.200}")
        return [str(text) for text in translated]
