"""Local stand-ins for MT services that speak their documented HTTP protocols.

`DeepLServer`: DeepL API v2 — POST /v2/translate (a JSON or a form body: text[], source_lang,
target_lang, tag_handling, glossary_id, show_billed_characters; answer {"translations":
[{"detected_source_language", "text", "billed_characters"}]}), /v2/glossaries (POST creates from
TSV entries, GET lists, DELETE /v2/glossaries/{id}) and GET /v2/usage, with
`Authorization: DeepL-Auth-Key …`. The official SDK sends JSON; older clients send forms.
`LibreTranslateServer`: POST /translate (JSON: q as a list, source, target, format, api_key;
answer {"translatedText": [...]}).

Both "translate" word by word with `WORDS`, leaving markup and unknown words alone, so a test
knows the exact English. `fail_next` scripts error answers (status, JSON body).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from tests.support.local_server import LocalServer

WORDS = {
    "Hallo": "Hello",
    "Welt": "world",
    "Guten": "Good",
    "Morgen": "morning",
    "Die": "The",
    "Stadt": "city",
    "ist": "is",
    "schön": "beautiful",
    "und": "and",
}
_WORD = re.compile(r"<[^>]*>|[^\W\d_]+")


def word_by_word(text: str, glossary: dict[str, str] | None = None) -> str:
    for source, target in sorted((glossary or {}).items(), key=lambda item: -len(item[0])):
        text = text.replace(source, target)
    return _WORD.sub(lambda m: WORDS.get(m.group(0), m.group(0)), text)


class _Server(LocalServer):
    def __init__(self, api_key: str = "") -> None:
        self.api_key = api_key
        self.requests: list[dict[str, Any]] = []
        self.failures: deque[tuple[int, dict[str, Any]]] = deque()
        self._lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        return self.base_url

    def fail_next(self, status: int, body: dict[str, Any] | None = None, times: int = 1) -> None:
        for _ in range(times):
            self.failures.append((status, body or {"message": "scripted failure"}))

    def paths(self, method: str = "POST") -> list[str]:
        return [r["path"] for r in self.requests if r["method"] == method]

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple:
        raise NotImplementedError

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                body = _body(headers.get("content-type", ""), raw)
                with server._lock:
                    server.requests.append(
                        {
                            "method": self.command,
                            "path": self.path,
                            "headers": headers,
                            "json": body,
                        }
                    )
                    failure = server.failures.popleft() if server.failures else None
                status, payload = failure or server.answer(self.command, self.path, headers, body)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _serve

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def _body(content_type: str, raw: bytes) -> Any:
    if not raw:
        return None
    if content_type.startswith("application/x-www-form-urlencoded"):
        # A form repeats `text` once per text; every other field comes once.
        fields = parse_qs(raw.decode(), keep_blank_values=True)
        return {k: v if k == "text" else v[0] for k, v in fields.items()}
    return json.loads(raw)


class DeepLServer(_Server):
    def __init__(self, api_key: str = "test-key:fx", character_limit: int = 500_000) -> None:
        super().__init__(api_key)
        #: glossary id -> {"name", "entries": {source: target}, ...}
        self.glossaries: dict[str, dict[str, Any]] = {}
        self.character_count = 0
        self.character_limit = character_limit

    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple:
        if headers.get("authorization") != f"DeepL-Auth-Key {self.api_key}":
            return 403, {"message": "Authorization failure, check auth_key"}
        if method == "POST" and path == "/v2/translate":
            return self._translate(body)
        if method == "POST" and path == "/v2/glossaries":
            return self._create_glossary(body)
        if method == "GET" and path == "/v2/glossaries":
            return 200, {"glossaries": [self._info(gid) for gid in self.glossaries]}
        if method == "GET" and path == "/v2/usage":
            limit = self.character_limit
            return 200, {"character_count": self.character_count, "character_limit": limit}
        if method == "DELETE" and path.startswith("/v2/glossaries/"):
            found = self.glossaries.pop(path.rsplit("/", 1)[1], None)
            return (204, None) if found else (404, {"message": "Glossary not found"})
        return 404, {"message": "Not found"}

    def _translate(self, body: Any) -> tuple:
        texts = body.get("text") if isinstance(body, dict) else None
        if not isinstance(texts, list) or not texts or len(texts) > 50:
            return 400, {"message": "Parameter 'text' not specified or too many texts."}
        if not body.get("target_lang"):
            return 400, {"message": "Value for 'target_lang' not supported."}
        if body.get("tag_handling") not in (None, "xml", "html"):
            return 400, {"message": "Value for 'tag_handling' not supported."}
        entries: dict[str, str] = {}
        if body.get("glossary_id"):
            if not body.get("source_lang"):
                return 400, {"message": "Use of a glossary requires the source_lang parameter."}
            glossary = self.glossaries.get(body["glossary_id"])
            if glossary is None:
                return 400, {"message": "Glossary not found"}
            entries = glossary["entries"]
        translations = [
            {
                "detected_source_language": "DE",
                "text": word_by_word(text, entries),
                "billed_characters": len(text),
            }
            for text in texts
        ]
        self.character_count += sum(len(text) for text in texts)
        return 200, {"translations": translations}

    def _create_glossary(self, body: Any) -> tuple:
        if body.get("entries_format", "tsv") != "tsv" or not body.get("entries"):
            return 400, {"message": "Invalid glossary entries"}
        entries = dict(line.split("\t") for line in body["entries"].splitlines())
        glossary_id = str(uuid.uuid4())
        self.glossaries[glossary_id] = {
            "name": body["name"],
            "source_lang": body["source_lang"],
            "target_lang": body["target_lang"],
            "entries": entries,
        }
        return 201, self._info(glossary_id)

    def _info(self, glossary_id: str) -> dict[str, Any]:
        glossary = self.glossaries[glossary_id]
        return {
            "glossary_id": glossary_id,
            "name": glossary["name"],
            "ready": True,
            "source_lang": glossary["source_lang"],
            "target_lang": glossary["target_lang"],
            "creation_time": "2026-11-29T12:00:00.000000Z",
            "entry_count": len(glossary["entries"]),
        }


class LibreTranslateServer(_Server):
    def answer(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple:
        if method != "POST" or path != "/translate":
            return 404, {"error": "Not Found"}
        if self.api_key and body.get("api_key") != self.api_key:
            return 403, {"error": "Invalid API key"}
        if not body.get("q") or not body.get("source") or not body.get("target"):
            return 400, {"error": "Invalid request: missing q, source or target parameter"}
        texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
        translated = [word_by_word(text) for text in texts]
        return 200, {"translatedText": translated if isinstance(body["q"], list) else translated[0]}
