"""The glossary: German terms with a fixed English and names never translated, with the
glossary's version; add and remove through `services.translate.interface` (the CLI and API
apply the same rules)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from services.dashboard import audit_trail
from services.dashboard.messages import say
from services.translate import interface as translate
from shared import audit
from shared import db as database
from shared.models import TermKind

bp = Blueprint("glossary", __name__)


@bp.get("/glossary")
def index() -> Any:
    return _page()


@bp.post("/glossary/terms")
def add() -> Any:
    source = request.form.get("source", "")
    target = request.form.get("target", "").strip() or None
    kind = request.form.get("kind", TermKind.TERM)
    with database.session() as db:
        try:
            term, version = translate.add_term(db, source, target, kind)
        except translate.GlossaryError as exc:
            db.rollback()
            entered = {"source": source[:300], "target": (target or "")[:300], "kind": kind}
            return _page(error=f"Not added: {exc}.", entered=entered), 422
        after = term.as_dict() | {"glossary_version": version}
        term_target = audit.Target("glossary-term", None, term.source)
        audit_trail.record(db, "glossary.add", term_target, None, after)
    say(f"{term.source} → {term.target} ({term.kind}); glossary version {version}.", "success")
    return redirect(url_for("glossary.index"))


@bp.post("/glossary/terms/remove")
def remove() -> Any:
    source = request.form.get("source", "")
    with database.session() as db:
        try:
            version = translate.remove_term(db, source)
        except translate.GlossaryError as exc:
            say(f"Not removed: {exc}.", "error")
        else:
            target = audit.Target("glossary-term", None, source.strip())
            audit_trail.record(db, "glossary.remove", target, None, {"glossary_version": version})
            say(f"{source.strip()} removed; glossary version {version}.", "success")
    return redirect(url_for("glossary.index"))


def _page(error: str | None = None, entered: dict[str, str] | None = None) -> str:
    with database.session() as db:
        current = translate.glossary_snapshot(db)
    terms = sorted(current.terms, key=lambda term: (term.kind, term.source.casefold()))
    return render_template(
        "dashboard/glossary.html",
        version=current.version,
        terms=terms,
        kinds=[kind.value for kind in TermKind],
        error=error,
        entered=entered or {"source": "", "target": "", "kind": TermKind.TERM},
    )
