"""`syndikat partners …`."""

from __future__ import annotations

import click
from sqlalchemy import select

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
        partner = db.scalar(select(Partner).where(Partner.name == name))
        if partner is None:
            partner = Partner(name=name)
            db.add(partner)
        partner.method = "webhook"
        partner.endpoint = url
        partner.secret = secret
        partner.attribution_template = attribution_template
    click.echo(f"partner {name}: saved")


@partners_group.command("list")
def list_partners() -> None:
    with database.session() as db:
        for partner in db.scalars(select(Partner).order_by(Partner.name)):
            state = "enabled" if partner.enabled else f"disabled ({partner.disabled_reason})"
            click.echo(f"{partner.name}\t{partner.method}\t{partner.endpoint}\t{state}")
