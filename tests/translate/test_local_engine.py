"""The local CTranslate2 engine and `syndikat models`, against a tiny hand-made model.

The model (tests/support/tiny_model.py) copies every piece except a small word list, so each
expected string below is exact, not "something English-looking".
"""

from __future__ import annotations

import json
import shutil
import threading
import zipfile
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import ctranslate2
import pytest
from click.testing import CliRunner

from services.translate.cli import models_group
from services.translate.engines import load_engine
from services.translate.engines import local as local_module
from services.translate.engines.base import EngineError, EngineUnavailable
from services.translate.engines.local import LocalEngine
from shared.config import get_settings
from tests.support.tiny_model import build_tiny_model

ARGOS_NAME = "translate-de_en-0_1"


@pytest.fixture(scope="session")
def argos_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("argos") / ARGOS_NAME)


@pytest.fixture(scope="session")
def opus_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("opus") / "opus-mt-de-en", layout="opus")


@pytest.fixture(scope="session")
def argos_archive(argos_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model zipped like a real .argosmodel: everything under one top-level directory."""
    archive = tmp_path_factory.mktemp("archive") / f"{ARGOS_NAME}.argosmodel"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(argos_model.rglob("*")):
            zipped.write(path, f"{ARGOS_NAME}/{path.relative_to(argos_model).as_posix()}")
    return archive


@pytest.fixture
def package_server(argos_archive: Path) -> Iterator[str]:
    """A local HTTP server with the archive at /<name>.argosmodel and 404 everywhere else."""
    payload = argos_archive.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != f"/{argos_archive.name}":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output to what the test prints

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def model_dir_setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point SYNDIKAT_MODEL_DIR somewhere for one test; settings are cached, so re-read them."""

    def use(path: Path) -> None:
        monkeypatch.setenv("SYNDIKAT_MODEL_DIR", str(path))
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


@pytest.fixture
def batch_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record every translate_batch call of translators loaded during the test."""
    calls: list[dict[str, Any]] = []
    real_translator = ctranslate2.Translator

    class RecordingTranslator:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._translator = real_translator(*args, **kwargs)

        def translate_batch(self, batch: list[list[str]], **options: Any) -> Any:
            calls.append({"batch": batch, **options})
            return self._translator.translate_batch(batch, **options)

    monkeypatch.setattr(local_module, "_CACHE", {})  # load afresh, through the recorder
    monkeypatch.setattr(local_module.ctranslate2, "Translator", RecordingTranslator)
    return calls


def test_translates_the_word_list_and_names_the_package(argos_model: Path) -> None:
    engine = LocalEngine.from_path(argos_model)

    assert engine.translate(["Hallo Welt"], "de", "en") == ["Hello world"]
    assert engine.name == f"local:{ARGOS_NAME}"


def test_copies_words_it_does_not_know(argos_model: Path) -> None:
    engine = LocalEngine.from_path(argos_model)

    result = engine.translate(["Guten Morgen, Berlin!", "Käse für Ωmega: 42 %"], "de", "en")

    # "Ω" is not in the vocabulary at all: it comes through as <unk> and is restored.
    assert result == ["Good morning, Berlin!", "Käse für Ωmega: 42 %"]


def test_a_batch_is_one_model_call_and_keeps_its_order(
    argos_model: Path, batch_calls: list[dict[str, Any]]
) -> None:
    engine = LocalEngine.from_path(argos_model)
    segments = ["Die Stadt ist schön.", "", "Hallo Welt", "   ", "Guten Morgen und Hallo Berlin"]

    result = engine.translate(segments, "de", "en")

    assert result == [
        "Die city is beautiful.",
        "",
        "Hello world",
        "   ",
        "Good morning and Hello Berlin",
    ]
    assert len(batch_calls) == 1
    call = batch_calls[0]
    assert len(call["batch"]) == 3  # blank segments never reach the model
    assert call["beam_size"] == 2
    longest = max(len(tokens) for tokens in call["batch"])
    assert call["max_decoding_length"] == 2 * longest + 10


def test_blank_segments_do_not_load_the_model(
    argos_model: Path, batch_calls: list[dict[str, Any]]
) -> None:
    engine = LocalEngine.from_path(argos_model)

    assert engine.translate(["", " "], "de", "en") == ["", " "]
    assert engine.translate([], "de", "en") == []
    assert batch_calls == []
    assert local_module._CACHE == {}


def test_the_model_loads_once_per_process(argos_model: Path) -> None:
    first = LocalEngine.from_path(argos_model)
    second = LocalEngine.from_path(argos_model)
    first.translate(["Hallo"], "de", "en")

    assert first._model() is second._model()


def test_missing_model_dir_says_how_to_install(
    tmp_path: Path, model_dir_setting: Callable[[Path], None]
) -> None:
    model_dir_setting(tmp_path / "no-such-dir")

    with pytest.raises(EngineUnavailable) as raised:
        load_engine("local")

    assert "syndikat models install" in str(raised.value)
    assert str(tmp_path / "no-such-dir") in str(raised.value)


def test_incomplete_model_dir_names_what_is_missing(tmp_path: Path, argos_model: Path) -> None:
    shutil.copytree(argos_model, tmp_path / "pkg")
    (tmp_path / "pkg" / "sentencepiece.model").unlink()

    with pytest.raises(EngineUnavailable, match=r"missing sentencepiece\.model"):
        LocalEngine.from_path(tmp_path / "pkg")

    nested = shutil.copytree(argos_model, tmp_path / "models" / ARGOS_NAME)
    (nested / "model" / "model.bin").unlink()
    with pytest.raises(EngineUnavailable, match=rf"in {ARGOS_NAME}/: missing model/model\.bin"):
        LocalEngine.from_path(tmp_path / "models")


def test_from_settings_reads_the_configured_dir(
    argos_model: Path, model_dir_setting: Callable[[Path], None]
) -> None:
    model_dir_setting(argos_model)

    engine = load_engine("local")

    assert isinstance(engine, LocalEngine)
    assert engine.translate(["Hallo Welt"], "de", "en") == ["Hello world"]


def test_language_pair_must_match_the_package(argos_model: Path) -> None:
    engine = LocalEngine.from_path(argos_model)

    with pytest.raises(EngineError, match="de→en") as raised:
        engine.translate(["Bonjour"], "fr", "en")
    assert not isinstance(raised.value, EngineUnavailable)  # retrying would not help
    with pytest.raises(EngineError):
        engine.translate(["Hallo"], "de", "fr")
    # Regional variants are the same language.
    assert engine.translate(["Hallo"], "de-DE", "en-GB") == ["Hello"]


def test_opus_mt_layout(opus_model: Path, tmp_path: Path) -> None:
    engine = LocalEngine.from_path(opus_model)

    assert engine.translate(["Hallo Welt, Haus!"], "de", "en") == ["Hello world, house!"]
    assert engine.name == "local:opus-mt-de-en"

    # Without metadata.json the languages come from the name, and are still checked.
    bare = shutil.copytree(opus_model, tmp_path / "opus-mt-de-en-ct2")
    (bare / "metadata.json").unlink()
    bare_engine = LocalEngine.from_path(bare)
    assert bare_engine.translate(["Hallo"], "de", "en") == ["Hello"]
    with pytest.raises(EngineError):
        bare_engine.translate(["Hallo"], "nl", "en")


def test_package_in_the_only_subdirectory(tmp_path: Path) -> None:
    build_tiny_model(tmp_path / "models" / ARGOS_NAME)

    engine = LocalEngine.from_path(tmp_path / "models")

    assert engine.translate(["Hallo Welt"], "de", "en") == ["Hello world"]
    (tmp_path / "models" / "other").mkdir()
    with pytest.raises(EngineUnavailable):
        LocalEngine.from_path(tmp_path / "models")  # two candidates: which one is meant?


def test_runtime_failures_become_engine_errors(argos_model: Path, tmp_path: Path) -> None:
    # The tiny model only knows 64 positions; CTranslate2 raises on longer input.
    with pytest.raises(EngineError, match="position"):
        LocalEngine.from_path(argos_model).translate(["x " * 40], "de", "en")

    broken = shutil.copytree(argos_model, tmp_path / "broken")
    (broken / "model" / "model.bin").write_bytes(b"not a model")
    with pytest.raises(EngineUnavailable, match="could not be loaded"):
        LocalEngine.from_path(broken).translate(["Hallo"], "de", "en")


# -- syndikat models -----------------------------------------------------------------------------


def test_install_from_a_local_archive_then_info(argos_archive: Path, tmp_path: Path) -> None:
    target = tmp_path / "models" / "de_en"
    runner = CliRunner()

    installed = runner.invoke(
        models_group, ["install", "--dir", str(target), "--package-url", str(argos_archive)]
    )

    assert installed.exit_code == 0, installed.output
    assert (target / "model" / "model.bin").is_file()  # unpacked flat, not nested
    assert LocalEngine.from_path(target).translate(["Hallo Welt"], "de", "en") == ["Hello world"]

    info = runner.invoke(models_group, ["info", "--dir", str(target)])
    assert info.exit_code == 0, info.output
    assert f"name: {ARGOS_NAME}" in info.stdout
    assert "languages: de → en" in info.stdout
    assert "package_version: 0.1" in info.stdout


def test_install_downloads_over_http(
    package_server: str, argos_archive: Path, tmp_path: Path
) -> None:
    target = tmp_path / "de_en"
    url = f"{package_server}/{argos_archive.name}"

    result = CliRunner().invoke(
        models_group, ["install", "--dir", str(target), "--package-url", url]
    )

    assert result.exit_code == 0, result.output
    assert " MB" in result.stderr  # progress
    assert LocalEngine.from_path(target).translate(["Guten Morgen"], "de", "en") == ["Good morning"]


def test_install_reports_http_errors_in_one_line(package_server: str, tmp_path: Path) -> None:
    url = f"{package_server}/no-such-package.argosmodel"

    result = CliRunner().invoke(
        models_group, ["install", "--dir", str(tmp_path / "de_en"), "--package-url", url]
    )

    assert result.exit_code == 1
    assert result.stderr.startswith(f"The translation model could not be downloaded from {url}")
    assert "(the server answered 404 Not Found)" in result.stderr
    assert result.stderr.count("\n") == 1


def test_install_looks_the_package_up_in_the_index(argos_archive: Path, tmp_path: Path) -> None:
    index = tmp_path / "index.json"
    entry = {"from_code": "de", "to_code": "en", "code": "translate-de_en"}
    index.write_text(
        json.dumps(
            [
                {**entry, "package_version": "0.0", "links": ["/nonexistent/old.argosmodel"]},
                {**entry, "package_version": "0.1", "links": ["ipfs://Qm", str(argos_archive)]},
                {"from_code": "en", "to_code": "de", "package_version": "9.9", "links": []},
            ]
        ),
        encoding="utf-8",
    )
    target = tmp_path / "de_en"

    result = CliRunner().invoke(
        models_group, ["install", "--dir", str(target), "--index-url", str(index)]
    )

    assert result.exit_code == 0, result.output
    assert (target / "sentencepiece.model").is_file()


def test_install_without_network_fails_plainly_and_keeps_the_old_model(
    argos_archive: Path, tmp_path: Path
) -> None:
    target = tmp_path / "de_en"
    runner = CliRunner()
    first = runner.invoke(
        models_group, ["install", "--dir", str(target), "--package-url", str(argos_archive)]
    )
    assert first.exit_code == 0, first.output

    result = runner.invoke(
        models_group, ["install", "--dir", str(target), "--package-url", "http://127.0.0.1:9/x"]
    )

    assert result.exit_code == 1
    message = result.stderr.strip()
    assert message.startswith("The translation model could not be downloaded")
    assert "syndikat models install" in message
    assert str(target) in message
    assert "\n" not in message and "Traceback" not in result.output
    assert LocalEngine.from_path(target).translate(["Welt"], "de", "en") == ["world"]


def test_install_refuses_unsafe_archives(tmp_path: Path) -> None:
    archive = tmp_path / "evil.argosmodel"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("pkg/metadata.json", "{}")
        zipped.writestr("../escaped.txt", "gotcha")
    target = tmp_path / "models" / "de_en"

    result = CliRunner().invoke(
        models_group, ["install", "--dir", str(target), "--package-url", str(archive)]
    )

    assert result.exit_code == 1
    assert "unsafe path" in result.stderr
    assert not (tmp_path / "models" / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert not target.exists()


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ({"README.md": "just a readme"}, "is not a model package (found neither"),
        (b"<html>404 Not Found</html>", "is not a zip archive"),
    ],
)
def test_install_refuses_what_is_not_a_package(
    tmp_path: Path, content: dict[str, str] | bytes, complaint: str
) -> None:
    archive = tmp_path / "download.argosmodel"
    if isinstance(content, bytes):
        archive.write_bytes(content)
    else:
        with zipfile.ZipFile(archive, "w") as zipped:
            for name, text in content.items():
                zipped.writestr(name, text)

    result = CliRunner().invoke(
        models_group, ["install", "--dir", str(tmp_path / "de_en"), "--package-url", str(archive)]
    )

    assert result.exit_code == 1
    assert result.stderr.startswith("The translation model was not installed:")
    assert complaint in result.stderr
    assert not (tmp_path / "de_en").exists()


def test_install_never_replaces_a_directory_that_is_not_a_model(
    argos_archive: Path, tmp_path: Path
) -> None:
    target = tmp_path / "precious"
    target.mkdir()
    (target / "notes.txt").write_text("keep me", encoding="utf-8")

    result = CliRunner().invoke(
        models_group, ["install", "--dir", str(target), "--package-url", str(argos_archive)]
    )

    assert result.exit_code == 1
    assert "is not a model package" in result.stderr
    assert (target / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_info_without_a_model(tmp_path: Path) -> None:
    result = CliRunner().invoke(models_group, ["info", "--dir", str(tmp_path / "empty")])

    assert result.exit_code == 1
    assert result.stderr.startswith("No translation model at")
    assert "syndikat models install" in result.stderr


def test_markers_travel_through_the_model_with_the_words_they_wrap(argos_model: Path) -> None:
    engine = LocalEngine.from_path(argos_model)

    result = engine.translate(
        ["<g1>Guten Morgen</g1> Berlin, <g2>schön</g2>!", "Hallo <x1/>"], "de", "en"
    )

    # Glued to a word, "<g1>Guten" would be one strange word to SentencePiece and stay German.
    assert result == ["<g1>Good morning</g1> Berlin, <g2>beautiful</g2>!", "Hello <x1/>"]
