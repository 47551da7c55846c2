"""`syndikat partners …`."""

from __future__ import annotations

import json

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import db as database
from shared.models import Partner


@click.group("partners")
def partners_group() -> None:
    """Partner sites stories are delivered to."""


@partners_group.command("add")
@click.argument("name")
@click.option("--webhook", "url", required=True, help="The partner's webhook URL.")
@click.option("--secret", required=True, help="The whsec_… secret deliveries are signed with.")
@click.option("--attribution-template", default="Source: {source}", show_default=True)
def add_partner(name: str, url: str, secret: str, attribution_template: str) -> None:
    """Register a webhook partner, or update the one with this name."""
    if not secret.startswith("whsec_"):
        raise click.BadParameter(
            "a Standard Webhooks secret starts with whsec_", param_hint="--secret"
        )
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("the webhook must be an http(s) URL", param_hint="--webhook")
    with database.session() as db:
        partner = _partner_named(db, name)
        partner.method = "webhook"
        partner.endpoint = url
        partner.secret = secret
        partner.attribution_template = attribution_template
    click.echo(f"partner {name}: saved")


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
def add_wordpress_partner(
    name: str,
    url: str,
    user: str,
    app_password: str,
    author_id: int | None,
    attribution_template: str,
) -> None:
    """Register a WordPress partner, or update the one with this name."""
    if not url.startswith(("http://", "https://")):
        raise click.BadParameter("the site must be an http(s) URL", param_hint="--wordpress")
    credentials: dict[str, str | int] = {"user": user, "app_password": app_password}
    if author_id is not None:
        credentials["author_id"] = author_id
    with database.session() as db:
        partner = _partner_named(db, name)
        partner.method = "wordpress"
        partner.endpoint = url
        partner.credentials = json.dumps(credentials)
        partner.attribution_template = attribution_template
    click.echo(f"partner {name}: saved")


def _partner_named(db: Session, name: str) -> Partner:
    """The partner with this name, or a new one added to the session."""
    partner = db.scalar(select(Partner).where(Partner.name == name))
    if partner is None:
        partner = Partner(name=name)
        db.add(partner)
    return partner


@partners_group.command("list")
def list_partners() -> None:
    with database.session() as db:
        for partner in db.scalars(select(Partner).order_by(Partner.name)):
            state = "enabled" if partner.enabled else f"disabled ({partner.disabled_reason})"
            click.echo(f"{partner.name}\t{partner.method}\t{partner.endpoint}\t{state}")
