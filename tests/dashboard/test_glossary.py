"""The glossary page: terms and kept names with the glossary's version; add, change and remove
through services.translate.glossary, with its rules."""

from __future__ import annotations

import pytest

from services.translate import glossary
from tests.support.dashboard import form_error
from tests.support.services import observer_session


def current(db_env):
    session = observer_session(db_env)
    try:
        return glossary.snapshot(session)
    finally:
        session.close()


def test_terms_and_kept_names_are_listed_with_the_version(signed_in, db):
    glossary.add_term(db, "Bundeskanzler", "Chancellor")
    glossary.add_term(db, "Olaf Scholz", None, "keep")
    db.commit()

    page = signed_in.get("/glossary").get_data(as_text=True)

    assert 'id="glossary-version">version 2<' in page
    terms = page.split('id="terms"', 1)[1]
    assert '<td lang="de">Bundeskanzler</td>\n      <td lang="en">Chancellor</td>' in terms
    assert '<td lang="de">Olaf Scholz</td>\n      <td lang="en">Olaf Scholz</td>' in terms


def test_a_term_is_added_changed_and_removed_and_each_change_raises_the_version(
    signed_in, post, db_env
):
    post("/glossary/terms", source="Bundeskanzler", target="Chancellor", kind="term")
    post("/glossary/terms", source="Bundeskanzler", target="Federal Chancellor", kind="term")
    post("/glossary/terms", source="Nordhafen", target="", kind="keep")
    assert current(db_env).terms == (
        glossary.Term("Bundeskanzler", "Federal Chancellor"),
        glossary.Term("Nordhafen", "Nordhafen", "keep"),
    )
    assert current(db_env).version == 3

    post("/glossary/terms/remove", source="Bundeskanzler")

    assert [term.source for term in current(db_env).terms] == ["Nordhafen"]
    page = signed_in.get("/glossary").get_data(as_text=True)
    assert "Bundeskanzler removed; glossary version 4." in page


@pytest.mark.parametrize(
    ("form", "reason"),
    [
        (
            {"source": "Kanzler", "target": "", "kind": "term"},
            "the English of a term must not be empty",
        ),
        (
            {"source": "<b>Kanzler</b>", "target": "x", "kind": "term"},
            "must not contain tabs, newlines, &lt; or &gt;",
        ),
        ({"source": "Kanzler", "target": "x", "kind": "sometimes"}, "kind must be one of"),
        ({"source": "K" * 301, "target": "x", "kind": "term"}, "longer than 300 characters"),
    ],
)
def test_a_bad_term_is_refused_with_the_reason_and_nothing_changes(post, db_env, form, reason):
    answer = post("/glossary/terms", **form)

    assert answer.status_code == 422
    assert reason in form_error(answer)
    assert current(db_env).version == 0


def test_removing_a_term_that_is_not_there_says_so(signed_in, post):
    post("/glossary/terms/remove", source="Nirgendwo")
    page = signed_in.get("/glossary").get_data(as_text=True)
    assert "Not removed: the glossary has no term &#39;Nirgendwo&#39;." in page
