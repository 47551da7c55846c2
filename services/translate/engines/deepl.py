"""DeepL's API (v2): whole sentences with their inline markers, and the glossary synced to DeepL.

Markers travel as HTML tags (`tag_handling=html`), so DeepL moves them with the words they wrap.
The glossary is uploaded as a DeepL glossary named after its version; DeepL glossaries cannot be
changed, so a new version gets a new one and older ones are deleted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Self

from services.translate.engines.base import EngineError, EngineName, EngineUnavailable
from services.translate.engines.http_api import call
from services.translate.glossary import GlossarySnapshot
from shared.config import get_settings

#: DeepL takes at most 50 texts per request.
MAX_TEXTS = 50
GLOSSARY_PREFIX = "syndikat-glossary-v"


class DeepLEngine:
    def __init__(self, url: str, api_key: str, target_language: str = "EN-US") -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        self.target_language = target_language
        self.name = EngineName.DEEPL
        #: glossary version -> DeepL glossary id, for this process.
        self._glossaries: dict[int, str] = {}

    @classmethod
    def from_settings(cls) -> Self:
        settings = get_settings()
        if not settings.deepl_api_key:
            raise EngineUnavailable("deepl: set DEEPL_API_KEY to use DeepL")
        return cls(settings.deepl_url, settings.deepl_api_key, settings.deepl_target_language)

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        return self.translate_with_glossary(
            segments, source_language, target_language, GlossarySnapshot(0)
        )

    def translate_with_glossary(
        self,
        segments: Sequence[str],
        source_language: str,
        target_language: str,
        glossary: GlossarySnapshot,
    ) -> list[str]:
        glossary_id = self._glossary_id(glossary, source_language) if glossary.terms else None
        english: list[str] = []
        try:
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

    def _translate(
        self, texts: list[str], source: str, target: str, glossary_id: str | None
    ) -> list[str]:
        body: dict[str, Any] = {
            "text": texts,
            "source_lang": source.upper(),
            "target_lang": self._target(target),
            "tag_handling": "html",
            # Our units are single sentences already; DeepL must not split them again.
            "split_sentences": "0",
        }
        if glossary_id:
            body["glossary_id"] = glossary_id
        answer = self._call("POST", "/v2/translate", json=body)
        translations = (answer or {}).get("translations")
        if not isinstance(translations, list) or len(translations) != len(texts):
            raise EngineError(f"deepl: expected {len(texts)} translations, got {answer!r:.200}")
        return [str(item.get("text", "")) for item in translations]

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
        existing = (self._call("GET", "/v2/glossaries") or {}).get("glossaries") or []
        ours = [g for g in existing if str(g.get("name", "")).startswith(GLOSSARY_PREFIX)]
        current = next((g["glossary_id"] for g in ours if g.get("name") == name), None)
        if current is None:
            entries = "\n".join(f"{term.source}\t{term.target}" for term in glossary.terms)
            created = self._call(
                "POST",
                "/v2/glossaries",
                json={
                    "name": name,
                    "source_lang": source,
                    "target_lang": "en",
                    "entries": entries,
                    "entries_format": "tsv",
                },
            )
            current = str(created["glossary_id"])
        for old in ours:
            if old.get("name") != name and _version(old.get("name", "")) < glossary.version:
                self._delete_quietly(str(old["glossary_id"]))
        return current

    def _delete_quietly(self, glossary_id: str) -> None:
        # An old glossary left behind costs nothing but a slot; the next sync tries again.
        with contextlib.suppress(EngineError):
            self._call("DELETE", f"/v2/glossaries/{glossary_id}")

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"DeepL-Auth-Key {self.api_key}"}
        return call(self.name, method, self.url + path, headers=headers, **kwargs)


def _version(name: str) -> int:
    suffix = name.removeprefix(GLOSSARY_PREFIX)
    return int(suffix) if suffix.isdigit() else -1
