"""Registering and changing partners: one set of rules for the CLI, the JSON API and the
dashboard.

Secrets and credentials go in and are never shown again: `describe()` says only whether they
are set. A partner's URL is checked against the SSRF rules (`shared.http.check_url`). A
WordPress partner signs in once when its address or login is set (`check_sign_in`): a wrong
user or Application Password is refused then, with WordPress's own answer, not found out at
the first delivery.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from standardwebhooks import Webhook

from services.publish import feeds, filters, methods, partners, payload, probe
from shared import http
from shared.models import Partner

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
FIELDS = (
    "method",
    "endpoint",
    "secret",
    "credentials",
    "filters",
    "attribution_template",
    "byline_policy",
    "byline",
    "honours_embargoes",
    "enabled",
    "disabled_reason",
)
DEFAULT_ROTATION_OVERLAP = timedelta(hours=24)
#: Methods whose login is checked by signing in when it is set or changed.
SIGNS_IN = ("wordpress",)


class InvalidPartner(ValueError):
    def __init__(self, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.details = details or []


def create(
    db: Any, name: str, changes: dict[str, Any], now: datetime
) -> tuple[Partner, str | None]:
    """A new partner; returns it and, for a feed partner, its feed token (shown only now)."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise InvalidPartner(
            "a partner name is 1-100 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit"
        )
    # Column defaults apply only on insert; the rules below need them set already.
    partner = Partner(
        name=name,
        method="webhook",
        enabled=True,
        filters={},
        byline_policy="wire",
        attribution_template="Source: {source}",
        honours_embargoes=False,
    )
    apply(db, partner, changes, now)
    db.add(partner)
    return partner, _feed_token_if_needed(partner)


def update(db: Any, partner: Partner, changes: dict[str, Any], now: datetime) -> str | None:
    """Apply `changes`; returns a feed token when the partner just became a feed partner."""
    apply(db, partner, changes, now)
    return _feed_token_if_needed(partner)


def apply(db: Any, partner: Partner, changes: dict[str, Any], now: datetime) -> None:
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidPartner(f"unknown field {unknown[0]!r}", [f"known: {', '.join(FIELDS)}"])
    if "method" in changes:
        partner.method = _method(changes["method"])
    for name, check in _CHECKS.items():
        if name in changes:
            setattr(partner, name, check(changes[name]))
    if "filters" in changes:
        try:
            partner.filters = filters.validate(changes["filters"])
        except filters.InvalidFilters as exc:
            raise InvalidPartner(str(exc)) from exc
    if "enabled" in changes:
        _set_enabled(db, partner, changes["enabled"], changes.get("disabled_reason"), now)
    _check_complete(partner)


@dataclass(frozen=True)
class Login:
    """What a stored partner signs in with, read before the transaction that changes it."""

    method: str
    endpoint: str | None
    credentials: dict[str, Any]

    @property
    def fields(self) -> tuple[Any, ...]:
        return (self.endpoint, self.credentials.get("user"), self.credentials.get("app_password"))

    def same_login(self, other: Login | None) -> bool:
        """Same method, address, user and password (other credentials, e.g. an author, aside)."""
        return other is not None and (self.method, *self.fields) == (other.method, *other.fields)


def login_of(partner: Partner | None) -> Login | None:
    if partner is None:
        return None
    return Login(partner.method, partner.endpoint, partner.credentials_dict())


def check_sign_in(stored: Login | None, changes: dict[str, Any]) -> None:
    """Sign in once as the partner will after `changes`, when its address or login changes.

    Call it before the transaction that saves the partner, not in it: it waits for the site (up
    to twice SYNDIKAT_DELIVERY_TIMEOUT), and on SQLite a write transaction holds the whole
    database's write lock. Raises InvalidPartner with the site's answer when it refuses.
    """
    before = stored or Login("webhook", None, {})
    method = changes.get("method", before.method)
    credentials = changes.get("credentials", before.credentials)
    if method not in SIGNS_IN or not isinstance(credentials, dict):
        return  # nothing to sign in with; `apply` says what is wrong or missing
    endpoint = _endpoint(changes["endpoint"]) if "endpoint" in changes else before.endpoint
    after = Login(method, endpoint, credentials)
    if not all(after.fields) or after.same_login(stored):
        return
    outcome = probe.sign_in(method, str(endpoint), credentials)
    if not outcome.ok:
        user = credentials["user"]
        raise InvalidPartner(f"{endpoint} did not let {user!r} sign in: {outcome.error}")


def rotate_secret(
    partner: Partner, new_secret: str, now: datetime, overlap: timedelta = DEFAULT_ROTATION_OVERLAP
) -> None:
    """Sign with `new_secret` from now on, and with the old secret too for `overlap`."""
    if partner.method != "webhook":
        raise InvalidPartner("only webhook partners have a signing secret")
    if (checked := _secret(new_secret)) is None:
        raise InvalidPartner("a new secret is required to rotate to")
    if overlap < timedelta(0) or overlap > timedelta(days=30):
        raise InvalidPartner("the overlap must be between 0 and 30 days")
    partner.previous_secret = partner.secret
    partner.previous_secret_expires_at = now + overlap
    partner.secret = checked


def describe(partner: Partner, now: datetime) -> dict[str, Any]:
    """The partner as shown by the CLI and the API: no secret, credential or token in it."""
    rotation_ends = partner.previous_secret_expires_at
    return {
        "name": partner.name,
        "method": partner.method,
        "endpoint": partner.endpoint,
        "enabled": partner.enabled,
        "disabled_reason": partner.disabled_reason,
        "disabled_at": _iso(partner.disabled_at),
        "failing_since": _iso(partner.failing_since),
        "filters": partner.filters or {},
        "attribution_template": partner.attribution_template,
        "byline_policy": partner.byline_policy,
        "byline": partner.byline,
        "honours_embargoes": partner.honours_embargoes,
        "secret_set": bool(partner.secret),
        "secret_rotation_ends_at": _iso(rotation_ends)
        if len(partner.signing_secrets(now)) > 1
        else None,
        "credentials_set": sorted(partner.credentials_dict()),
        "feed_token_set": bool(partner.feed_token_hash),
        "created_at": _iso(partner.created_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _method(value: Any) -> str:
    if value not in methods.METHODS:
        raise InvalidPartner(
            f"unknown method {value!r}; known: {', '.join(sorted(methods.METHODS))}"
        )
    return value


def _endpoint(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidPartner("the endpoint must be a URL")
    try:
        return http.check_url(value.strip())
    except http.UnsafeURL as exc:
        raise InvalidPartner(f"endpoint refused: {exc}") from exc


def _secret(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.startswith("whsec_"):
        raise InvalidPartner("a Standard Webhooks secret starts with whsec_")
    try:
        Webhook(value)
    except Exception as exc:  # the library's own check: base64 after the prefix
        raise InvalidPartner("the secret is not whsec_ followed by base64") from exc
    return value


def _credentials(value: Any) -> str | None:
    if value in (None, {}):
        return None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int) for k, v in value.items()
    ):
        raise InvalidPartner("credentials must be an object of names to text values")
    return json.dumps(value)


def _template(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 300:
        raise InvalidPartner("the attribution template must be text of 1-300 characters")
    try:
        return payload.check_template(value)
    except payload.InvalidTemplate as exc:
        raise InvalidPartner(str(exc)) from exc


def _byline_policy(value: Any) -> str:
    if value not in payload.BYLINE_POLICIES:
        raise InvalidPartner(f"byline policy must be one of {', '.join(payload.BYLINE_POLICIES)}")
    return value


def _byline(value: Any) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 200:
        raise InvalidPartner("the byline must be text of at most 200 characters")
    return value.strip()


def _honours_embargoes(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidPartner("honours_embargoes must be true or false")
    return value


_CHECKS = {
    "endpoint": _endpoint,
    "secret": _secret,
    "credentials": _credentials,
    "attribution_template": _template,
    "byline_policy": _byline_policy,
    "byline": _byline,
    "honours_embargoes": _honours_embargoes,
}


def _set_enabled(db: Any, partner: Partner, value: Any, reason: Any, now: datetime) -> None:
    if not isinstance(value, bool):
        raise InvalidPartner("enabled must be true or false")
    if value and not partner.enabled:
        partners.enable(db, partner, now)
    elif not value:
        partners.disable(db, partner, str(reason or "disabled by hand"), now)


def _check_complete(partner: Partner) -> None:
    if methods.is_pull(partner.method):
        return
    missing = []
    if not partner.endpoint:
        missing.append("endpoint")
    if partner.method == "webhook" and not partner.secret:
        missing.append("secret")
    method = methods.METHODS[partner.method]
    given = partner.credentials_dict()
    missing += [
        f"credentials.{key}"
        for key in getattr(method, "required_credentials", ())
        if key not in given
    ]
    if missing:
        raise InvalidPartner(f"a {partner.method} partner needs: {', '.join(missing)}")


def _feed_token_if_needed(partner: Partner) -> str | None:
    if methods.is_pull(partner.method) and not partner.feed_token_hash:
        return feeds.new_token(partner)
    return None
