"""The dashboard in a real browser (headless Chromium), against a live dashboard under
gunicorn with a real publish worker and a partner site that records what it receives: sign in,
find a lost story and resend it, fix a sentence of a story the QA gate held and approve it until
the partner has it, look after sources, partners, the glossary and the dead letters, and watch
the overview refresh itself.

Screenshots of every step are kept in test-artifacts/browser/<database>/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from services.dashboard.users import save_user
from services.ingest.source_health import record_item_error
from services.translate import glossary, pipeline
from shared.config import get_settings
from shared.models import DeliveryState, utcnow
from tests.support.browser import Screenshots, chromium
from tests.support.dashboard import (
    HURRIED_ENGINE,
    LOST_NUMBER,
    PASSWORD,
    add_delivery,
    add_story,
    held_story,
)
from tests.support.factories import add_partner, add_source, new_secret
from tests.support.pipeline import Pipeline, wait_until
from tests.support.receiver import Receiver

pytestmark = pytest.mark.e2e
EVIL = "<script>alert('pwned')</script> Hafen"
FIXED = "Construction is to cost 1.15 billion euros."
MORNING = [
    "Bahnstreik: Pendler müssen am Dienstag mit Ausfällen rechnen",
    "Landtag beschließt Haushalt für 2027",
    "Hafen Hamburg meldet Rekordumschlag im dritten Quartal",
    "Nordhafen Logistik steigert Umsatz um 12,4 Prozent",
    "Eintracht Nordstadt zieht ins Pokalfinale ein",
    "Wetterdienst warnt vor Sturmböen an der Küste",
]


@pytest.fixture
def newsroom(db: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A morning's worth of stories: most delivered, one dead letter, one held by the QA gate
    (translated by the real pipeline with an engine that loses a number), a failing feed."""
    save_user(db, "anna", PASSWORD)
    db.commit()
    wire = add_source(db, "dpa-ticker", attribution="Source: dpa")
    feed = add_source(db, "hnd-nord", kind="rss", url="https://hnd.example/nord/rss.xml")
    feed.failures_in_row, feed.last_error = 3, "HTTP 503 from https://hnd.example/nord/rss.xml"
    # The wall clock: the dashboard and workers run as processes the clock fixture cannot stop.
    feed.last_attempt_at = feed.last_error_at = utcnow()
    feed.last_success_at = utcnow() - timedelta(hours=1)
    record_item_error(db, feed.id, "https://hnd.example/nord/4711", "an item without guid or link")
    db.commit()
    partner_site = Receiver()
    partner = add_partner(db, "24hw", endpoint=partner_site.url, secret=new_secret())
    add_partner(db, "nachbar", endpoint="http://127.0.0.1:9/hook")
    start = utcnow() - timedelta(minutes=50)
    for number, headline in enumerate(MORNING):
        story = add_story(db, wire, headline, received=start + timedelta(minutes=7 * number))
        add_delivery(db, story, partner, after=8.0 + number)
    lost = add_story(db, wire, "Rathaus bleibt am Montag geschlossen")
    dead = add_delivery(
        db, lost, partner, DeliveryState.DEAD, error="HTTP 503: maintenance", attempts=17
    )
    add_story(db, wire, EVIL)
    glossary.add_term(db, "Oberbürgermeisterin", "Lord Mayor")
    glossary.add_term(db, "Katrin Albers", None, "keep")
    db.commit()
    monkeypatch.setenv("SYNDIKAT_ENGINE", HURRIED_ENGINE)
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()
    held = held_story(db)
    get_settings.cache_clear()
    pipeline.configured_engine.cache_clear()
    return {"site": partner_site, "lost": lost, "dead": dead, "held": held, "feed": feed}


def test_an_editor_runs_the_morning_shift_in_a_browser(db_env, newsroom, tmp_path, database_url):
    env = {
        "DATABASE_URL": db_env,
        "SYNDIKAT_VAR_DIR": str(tmp_path / "var"),
        "SYNDIKAT_DASHBOARD_SECURE_COOKIES": "false",
    }
    run = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with (
        newsroom["site"] as site,
        Pipeline(
            env, tmp_path / "logs", workers=("ingest", "translate", "publish")
        ) as pipeline_processes,
        chromium() as browser,
    ):
        url = pipeline_processes.start_dashboard()
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.accept()))
        shots = Screenshots(page, run)
        steps = Steps(page, url, shots, site, newsroom)

        steps.sign_in()
        steps.overview()
        steps.find_and_resend_the_lost_story()
        steps.fix_and_approve_the_held_story()
        steps.look_after_sources()
        steps.look_after_partners()
        steps.add_a_glossary_term()
        steps.dead_letters()
        steps.escaped_headline()
        steps.overview(final=True)
        steps.audit_log()
        steps.sign_out_ends_a_copied_session(browser)
        page.close()

    dialogs = [p for p in problems if p.startswith("dialog")]
    assert dialogs == [
        "dialog: Send this delivery to 24hw again (same webhook-id)?",
        "dialog: Publish this translation as it is?",
    ]
    # Chromium notes every 4xx answer in the console: the two forms refused on purpose.
    refused = "Failed to load resource: the server responded with a status of 422"
    assert [p for p in problems if p.startswith(refused)] == [
        refused + " (UNPROCESSABLE ENTITY)"
    ] * 2
    assert [p for p in problems if not p.startswith(("dialog", refused))] == []


class Steps:
    """One editor's morning, step by step; each step checks what the page shows."""

    def __init__(self, page: Any, url: str, shots: Screenshots, site: Receiver, news: Any):
        self.page, self.url, self.shots, self.site, self.news = page, url, shots, site, news

    def sign_in(self) -> None:
        page = self.page
        page.goto(self.url + "/stories")
        assert page.url.startswith(self.url + "/login")  # a stranger goes to the login first
        self.shots.take("login")
        page.fill("input[name=name]", "anna")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(self.url + "/stories")

    def overview(self, final: bool = False) -> None:
        page = self.page
        page.goto(self.url + "/")
        states = page.inner_text("#states")
        attention = page.inner_text("#attention")
        assert "hnd-nord is failing: failed 3 times in a row: HTTP 503" in attention
        if final:
            assert re.search(r"published\s+9", states), states  # the held one went out too
            self.shots.take("overview-at-the-end")
            return
        assert re.search(r"published\s+8", states), states
        assert re.search(r"needs review\s+1", states), states
        assert "1 story waits for review" in attention
        assert "1 dead letter" in attention
        assert "24hw: 0 retrying, 1 dead — HTTP 503: maintenance" in attention
        assert "delivered\n6" in page.inner_text("#last-hour")
        self.shots.take("overview")
        # It refreshes itself (the script runs under the CSP: no inline code).
        with page.expect_response(lambda r: "/overview/live" in r.url, timeout=30_000) as live:
            pass
        assert live.value.status == 200

    def find_and_resend_the_lost_story(self) -> None:
        page, dead = self.page, self.news["dead"]
        page.click("nav >> text=Stories")
        page.fill("input[name=q]", "rathaus")
        page.click("form[role=search] button[type=submit]")
        assert page.locator("#story-list tbody tr").count() == 1
        self.shots.take("search")
        page.click("text=Rathaus bleibt am Montag geschlossen")
        assert page.inner_text("#headline") == "Rathaus bleibt am Montag geschlossen"
        row = page.locator(f"#delivery-{dead.id}")
        assert "dead" in row.inner_text() and "HTTP 503: maintenance" in row.inner_text()
        assert "EN: Rathaus bleibt am Montag geschlossen" in page.inner_text("#text")
        self.shots.take("story-dead-letter")

        # Resend: confirmed in a dialog, sent by the real publish worker, same webhook-id.
        row.locator("button", has_text="Resend").click()
        page.wait_for_selector(".flash.success")
        assert "Queued again for 24hw" in page.inner_text(".flash.success")
        [request] = self.site.wait_for(1)
        assert request.headers["webhook-id"] == dead.webhook_id
        self._reload_until(lambda: "delivered" in page.inner_text(f"#delivery-{dead.id}"))
        assert "story.published to 24hw by anna" in page.inner_text("#timeline")
        self.shots.take("story-resent")

    def fix_and_approve_the_held_story(self) -> None:
        page, held = self.page, self.news["held"]
        page.click("nav >> text=Review")
        queue = page.inner_text("#review-queue")
        assert "Stadtrat stimmt für neues Stadion" in queue
        assert "numbers · descriptions[0]: 1,15 is missing (expected 1.15)" in queue
        self.shots.take("review-queue")
        page.click(f"#held-{held.id} a")
        assert "1,15 is missing (expected 1.15)" in page.inner_text("#qa")
        # A sentence with a link shows its marker and what it stands for.
        text = page.inner_text("#text")
        assert "<g1>Bauplan der Stadt</g1>" in text
        assert "<g1> link to https://example.org/bauplan" in text
        self.shots.take("story-held")

        # Fix the sentence that lost its number: the story is checked again and passes.
        unit = page.locator("tr[id^=unit-]", has_text=LOST_NUMBER)
        unit.locator("textarea").fill(FIXED)
        unit.locator("button", has_text="Save").first.click()
        page.wait_for_selector(".flash.success")
        assert "saved; the story was checked again" in page.inner_text(".flash.success")
        assert "Every check passed" in page.inner_text("#qa")
        self.shots.take("story-fixed")

        # Approve: the publish worker delivers the English to the partner.
        page.locator("#qa button", has_text="Approve and publish").click()
        page.wait_for_selector(".flash.success")
        assert "Approved" in page.inner_text(".flash.success")
        received = wait_until(lambda: self._received_headline("City council votes for new stadium"))
        assert FIXED in received["descriptions"][0]["value"]
        assert received["copyrightnotice"].startswith("Source: ")
        self._reload_until(lambda: "published" in page.inner_text("#story-state"))
        assert "approved" in page.inner_text("#timeline")
        assert "delivered" in page.inner_text("#deliveries")
        self.shots.take("story-approved-and-delivered")

    def look_after_sources(self) -> None:
        page, feed = self.page, self.news["feed"]
        page.click("nav >> text=Sources")
        row = page.inner_text(f"#source-{feed.id}")
        assert "failing" in row and "HTTP 503 from https://hnd.example/nord/rss.xml" in row
        self.shots.take("sources")
        page.click(f"#source-{feed.id} >> text=Edit")
        assert "an item without guid or link" in page.inner_text("#errors")
        self.shots.take("source-with-errors")

        page.goto(self.url + "/sources/new")
        page.fill("#source-form input[name=name]", "afp-de")
        page.select_option("#source-form select[name=kind]", "rss")
        page.click("#source-form button[type=submit]")
        assert "an rss source needs a url" in page.inner_text("#form-error")
        page.fill("#source-form input[name=url]", "https://afp.example/de/rss.xml")
        page.fill("#source-form input[name=poll_interval_seconds]", "120")
        page.click("#source-form button[type=submit]")
        page.wait_for_selector(".flash.success")
        assert "afp-de added." in page.inner_text(".flash.success")
        assert "afp-de" in page.inner_text("#sources")

    def look_after_partners(self) -> None:
        page = self.page
        page.click("nav >> text=Partners")
        page.click("text=Add a partner")
        page.fill("#partner-form input[name=name]", "kiel-kurier")
        page.fill("#partner-form input[name=endpoint]", "http://169.254.169.254/latest")
        page.fill("#partner-form input[name=secret]", new_secret())
        page.click("#partner-form button[type=submit]")
        assert "endpoint refused" in page.inner_text("#form-error")
        self.shots.take("partner-refused")
        page.select_option("#partner-form select[name=method]", "feed")
        page.fill("#partner-form input[name=endpoint]", "")
        page.click("#partner-form button[type=submit]")
        assert len(page.inner_text("#feed-token")) > 20  # shown this once
        self.shots.take("partner-feed-token")

        page.click("nav >> text=Partners")
        row = page.locator("#partners tr", has_text="24hw")
        row.locator("button", has_text="Send test").click()
        page.wait_for_selector(".flash.success")
        assert "Test delivery queued" in page.inner_text(".flash.success")
        # The publish worker sends it; the partner's answer shows once it has come.
        self._reload_until(lambda: "Test accepted: HTTP 200" in page.inner_text("#partners"))
        assert any(r.json()["type"] == "syndikat.test" for r in self.site.requests)
        self.shots.take("partners")

    def audit_log(self) -> None:
        """The partner added above and the sign-in are in the audit log, with who did them."""
        page = self.page
        page.click("nav >> text=Audit log")
        page.fill("input[name=action]", "partner.create")
        page.click("form.filters button[type=submit]")
        rows = page.locator("#audit-events tbody tr")
        assert rows.count() == 1
        assert "anna" in rows.first.inner_text() and "kiel-kurier" in rows.first.inner_text()
        assert '"method": "feed"' in rows.first.inner_text()
        self.shots.take("audit-log")
        page.goto(self.url + "/audit?action=sign-in")
        assert "anna" in page.inner_text("#audit-events")

    def sign_out_ends_a_copied_session(self, browser: Any) -> None:
        """A cookie copied into another browser before "Sign out" opens nothing afterwards."""
        page = self.page
        other = browser.new_context()
        other.add_cookies(page.context.cookies())
        copy = other.new_page()
        copy.goto(self.url + "/partners")
        assert copy.url == self.url + "/partners"  # the copy works while the session lasts
        page.click("form.signout button[type=submit]")
        page.wait_for_url(self.url + "/login")
        copy.goto(self.url + "/partners")
        assert copy.url.startswith(self.url + "/login")
        self.shots.take("signed-out")
        other.close()

    def add_a_glossary_term(self) -> None:
        page = self.page
        page.click("nav >> text=Glossary")
        assert page.inner_text("#glossary-version") == "version 2"
        page.fill("#add-term input[name=source]", "Bundeskanzler")
        page.fill("#add-term input[name=target]", "Chancellor")
        page.click("#add-term button[type=submit]")
        page.wait_for_selector(".flash.success")
        assert page.inner_text("#glossary-version") == "version 3"
        assert "Chancellor" in page.inner_text("#terms")
        self.shots.take("glossary")

    def dead_letters(self) -> None:
        page = self.page
        page.goto(self.url + "/dead-letters?since=24h")
        assert "No dead letters." in page.inner_text("#dead-letters")  # the lost one went out
        assert "Replay every failed delivery to every partner since" in page.inner_text(
            "#replay-all"
        )
        self.shots.take("dead-letters")

    def escaped_headline(self) -> None:
        self.page.goto(self.url + "/stories?q=pwned")
        assert EVIL in self.page.inner_text("#story-list")  # user content is text, never markup
        self.shots.take("escaped-headline")

    def _received_headline(self, headline: str) -> dict[str, Any] | None:
        for request in list(self.site.requests):
            story = request.json().get("data") or {}
            if (story.get("headlines") or [{}])[0].get("value") == headline:
                return story
        return None

    def _reload_until(self, condition: Any) -> None:
        def reloaded() -> bool:
            self.page.reload()
            return bool(condition())

        wait_until(reloaded, timeout=30, interval=0.5)
