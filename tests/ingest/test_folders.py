"""Watched folders: every file is taken in once and ends in done/ or error/, never lost."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from services.ingest import folders
from services.ingest.folders import scan_folder
from shared.config import get_settings
from shared.models import IngestError, Source, Story, StoryEvent, StoryVersion
from tests.support.factories import FIXTURES, add_source, fixture_story

G2 = FIXTURES / "newsml-g2"
NITF = FIXTURES / "nitf" / "stadtrat-haushalt.xml"


@pytest.fixture
def inbox(db_env: str) -> Path:
    path = get_settings().inbox_dir / "hnd"
    path.mkdir(parents=True)
    return path


def folder_source(db: Any, kind: str = "folder", name: str = "hnd") -> int:
    return add_source(db, name, kind=kind, folder=name).id


def drop(inbox: Path, name: str, data: bytes) -> Path:
    path = inbox / name
    path.write_bytes(data)
    past = time.time() - 60  # long settled (file times are on the wall clock, not the test's)
    os.utime(path, (past, past))
    return path


def listing(inbox: Path, sub: str = "") -> list[str]:
    return sorted(p.name for p in (inbox / sub).iterdir() if p.is_file())


def count(db: Any, model: Any) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_every_format_is_taken_in_and_moved_to_done(db, inbox):
    source_id = folder_source(db)
    drop(inbox, "a-g2.xml", (G2 / "hafen-streik.v1.xml").read_bytes())
    drop(inbox, "b-message.xml", (G2 / "message-two-items.xml").read_bytes())
    drop(inbox, "c-nitf.xml", NITF.read_bytes())
    drop(inbox, "d-ninjs1.json", (FIXTURES / "ninjs-1x" / "de-kita-gebuehren.json").read_bytes())
    drop(inbox, "e-ninjs2.json", (FIXTURES / "de-rathaus.json").read_bytes())

    result = scan_folder(source_id)

    assert result.stored == 6 and result.failed == {}
    assert listing(inbox) == []
    assert listing(inbox, "processing") == []
    assert listing(inbox, "done") == [
        "a-g2.xml",
        "b-message.xml",
        "c-nitf.xml",
        "d-ninjs1.json",
        "e-ninjs2.json",
    ]
    assert count(db, Story) == 6
    assert db.get(Source, source_id).last_success_at is not None


def test_an_update_and_a_kill_dropped_together_are_versions_in_order(db, inbox):
    source_id = folder_source(db, kind="newsml-g2")
    for name in ("hafen-streik.v1.xml", "hafen-streik.v2.xml", "hafen-streik.v3-kill.xml"):
        drop(inbox, name, (G2 / name).read_bytes())

    scan_folder(source_id)

    story = db.scalars(select(Story)).one()
    assert [(v.version, v.kind) for v in story.versions] == [
        ("1", "original"),
        ("2", "update"),
        ("3", "kill"),
    ]
    assert story.state == "killed"


def test_a_file_dropped_twice_is_a_duplicate_and_both_copies_are_kept(db, inbox):
    source_id = folder_source(db)
    drop(inbox, "story.xml", NITF.read_bytes())
    scan_folder(source_id)
    drop(inbox, "story.xml", NITF.read_bytes())

    result = scan_folder(source_id)

    assert (result.stored, result.duplicates) == (0, 1)
    done = listing(inbox, "done")
    assert len(done) == 2 and "story.xml" in done
    assert count(db, StoryVersion) == 1
    assert "duplicate" in db.scalars(select(StoryEvent.stage)).all()


BAD_FILES = {
    "malformed XML": (b"<newsItem guid='x'><itemMeta></newsItem>", "not well-formed XML"),
    "not a wire format": (b"Betreff: Hafen\n\nText ohne Format", "not a ninjs"),
    "invalid UTF-8": (b'<?xml version="1.0" encoding="utf-8"?><nitf>\xff</nitf>', "Invalid bytes"),
    "XXE": (
        b'<?xml version="1.0"?><!DOCTYPE nitf [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<nitf><head><title>&x;</title></head></nitf>",
        "entity declarations is refused",
    ),
    "invalid ninjs": (b'{"uri": "urn:x", "headlines": "not a list"}', "not a valid ninjs"),
    "no uri": (b'{"headline": "Meldung ohne Kennung"}', "needs a `uri`"),
}


@pytest.mark.parametrize("case", list(BAD_FILES), ids=list(BAD_FILES))
def test_a_bad_file_moves_to_error_with_its_reason_and_the_rest_go_in(db, inbox, case):
    data, reason = BAD_FILES[case]
    source_id = folder_source(db)
    drop(inbox, "bad.xml", data)
    drop(inbox, "good.json", (FIXTURES / "de-rathaus.json").read_bytes())

    result = scan_folder(source_id)

    assert listing(inbox, "error") == ["bad.xml", "bad.xml.reason.txt"]
    assert reason in (inbox / "error" / "bad.xml.reason.txt").read_text()
    assert listing(inbox, "done") == ["good.json"]
    assert list(result.failed) == ["bad.xml"]
    error = db.scalars(select(IngestError)).one()
    assert error.item_ref == "bad.xml" and reason in error.reason
    assert count(db, Story) == 1


def test_a_message_with_one_invalid_item_stores_none_of_its_items(db, inbox):
    source_id = folder_source(db)
    data = (G2 / "message-two-items.xml").read_bytes()
    broken = data.replace(b'guid="urn:newsml:hnd.example:20231202:port-figures-en"', b"")
    drop(inbox, "message.xml", broken)

    scan_folder(source_id)

    assert count(db, Story) == 0
    assert "no guid" in (inbox / "error" / "message.xml.reason.txt").read_text()


def test_a_20_mb_file_is_refused_unread(db, inbox):
    source_id = folder_source(db)
    drop(inbox, "huge.json", b'{"uri": "urn:x", "ednote": "' + b"x" * (20 * 1024 * 1024) + b'"}')

    scan_folder(source_id)

    assert "the limit is 2,097,152" in (inbox / "error" / "huge.json.reason.txt").read_text()
    assert count(db, Story) == 0


def test_a_file_of_the_wrong_format_for_the_source_goes_to_error(db, inbox):
    source_id = folder_source(db, kind="nitf")
    drop(inbox, "g2.xml", (G2 / "hafen-streik.v1.xml").read_bytes())

    scan_folder(source_id)

    assert "takes nitf, not newsml-g2" in (inbox / "error" / "g2.xml.reason.txt").read_text()


def test_files_still_being_written_are_left_for_the_next_scan(db, inbox):
    source_id = folder_source(db)
    drop(inbox, ".hidden.json", (FIXTURES / "de-rathaus.json").read_bytes())
    drop(inbox, "upload.json.part", (FIXTURES / "de-rathaus.json").read_bytes())
    (inbox / "fresh.json").write_bytes((FIXTURES / "de-rathaus.json").read_bytes())

    scan_folder(source_id)

    assert listing(inbox) == [".hidden.json", "fresh.json", "upload.json.part"]
    assert count(db, Story) == 0


def test_two_scanners_at_once_take_each_file_exactly_once(db, inbox):
    source_id = folder_source(db)
    template = fixture_story()
    for n in range(20):
        doc = template | {"uri": f"urn:syndikat:test:parallel-{n}"}
        drop(inbox, f"{n:02d}.json", json.dumps(doc).encode())
    results: list[Any] = []

    scanners = [
        threading.Thread(target=lambda: results.append(scan_folder(source_id))) for _ in range(2)
    ]
    for scanner in scanners:
        scanner.start()
    for scanner in scanners:
        scanner.join(timeout=120)

    assert sum(len(r.done) for r in results) == 20
    assert sum(r.stored for r in results) == 20
    assert len(listing(inbox, "done")) == 20
    assert listing(inbox, "error") == [] and listing(inbox, "processing") == []
    assert count(db, StoryVersion) == 20


def test_a_file_left_in_processing_by_a_dead_scanner_is_taken_in_later(db, inbox, monkeypatch):
    source_id = folder_source(db)
    (inbox / "processing").mkdir()
    shutil.copy(NITF, inbox / "processing" / "0123456789ab--left-behind.xml")
    monkeypatch.setattr(folders, "STALE_CLAIM", 0.0)
    monkeypatch.setattr(folders, "SETTLE", 0.0)

    result = folders.scan_folder(source_id, settle=0.0)

    assert result.done == ["left-behind.xml"]
    assert listing(inbox, "done") == ["left-behind.xml"]
    assert count(db, Story) == 1


def test_a_missing_folder_shows_as_a_failing_source(db, db_env):
    source_id = folder_source(db, name="nowhere")

    result = scan_folder(source_id)

    assert result.error is not None and "does not exist" in result.error
    source = db.get(Source, source_id)
    assert source.failures_in_row == 1 and "does not exist" in source.last_error
