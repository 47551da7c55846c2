"""`syndikat engines …`: what the translation engines used, against their monthly budgets."""

from __future__ import annotations

import click

from services.translate import usage
from services.translate.engines import EngineError, Usage, engine_chain
from services.translate.engines.deepl import DeepLEngine
from shared import db as database
from shared.config import get_settings

engines_group = click.Group("engines", help="The translation engines: usage and budgets.")


@engines_group.command("usage")
@click.option(
    "--days",
    default=7,
    show_default=True,
    type=click.IntRange(1, 366),
    help="Days shown one by one.",
)
def engines_usage(days: int) -> None:
    """Characters (and an LLM's tokens) per engine this month and per day, with the budgets."""
    settings = get_settings()
    with database.read_session() as db:
        month = usage.this_month(db)
        daily = usage.recent(db, days)
    click.echo("this month (UTC)\tcharacters\tbudget\tprompt tokens\tcompletion tokens\trequests")
    for engine in dict.fromkeys([*engine_chain(settings), *month]):
        spent = month.get(engine) or Usage()
        budget = settings.monthly_budget(engine)
        shown = "-" if budget is None else f"{budget} ({_share(spent.characters, budget)})"
        click.echo(
            f"{engine}\t{spent.characters}\t{shown}\t{spent.prompt_tokens}\t"
            f"{spent.completion_tokens}\t{spent.requests}"
        )
    click.echo(
        f"\nlast {days} days\tengine\tcharacters\tprompt tokens\tcompletion tokens\trequests"
    )
    for day in daily:
        click.echo(
            f"{day.day}\t{day.engine}\t{day.characters}\t{day.prompt_tokens}\t"
            f"{day.completion_tokens}\t{day.requests}"
        )
    if settings.deepl_api_key:
        click.echo(f"\n{_deepl_account()}")


def _share(used: int, budget: int) -> str:
    return "spent" if used >= budget else f"{100 * used / budget:.0f}% used"


def _deepl_account() -> str:
    """DeepL's own count for the billing period (it may include use outside Syndikat)."""
    try:
        used, limit = DeepLEngine.from_settings().account_usage()
    except EngineError as exc:
        return f"deepl account: not available ({exc})"
    return f"deepl account (DeepL's count, this billing period): {used} of {limit} characters"
