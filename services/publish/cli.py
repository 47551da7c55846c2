"""`syndikat partners …` and `syndikat deliveries …`: the registry and replay from a shell."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import click
from sqlalchemy import select

from services.publish import feeds, methods, partners, registry, replay
from services.publish.listing import DELIVERY_STATES, deliveries_query, describe_delivery
from services.publish.times import InvalidTime, parse_since
from shared import audit
from shared import db as database
from shared.models import Delivery, Partner, utcnow

honours_embargoes_option = click.option(
    "--honours-embargoes/--no-honours-embargoes",
    default=None,
    help="It keeps embargoes itself: embargoed stories reach it at once, `embargoed` kept "
    "(WordPress: a scheduled post). Without it they reach it when the embargo ends.",
)


@click.group("partners")
def partners_group() -> None:
    """Partner sites stories are delivered to."""


@partners_group.command("add")
@click.argument("name")
@click.option("--method", type=click.Choice(sorted(methods.METHODS)), help="How stories reach it.")
@click.option("--endpoint", help="The partner's URL (webhook URL, WordPress site).")
@click.option("--webhook", help="Shorthand for --method webhook --endpoint URL.")
@click.option("--secret", help="The whsec_… secret webhooks are signed with.")
@click.option("--credential", "credentials", multiple=True, help="KEY=VALUE, repeatable.")
@click.option("--language", "languages", multiple=True, help="Take only stories in it.")
@click.option("--subject", "subjects", multiple=True, help="Take only stories about it.")
@click.option("--source", "sources", multiple=True, help="Take only stories from it.")
@click.option("--urgency", type=click.IntRange(1, 9), help="Take urgency 1 up to this.")
@click.option("--clear-filters", is_flag=True, help="Drop the filters set before.")
@click.option("--attribution-template", help='E.g. "Source: {source}".')
@click.option("--byline-policy", type=click.Choice(["wire", "partner"]))
@click.option("--byline", help="The partner's own byline (with --byline-policy partner).")
@click.option("--disabled", is_flag=True, help="Register it disabled.")
@honours_embargoes_option
def add_partner(name: str, **options: Any) -> None:
    """Register a partner, or change the one with this name (only the options given)."""
    with database.session() as db:
        partner = db.scalar(select(Partner).where(Partner.name == name))
        changes = _changes(partner, options)
    _save(name, changes)


@partners_group.command("add-wordpress")
@click.argument("name")
@click.option(
    "--wordpress",
    "url",
    required=True,
    help="The site's address, or its REST root (…/wp-json/ or …/?rest_route=/).",
)
@click.option("--user", required=True, help="The WordPress user posts are made as (an Editor).")
@click.option(
    "--app-password",
    prompt=True,
    hide_input=True,
    help="That user's Application Password (asked for when not given).",
)
@click.option(
    "--author-id",
    type=click.IntRange(min=1),
    help="Post under this WordPress user's byline; without it the wire's byline is kept.",
)
@click.option("--attribution-template", default="Source: {source}", show_default=True)
@honours_embargoes_option
def add_wordpress_partner(
    name: str,
    url: str,
    user: str,
    app_password: str,
    author_id: int | None,
    attribution_template: str,
    honours_embargoes: bool | None,
) -> None:
    """Register a WordPress partner, or update the one with this name."""
    credentials: dict[str, str | int] = {"user": user, "app_password": app_password}
    if author_id is not None:
        credentials["author_id"] = author_id
    changes: dict[str, Any] = {
        "method": "wordpress",
        "endpoint": url,
        "credentials": credentials,
        "attribution_template": attribution_template,
        # The partner's own author signs the post; without one the wire's byline stays.
        "byline_policy": "partner" if author_id is not None else "wire",
    }
    if honours_embargoes is not None:
        changes["honours_embargoes"] = honours_embargoes
    _save(name, changes)


def _save(name: str, changes: dict[str, Any]) -> None:
    with database.read_session() as db:
        stored = registry.login_of(db.scalar(select(Partner).where(Partner.name == name)))
    try:
        registry.check_sign_in(stored, changes)  # before the write transaction: it waits
    except registry.InvalidPartner as exc:
        raise click.ClickException(str(exc)) from exc
    now = utcnow()
    with database.session() as db:
        partner = db.scalar(select(Partner).where(Partner.name == name))
        before = registry.describe(partner, now) if partner else None
        try:
            if partner is None:
                partner, token = registry.create(db, name, changes, now)
            else:
                token = registry.update(db, partner, changes, now)
        except registry.InvalidPartner as exc:
            raise click.ClickException(" ".join([str(exc), *exc.details])) from exc
        _audited(db, "partner.update" if before else "partner.create", partner, before)
    click.echo(f"partner {name}: saved")
    if token:
        _show_feed_token(name, token)


def _changes(partner: Partner | None, options: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if options["webhook"]:
        changes |= {"method": "webhook", "endpoint": options["webhook"]}
    for key in ("method", "endpoint", "secret", "attribution_template", "byline_policy"):
        if options[key] is not None:
            changes[key] = options[key]
    for key in ("byline", "honours_embargoes"):
        if options[key] is not None:
            changes[key] = options[key]
    if options["credentials"]:
        known = partner.credentials_dict() if partner else {}
        changes["credentials"] = known | _pairs(options["credentials"])
    filters = _filters(partner, options)
    if filters is not None:
        changes["filters"] = filters
    if options["disabled"]:
        changes["enabled"] = False
    return changes


def _filters(partner: Partner | None, options: dict[str, Any]) -> dict[str, Any] | None:
    given = {k: list(options[k]) for k in ("languages", "subjects", "sources") if options[k]}
    if options["urgency"] is not None:
        given["urgency"] = options["urgency"]
    if not given and not options["clear_filters"]:
        return None
    before = {} if options["clear_filters"] or partner is None else dict(partner.filters or {})
    return before | given


def _pairs(items: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--credential")
        pairs[key.strip()] = value
    return pairs


def _show_feed_token(name: str, token: str) -> None:
    click.echo(f"feed token (shown only now, keep it): {token}")
    click.echo(f"feeds: /v1/feeds/{name}.atom and /v1/feeds/{name}.json")


@partners_group.command("list")
def list_partners() -> None:
    now = utcnow()
    with database.read_session() as db:
        for partner in db.scalars(select(Partner).order_by(Partner.name)):
            state = "enabled" if partner.enabled else f"disabled ({partner.disabled_reason})"
            refused = partners.login_failing(db, partner, now) if partner.enabled else None
            if refused:
                state = f"FAILING: {refused}"
            endpoint = partner.endpoint or "-"
            click.echo(f"{partner.name}\t{partner.method}\t{endpoint}\t{state}")


@partners_group.command("show")
@click.argument("name")
def show_partner(name: str) -> None:
    """Everything about a partner except its secrets."""
    with database.session() as db:
        shown = registry.describe(_partner(db, name), utcnow())
    click.echo(json.dumps(shown, indent=2, ensure_ascii=False))


@partners_group.command("enable")
@click.argument("name")
def enable_partner(name: str) -> None:
    """Enable a partner; deliveries waiting for it become due at once."""
    with database.session() as db:
        partner = _partner(db, name)
        before = registry.describe(partner, utcnow())
        due = partners.enable(db, partner, utcnow())
        _audited(db, "partner.enable", partner, before)
    click.echo(f"partner {name}: enabled; {due} waiting deliveries are due now")


@partners_group.command("disable")
@click.argument("name")
@click.option("--reason", default="disabled by hand", show_default=True)
def disable_partner(name: str, reason: str) -> None:
    with database.session() as db:
        partner = _partner(db, name)
        before = registry.describe(partner, utcnow())
        partners.disable(db, partner, reason, utcnow())
        _audited(db, "partner.disable", partner, before, detail=reason)
    click.echo(f"partner {name}: disabled")


@partners_group.command("rotate-secret")
@click.argument("name")
@click.option("--secret", required=True, help="The new whsec_… secret.")
@click.option("--overlap-hours", default=24.0, show_default=True, help="Old secret signs too.")
def rotate_secret(name: str, secret: str, overlap_hours: float) -> None:
    """Sign with a new secret; for a while every webhook carries both signatures."""
    with database.session() as db:
        partner = _partner(db, name)
        try:
            registry.rotate_secret(partner, secret, utcnow(), timedelta(hours=overlap_hours))
        except registry.InvalidPartner as exc:
            raise click.ClickException(str(exc)) from exc
        _audited(db, "partner.rotate-secret", partner, None, detail="a new secret")
    click.echo(f"partner {name}: new secret; the old one also signs for {overlap_hours:g} h")


@partners_group.command("feed-token")
@click.argument("name")
def new_feed_token(name: str) -> None:
    """Give a feed partner a new token (the old one stops working)."""
    with database.session() as db:
        partner = _partner(db, name)
        if not methods.is_pull(partner.method):
            raise click.ClickException(f"{name} does not pull a feed")
        token = feeds.new_token(partner)
        _audited(db, "partner.feed-token", partner, None, detail="a new feed token")
    _show_feed_token(name, token)


@click.group("deliveries")
def deliveries_group() -> None:
    """Stories on their way to partners: list and replay."""


@deliveries_group.command("list")
@click.option("--partner", "partner_name")
@click.option("--state", type=click.Choice(DELIVERY_STATES))
@click.option("--since", help="ISO time or an age like 24h, 7d.")
@click.option("--limit", default=50, show_default=True)
def list_deliveries(
    partner_name: str | None, state: str | None, since: str | None, limit: int
) -> None:
    with database.session() as db:
        partner_id = _partner(db, partner_name).id if partner_name else None
        query = deliveries_query(partner_id, state, _since(since) if since else None, limit)
        for delivery in db.scalars(query):
            shown = describe_delivery(delivery)
            click.echo(
                "{id}\t{partner}\t{event}\t{state}\tattempts {attempts}\t{last_error}".format(
                    **shown
                )
            )


@deliveries_group.command("replay")
@click.argument("delivery_id", type=int, required=False)
@click.option("--partner", "partner_name", help="Replay this partner's failed deliveries…")
@click.option("--since", help="…created since this ISO time or age (24h, 7d).")
def replay_deliveries(delivery_id: int | None, partner_name: str | None, since: str | None) -> None:
    """Send a delivery again (same webhook-id), or every failed one of a partner since a time."""
    if (delivery_id is None) == (partner_name is None):
        raise click.UsageError("give a DELIVERY_ID, or --partner NAME --since TIME")
    with database.session() as db:
        if delivery_id is not None:
            _replay_one(db, delivery_id)
            return
        if not since:
            raise click.UsageError("--partner needs --since")
        partner = _partner(db, str(partner_name))
        report = replay.replay_failed(db, partner, _since(since), utcnow())
        detail = f"{len(report.replayed)} replayed, {len(report.skipped)} skipped, since {since}"
        target = audit.Target("partner", partner.id, partner.name)
        audit.record(db, audit.cli_actor(), "delivery.replay", target, detail=detail)
        for skipped, why in report.skipped:
            click.echo(f"delivery {skipped}: not replayed: {why}")
        click.echo(f"{len(report.replayed)} deliveries to {partner.name} replayed")
        if not partner.enabled:
            click.echo(f"{partner.name} is disabled: they go once it is enabled again")


def _replay_one(db: Any, delivery_id: int) -> None:
    delivery = db.get(Delivery, delivery_id)
    if delivery is None:
        raise click.ClickException(f"no delivery {delivery_id}")
    try:
        replay.replay(db, delivery, utcnow())
    except replay.ReplayRefused as exc:
        raise click.ClickException(f"delivery {delivery_id} not replayed: {exc}") from exc
    target = audit.Target("delivery", delivery.id, delivery.partner.name)
    audit.record(db, audit.cli_actor(), "delivery.resend", target, detail=delivery.webhook_id)
    click.echo(f"delivery {delivery_id}: replayed with webhook-id {delivery.webhook_id}")


def _audited(
    db: Any, action: str, partner: Partner, before: dict[str, Any] | None, **extra: Any
) -> None:
    """In the audit log as `cli:<unix user>`, as `describe` shows the partner (no secrets)."""
    db.flush()
    after = registry.describe(partner, utcnow())
    target = audit.Target("partner", partner.id, partner.name)
    audit.record(db, audit.cli_actor(), action, target, before, after, **extra)


def _partner(db: Any, name: str) -> Partner:
    partner = db.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        raise click.ClickException(f"no partner named {name!r}")
    return partner


def _since(text: str) -> Any:
    try:
        return parse_since(text, utcnow())
    except InvalidTime as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from exc
