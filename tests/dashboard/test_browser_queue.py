"""The publish queue and the phone layout in a real browser (Debian's Chromium), against a live
dashboard under gunicorn.

- The queue: filter it, cancel one delivery with a reason, resend one, resend and cancel a
  selection, and watch a new delivery appear without a reload (a ticked box stays ticked).
- At 390 px: no page scrolls sideways, the menu opens and shows every link readable (dark
  ground, light text), and the queue's actions are on the screen.

Screenshots go to test-artifacts/browser/queue-<database>/; docs/publish-queue.png is the
"publish-queue" one.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from services.dashboard.users import save_user
from shared.models import Delivery, DeliveryEvent, DeliveryState, utcnow
from tests.support.browser import Screenshots, chromium
from tests.support.dashboard import PASSWORD, add_delivery, add_story
from tests.support.factories import add_partner, add_source
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1360, "height": 900}


@pytest.fixture
def desk(db: Any) -> dict[str, Any]:
    """A morning's publish queue: two partners failing in different ways, one held story."""
    save_user(db, "anna", PASSWORD)
    db.commit()
    wire = add_source(db, "dpa-ticker")
    feed = add_source(db, "hnd-nord", kind="rss", url="https://hnd.example/nord/rss.xml")
    kurier = add_partner(db, "kiel-kurier", endpoint="http://127.0.0.1:9/hook")
    blatt = add_partner(db, "nordblatt", endpoint="http://127.0.0.1:9/hook")
    start = utcnow() - timedelta(minutes=40)
    stories = [
        add_story(db, wire, headline, received=start + timedelta(minutes=5 * number))
        for number, headline in enumerate(
            [
                "Bahnstreik: Pendler müssen am Dienstag mit Ausfällen rechnen",
                "Landtag beschließt Haushalt für 2027",
                "Hafen Hamburg meldet Rekordumschlag im dritten Quartal",
                "Eintracht Nordstadt zieht ins Pokalfinale ein",
            ]
        )
    ]
    held_story = add_story(db, feed, "Sperrfrist: Quartalszahlen der Nordbank")
    error = "HTTP 503: Service Unavailable (maintenance until 08:00)"
    rows = {
        "dead": add_delivery(db, stories[0], kurier, DeliveryState.DEAD, error=error, attempts=12),
        "retrying": add_delivery(
            db, stories[1], kurier, DeliveryState.PENDING, error=error, attempts=3
        ),
        "retrying2": add_delivery(
            db, stories[2], kurier, DeliveryState.PENDING, error=error, attempts=2
        ),
        "pending": add_delivery(db, stories[3], blatt, DeliveryState.PENDING, attempts=0),
        "updated": add_delivery(
            db,
            stories[0],
            blatt,
            DeliveryState.PENDING,
            error="timed out after 10 s",
            attempts=1,
            event=DeliveryEvent.UPDATED,
        ),
        "held": add_delivery(db, held_story, blatt, DeliveryState.PENDING, attempts=0),
    }
    rows["held"].held_until = rows["held"].next_attempt_at = utcnow() + timedelta(hours=3)
    db.commit()
    return rows | {"kurier": kurier, "blatt": blatt, "wire": wire, "stories": stories}


@pytest.fixture
def dashboard(db_env: str, tmp_path: Any, database_url: str) -> Any:
    env = {
        "DATABASE_URL": db_env,
        "SYNDIKAT_VAR_DIR": str(tmp_path / "var"),
        "SYNDIKAT_DASHBOARD_SECURE_COOKIES": "false",
    }
    run = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    with (
        Pipeline(env, tmp_path / "logs", workers=(), api=False) as processes,
        chromium() as browser,
    ):
        yield processes.start_dashboard(), browser, run


def sign_in(page: Any, url: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=name]", "anna")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/")


def state_of(db: Any, delivery: Delivery) -> tuple[str, int, str | None]:
    db.expire_all()
    found = db.get_one(Delivery, delivery.id)
    return found.state, found.attempts, found.last_error


def test_the_publish_queue_in_a_browser(db, desk, dashboard):
    url, browser, run = dashboard
    page = browser.new_page(viewport=DESK)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.accept()))
    shots = Screenshots(page, f"queue-{run}")
    sign_in(page, url)

    # The overview's "retrying" count leads into the queue, filtered.
    page.click("#attention >> text=2 retrying")
    assert f"partner={desk['kurier'].id}" in page.url and "state=retrying" in page.url
    page.wait_for_url(re.compile(r"/queue\?"))
    assert rows_shown(page) == {desk["retrying"].id, desk["retrying2"].id}

    page.click("nav >> text=Publish queue")
    assert rows_shown(page) == {
        desk[n].id for n in ("dead", "retrying", "retrying2", "pending", "updated", "held")
    }
    assert "held" in page.inner_text(f"#queue-{desk['held'].id}")
    shots.take("publish-queue")

    # Filter: one partner, then one event.
    page.select_option("#queue-filters select[name=partner]", label="nordblatt")
    page.click("#queue-filters button[type=submit]")
    page.wait_for_url(re.compile(r"partner="))
    assert rows_shown(page) == {desk["pending"].id, desk["updated"].id, desk["held"].id}
    page.select_option("#queue-filters select[name=event]", "story.updated")
    page.click("#queue-filters button[type=submit]")
    page.wait_for_url(re.compile(r"event="))
    assert rows_shown(page) == {desk["updated"].id}
    shots.take("queue-filtered")

    # Cancel one delivery, with a reason; the filters stay.
    row = page.locator(f"#queue-{desk['updated'].id}")
    row.locator("input[name=reason]").fill("nordblatt took it from the feed by hand")
    row.locator("button", has_text="Cancel").click()
    page.wait_for_selector(".flash.success")
    assert "Canceled story.updated to nordblatt." in page.inner_text(".flash.success")
    assert "event=story.updated" in page.url
    assert rows_shown(page) == set()
    assert state_of(db, desk["updated"]) == (
        "canceled",
        1,
        "canceled by anna: nordblatt took it from the feed by hand",
    )

    # Resend one: the dead delivery goes back to pending with fresh retries.
    page.goto(url + "/queue?state=dead")
    page.locator(f"#queue-{desk['dead'].id} button", has_text="Resend").click()
    page.wait_for_selector(".flash.success")
    assert f"Delivery {desk['dead'].id} queued again" in page.inner_text(".flash.success")
    assert state_of(db, desk["dead"])[:2] == ("pending", 0)

    # Bulk: resend two, then cancel two with one reason.
    page.goto(url + "/queue")
    for name in ("retrying", "retrying2"):
        page.check(f"#pick-{desk[name].id}")
    page.click("#bulk button[value=resend]")
    page.wait_for_selector(".flash.success")
    assert "2 deliveries queued again." in page.inner_text(".flash.success")
    assert (
        state_of(db, desk["retrying"])[:2] == state_of(db, desk["retrying2"])[:2] == ("pending", 0)
    )
    for name in ("retrying", "pending"):
        page.check(f"#pick-{desk[name].id}")
    page.fill("#bulk input[name=reason]", "story withdrawn by the desk")
    page.click("#bulk button[value=cancel]")
    page.wait_for_selector(".flash.success")
    assert "2 deliveries canceled." in page.inner_text(".flash.success")
    for name in ("retrying", "pending"):
        assert state_of(db, desk[name])[2] == "canceled by anna: story withdrawn by the desk"
    shots.take("queue-after-bulk")

    # Live: a new delivery shows up without a reload; a ticked box stays ticked meanwhile.
    page.check(f"#pick-{desk['retrying2'].id}")
    page.evaluate("window.notReloaded = true")
    story = add_story(db, desk["wire"], "Wetterdienst warnt vor Sturmböen an der Küste")
    later = add_delivery(
        db, story, desk["kurier"], DeliveryState.PENDING, error="HTTP 502", attempts=1
    )
    page.wait_for_selector(f"#queue-{later.id}", timeout=30_000)
    assert page.evaluate("window.notReloaded") is True
    assert page.is_checked(f"#pick-{desk['retrying2'].id}")
    shots.take("queue-live")
    page.close()

    assert [p for p in problems if p.startswith("dialog")] == [
        "dialog: Send this delivery to kiel-kurier again (same webhook-id)?",
        "dialog: Send the selected deliveries again?",
        "dialog: Cancel the selected deliveries for good?",
    ]
    assert [p for p in problems if not p.startswith("dialog")] == []


def rows_shown(page: Any) -> set[int]:
    ids = page.eval_on_selector_all("#queue tbody tr[id^=queue-]", "rows => rows.map(r => r.id)")
    return {int(row_id.removeprefix("queue-")) for row_id in ids}


def test_every_page_fits_a_phone_and_its_menu_is_readable(db, desk, dashboard):
    url, browser, run = dashboard
    page = browser.new_page(viewport=PHONE)
    shots = Screenshots(page, f"phone-{run}")
    page.goto(url + "/login")
    assert_no_sideways_scroll(page, "/login")
    sign_in(page, url)
    story = desk["stories"][0]
    pages = [
        "/",
        "/stories",
        f"/stories/{story.id}",
        "/review",
        "/queue",
        "/dead-letters",
        "/partners",
        "/partners/new",
        f"/partners/{desk['kurier'].id}",
        "/sources",
        "/sources/new",
        f"/sources/{desk['wire'].id}",
        "/glossary",
    ]
    for path in pages:
        answer = page.goto(url + path)
        assert answer.status == 200, path
        assert_no_sideways_scroll(page, path)
        assert_menu_readable(page, path)
        shots.take(path.strip("/").replace("/", "-") or "overview")

    # A wide table scrolls in its box, its row's buttons stay on the screen.
    page.goto(url + "/partners")
    for button in ("Send test", "Disable"):
        assert_on_screen(page.locator(f"#partner-{desk['kurier'].id} button", has_text=button))
    page.goto(url + "/dead-letters")
    assert_on_screen(page.locator(f"#delivery-{desk['dead'].id} button", has_text="Replay"))

    # The queue's rows are cards with their actions on the screen.
    page.goto(url + "/queue")
    row = page.locator(f"#queue-{desk['retrying'].id}")
    for action in (
        row.locator("button", has_text="Resend"),
        row.locator("button", has_text="Cancel"),
        row.locator("text=Open story"),
    ):
        assert_on_screen(action)
    shots.take("queue-phone")


def assert_on_screen(element: Any) -> None:
    box = element.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def assert_no_sideways_scroll(page: Any, path: str) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        wide = page.evaluate(TOO_WIDE)
        raise AssertionError(f"{path} is {widths[0]} px wide on a {widths[1]} px screen: {wide}")


def assert_menu_readable(page: Any, path: str) -> None:
    links = page.locator("nav#main-nav a")
    assert not links.first.is_visible(), f"{path}: the menu is open before it is asked for"
    page.click("#menu-toggle")
    assert page.get_attribute("#menu-toggle", "aria-expanded") == "true"
    for number in range(links.count()):
        link = links.nth(number)
        assert link.is_visible(), f"{path}: {link.inner_text()} is hidden"
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], path
        ratio = link.evaluate(CONTRAST)
        assert ratio >= 4.5, f"{path}: {link.inner_text()} has a contrast of {ratio:.1f}"
    assert_no_sideways_scroll(page, f"{path} (menu open)")
    page.click("#menu-toggle")
    assert not links.first.is_visible()


#: The WCAG contrast ratio between a link's text and the first opaque background behind it.
CONTRAST = """link => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const channel = (c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  let node = link, ground = null;
  while (node && !ground) {
    const color = rgb(getComputedStyle(node).backgroundColor);
    if (color.length < 4 || color[3] > 0) ground = color;
    node = node.parentElement;
  }
  ground = ground || [255, 255, 255];
  const [a, b] = [luminance(rgb(getComputedStyle(link).color)), luminance(ground)];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


#: The innermost elements that stick out to the right, to name in a failure.
TOO_WIDE = """() => {
  const out = (e) => e.getBoundingClientRect().right > window.innerWidth + 0.5;
  return [...document.querySelectorAll("body *")]
  .filter((e) => out(e) && ![...e.children].some(out))
  .slice(0, 5)
  .map((e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${e.className}`);
}"""
