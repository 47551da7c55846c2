"""The source form: what the page shows and what it sends to the sources registry.

Every rule — names, kinds, URLs, folders inside the inbox, secrets, intervals — is
`services.ingest.interface.save_source`'s, the same as for `syndikat sources add` and the API; the
form only turns fields into its changes. The secret is never shown (empty keeps it), nor a
password in a feed URL (shown masked; sent back unchanged, the stored URL stays).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from shared.models import Source


@dataclass
class SourceForm:
    name: str = ""
    kind: str = "push"
    url: str = ""
    folder: str = ""
    language: str = ""
    attribution: str = ""
    poll_interval_seconds: str = ""
    quiet_after_seconds: str = ""
    fetch_full_text: bool = False
    engine_route: str = ""
    # Write-only.
    secret: str = ""

    @classmethod
    def from_request(cls, form: Any) -> SourceForm:
        values: dict[str, Any] = {f.name: str(form.get(f.name, "")).strip() for f in fields(cls)}
        return cls(**values | {"fetch_full_text": "fetch_full_text" in form})

    @classmethod
    def from_source(cls, source: Source, shown: dict[str, Any]) -> SourceForm:
        """`shown` is the source as `ingest.describe_source` gives it (the URL masked)."""
        return cls(
            name=source.name,
            kind=source.kind,
            url=shown["url"] or "",
            folder=source.folder or "",
            language=source.language or "",
            attribution=source.attribution or "",
            poll_interval_seconds=str(source.poll_interval_seconds),
            quiet_after_seconds=str(source.quiet_after_seconds or ""),
            fetch_full_text=source.fetch_full_text,
            engine_route=source.engine_route or "",
        )

    def changes(self, shown_url: str | None = None) -> dict[str, Any]:
        """`save_source`'s changes; `shown_url` is the stored URL as the form showed it."""
        changes: dict[str, Any] = {
            "folder": self.folder or None,
            "language": self.language or None,
            "attribution": self.attribution or None,
            "quiet_after_seconds": self.quiet_after_seconds or None,
            "fetch_full_text": self.fetch_full_text,
            "engine_route": self.engine_route or None,
        }
        if self.kind:
            changes["kind"] = self.kind
        if not shown_url or self.url != shown_url:
            changes["url"] = self.url or None
        if self.poll_interval_seconds:
            changes["poll_interval_seconds"] = self.poll_interval_seconds
        if self.secret:
            changes["secret"] = self.secret
        return changes
