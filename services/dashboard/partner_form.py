"""The partner form: what the page shows and what it sends to the partner registry.

The form only turns fields into the registry's changes (text into lists and numbers); every rule
— names, URLs and the SSRF guard, secrets, filters, templates — is `services.publish.registry`'s,
the same as for `syndikat partners add` and the API. Secrets and credentials are never shown: a
field left empty keeps what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from shared.models import Partner

DEFAULT_TEMPLATE = "Source: {source}"
#: The registry's filter lists, as comma-separated text fields.
FILTER_LISTS = ("languages", "subjects", "sources")


@dataclass
class PartnerForm:
    name: str = ""
    method: str = "webhook"
    endpoint: str = ""
    attribution_template: str = DEFAULT_TEMPLATE
    byline_policy: str = "wire"
    byline: str = ""
    languages: str = ""
    subjects: str = ""
    sources: str = ""
    urgency: str = ""
    honours_embargoes: str = ""  # a checkbox: "on" when ticked
    # Write-only: never filled from what is stored.
    secret: str = ""
    wordpress_user: str = ""
    wordpress_app_password: str = ""
    wordpress_author_id: str = ""

    @classmethod
    def from_request(cls, form: Any) -> PartnerForm:
        return cls(**{f.name: str(form.get(f.name, "")).strip() for f in fields(cls)})

    @classmethod
    def from_partner(cls, partner: Partner) -> PartnerForm:
        filters = partner.filters or {}
        return cls(
            name=partner.name,
            method=partner.method,
            endpoint=partner.endpoint or "",
            attribution_template=partner.attribution_template,
            byline_policy=partner.byline_policy,
            byline=partner.byline or "",
            urgency=str(filters.get("urgency") or ""),
            honours_embargoes="on" if partner.honours_embargoes else "",
            **{key: ", ".join(filters.get(key) or []) for key in FILTER_LISTS},
        )

    def changes(self, stored_credentials: dict[str, Any]) -> dict[str, Any]:
        """The registry's changes; empty secret and credential fields keep what is stored."""
        changes: dict[str, Any] = {
            "method": self.method,
            "endpoint": self.endpoint or None,
            "attribution_template": self.attribution_template,
            "byline_policy": self.byline_policy,
            "byline": self.byline or None,
            "filters": self._filters(),
            "honours_embargoes": bool(self.honours_embargoes),
        }
        if self.secret:
            changes["secret"] = self.secret
        given = self._credentials()
        if given:
            changes["credentials"] = stored_credentials | given
        return changes

    def _filters(self) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        for key in FILTER_LISTS:
            values = [v.strip() for v in getattr(self, key).split(",") if v.strip()]
            if values:
                filters[key] = values
        if self.urgency:
            # A number goes in as one; anything else goes as typed, for the registry to refuse.
            filters["urgency"] = int(self.urgency) if self.urgency.isdigit() else self.urgency
        return filters

    def _credentials(self) -> dict[str, Any]:
        given: dict[str, Any] = {}
        if self.wordpress_user:
            given["user"] = self.wordpress_user
        if self.wordpress_app_password:
            given["app_password"] = self.wordpress_app_password
        if self.wordpress_author_id:
            author = self.wordpress_author_id
            given["author_id"] = int(author) if author.isdigit() else author
        return given
