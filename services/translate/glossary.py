"""The glossary: editing it (CLI, API) and applying it to what engines translate.

Engines with a glossary of their own (DeepL) get the terms as a synced glossary. Every other
engine gets each term replaced by a placeholder marker (`<xN/>`) it must carry over; the term's
English goes in its place afterwards, so the local model cannot render "Bundeskanzler" three ways.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.translate import markup
from shared.models import Glossary, GlossaryTerm, TermKind

DEFAULT_GLOSSARY = "default"
MAX_TERM_LENGTH = 300
#: German endings a term may carry in a story ("Bundeskanzlers", "Ministerpräsidenten").
_ENDINGS = "(?P<ending>ern|er|en|es|e|n|s)?"


class GlossaryError(ValueError):
    """A term that cannot be added or removed; the message says why."""


@dataclass(frozen=True)
class Term:
    source: str
    target: str
    kind: str = TermKind.TERM

    def english(self, ending: str | None) -> str:
        # A kept name in the genitive ("Stoltenbergs Vertrag") keeps its possessive.
        return self.target + "'s" if self.kind == TermKind.KEEP and ending == "s" else self.target

    def as_dict(self) -> dict[str, str]:
        return {"source": self.source, "target": self.target, "kind": self.kind}


@dataclass(frozen=True)
class GlossarySnapshot:
    """The glossary as one translation sees it."""

    version: int
    terms: tuple[Term, ...] = ()

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.terms:
            return None
        # Longest first, so "Olaf Scholz" wins over "Scholz".
        sources = sorted((html.escape(t.source, quote=False) for t in self.terms), key=len)
        alternatives = "|".join(re.escape(source) for source in reversed(sources))
        return re.compile(rf"(?<!\w)(?P<term>{alternatives}){_ENDINGS}(?!\w)")

    @cached_property
    def _by_source(self) -> dict[str, Term]:
        return {html.escape(t.source, quote=False): t for t in self.terms}

    def terms_in(self, german: str) -> list[Term]:
        """Terms that occur in plain German text, each once."""
        pattern = self._pattern
        if pattern is None:
            return []
        found = {m["term"]: None for m in pattern.finditer(html.escape(german, quote=False))}
        return [self._by_source[source] for source in found]

    def protect(self, unit: str) -> tuple[str, dict[int, str]]:
        """Replace terms in marker text by `<xN/>`; returns the text and N -> English (escaped)."""
        pattern = self._pattern
        if pattern is None:
            return unit, {}
        placeholders: dict[int, str] = {}
        next_ref = max(markup.refs(markup.parse(unit)), default=0) + 1

        def placeholder(match: re.Match[str]) -> str:
            nonlocal next_ref
            term = self._by_source[match["term"]]
            placeholders[next_ref] = html.escape(term.english(match["ending"]), quote=False)
            next_ref += 1
            return f"<x{next_ref - 1}/>"

        # Only text between markers is searched: a term never matches inside a marker.
        out, position = [], 0
        for match in markup.MARKER.finditer(unit):
            out.append(pattern.sub(placeholder, unit[position : match.start()]))
            out.append(match.group(0))
            position = match.end()
        out.append(pattern.sub(placeholder, unit[position:]))
        return "".join(out), placeholders

    @staticmethod
    def restore(text: str, placeholders: dict[int, str]) -> str:
        def english(match: re.Match[str]) -> str:
            ref = int(match.group(3))
            return placeholders.get(ref, match.group(0))

        return markup.MARKER.sub(english, text) if placeholders else text


# -- the stored glossary ---------------------------------------------------------------------------


def snapshot(db: Session, name: str = DEFAULT_GLOSSARY) -> GlossarySnapshot:
    glossary = db.scalar(select(Glossary).where(Glossary.name == name))
    if glossary is None:
        return GlossarySnapshot(0)
    rows = db.scalars(
        select(GlossaryTerm)
        .where(GlossaryTerm.glossary_id == glossary.id)
        .order_by(GlossaryTerm.id)
    )
    return GlossarySnapshot(glossary.version, tuple(Term(r.source, r.target, r.kind) for r in rows))


def add_term(
    db: Session, source: str, target: str | None = None, kind: str = TermKind.TERM
) -> tuple[Term, int]:
    """Add a term, or change the one with this German; returns it and the new version."""
    term = _valid_term(source, target, kind)
    glossary = _default_glossary(db)
    row = db.scalar(
        select(GlossaryTerm).where(
            GlossaryTerm.glossary_id == glossary.id, GlossaryTerm.source == term.source
        )
    )
    if row is not None and (row.target, row.kind) == (term.target, term.kind):
        return term, glossary.version  # nothing changed: the version stays
    if row is None:
        db.add(GlossaryTerm(glossary_id=glossary.id, **term.as_dict()))
    else:
        row.target, row.kind = term.target, term.kind
    return term, _bump(db, glossary)


def remove_term(db: Session, source: str) -> int:
    """Remove a term; returns the new version. `GlossaryError` when there is no such term."""
    glossary = _default_glossary(db)
    row = db.scalar(
        select(GlossaryTerm).where(
            GlossaryTerm.glossary_id == glossary.id, GlossaryTerm.source == source.strip()
        )
    )
    if row is None:
        raise GlossaryError(f"the glossary has no term {source.strip()!r}")
    db.delete(row)
    return _bump(db, glossary)


def _valid_term(source: str, target: str | None, kind: str) -> Term:
    source = (source or "").strip()
    if kind not in set(TermKind):
        raise GlossaryError(f"kind must be one of {sorted(TermKind)}, not {kind!r}")
    target = source if kind == TermKind.KEEP and not target else (target or "").strip()
    for label, value in (("the German", source), ("the English", target)):
        if not value:
            raise GlossaryError(f"{label} of a term must not be empty")
        if len(value) > MAX_TERM_LENGTH:
            raise GlossaryError(f"{label} of a term is longer than {MAX_TERM_LENGTH} characters")
        if re.search(r"[\t\r\n<>]", value):
            raise GlossaryError(f"{label} of a term must not contain tabs, newlines, < or >")
    return Term(source, target, kind)


def _default_glossary(db: Session) -> Glossary:
    query = select(Glossary).where(Glossary.name == DEFAULT_GLOSSARY)
    glossary = db.scalar(query)
    if glossary is None:
        try:
            with db.begin_nested():
                db.add(Glossary(name=DEFAULT_GLOSSARY, version=0))
        except IntegrityError:
            pass  # created a moment ago by another process
        glossary = db.scalars(query).one()
    return glossary


def _bump(db: Session, glossary: Glossary) -> int:
    # In SQL, so two editors at once both count: each change gets its own version.
    db.execute(
        update(Glossary).where(Glossary.id == glossary.id).values(version=Glossary.version + 1)
    )
    db.refresh(glossary)
    return glossary.version
