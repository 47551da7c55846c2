"""Local neural MT: a CTranslate2 model with SentencePiece, read straight from a package directory.

Works offline with an Argos Translate package or a converted OPUS-MT model (see
`services.translate.model_packages`). The model is loaded on the first translation, not when
the engine is built, and then kept per process: a Celery worker loads it once, and a worker
forked from a parent that had loaded it does not reuse the parent's CTranslate2 threads.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import ctranslate2
import sentencepiece

from services.translate.engines.base import EngineError, EngineName, EngineUnavailable
from services.translate.model_packages import INSTALL_HINT, ModelPackage, locate_package
from shared.config import get_settings

#: CTranslate2 splits larger batches itself; 32 segments keep memory flat on a small machine.
MAX_BATCH_SIZE = 32


@dataclass(frozen=True)
class _Loaded:
    translator: ctranslate2.Translator
    source: sentencepiece.SentencePieceProcessor
    target: sentencepiece.SentencePieceProcessor


#: (process id, model dir, compute type) -> (model.bin stamp, loaded model). The stamp makes a
#: reinstalled model load again; the pid keeps a forked child off its parent's translator threads.
_CACHE: dict[tuple[int, Path, str], tuple[tuple[int, int], _Loaded]] = {}
_CACHE_LOCK = threading.Lock()


class LocalEngine:
    #: A batch of many stories' sentences costs little more than one story's: the translate
    #: worker gathers concurrent stories into one call (services/translate/batching.py).
    batches_stories = True

    def __init__(
        self,
        package: ModelPackage,
        *,
        beam_size: int = 2,
        compute_type: str = "int8",
        intra_threads: int | None = None,
    ) -> None:
        self.package = package
        self.name = f"{EngineName.LOCAL}:{package.name}"
        self.beam_size = beam_size
        self.compute_type = compute_type
        # One model per worker process gets the cores given to it (SYNDIKAT_MODEL_THREADS).
        self.intra_threads = intra_threads or get_settings().model_threads or _cpu_count()

    @classmethod
    def from_settings(cls) -> Self:
        """Check the configured model is there (cheap); it loads on the first translation."""
        return cls.from_path(get_settings().model_dir)

    @classmethod
    def from_path(cls, path: Path, *, beam_size: int = 2, compute_type: str = "int8") -> Self:
        """`EngineUnavailable` (with how to install a model) when `path` holds no package."""
        return cls(locate_package(Path(path)), beam_size=beam_size, compute_type=compute_type)

    def translate(
        self, segments: Sequence[str], source_language: str, target_language: str
    ) -> list[str]:
        self._check_languages(source_language, target_language)
        # Blank segments come back as they are: the model would only make something up.
        todo = [i for i, segment in enumerate(segments) if segment.strip()]
        results = list(segments)
        if not todo:
            return results
        model = self._model()
        pieces = [model.source.encode(_loosen(segments[i]), out_type=str) for i in todo]
        for i, output in zip(todo, self._run(model.translator, pieces), strict=True):
            results[i] = _tighten(model.target.decode(output))
        return results

    def _check_languages(self, source_language: str, target_language: str) -> None:
        from_code, to_code = self.package.from_code, self.package.to_code
        if from_code is None or to_code is None:
            return  # no language metadata to check against: trust the operator's choice
        wanted = (_primary(source_language), _primary(target_language))
        if wanted != (_primary(from_code), _primary(to_code)):
            raise EngineError(
                f"{self.name} translates {from_code}→{to_code}, "
                f"not {source_language}→{target_language}"
            )

    def _run(self, translator: ctranslate2.Translator, pieces: list[list[str]]) -> list[list[str]]:
        longest = max(len(tokens) for tokens in pieces)
        try:
            results = translator.translate_batch(
                pieces,
                max_batch_size=MAX_BATCH_SIZE,
                beam_size=self.beam_size,
                # Translations are rarely twice as long as the source; the cap stops a broken
                # model from decoding to CTranslate2's default limit on every segment.
                max_decoding_length=2 * longest + 10,
                # An unknown source piece (a rare character) is copied, not lost as <unk>.
                replace_unknowns=True,
            )
        except (RuntimeError, ValueError) as exc:
            raise EngineError(f"{self.name} failed: {exc}") from exc
        return [result.hypotheses[0] for result in results]

    def _model(self) -> _Loaded:
        model_dir = self.package.model_dir
        key = (os.getpid(), model_dir, self.compute_type)
        with _CACHE_LOCK:
            stamp = _stamp(model_dir / "model.bin", self.name)
            cached = _CACHE.get(key)
            if cached is None or cached[0] != stamp:
                _CACHE[key] = (stamp, self._load())
            return _CACHE[key][1]

    def _load(self) -> _Loaded:
        try:
            translator = ctranslate2.Translator(
                str(self.package.model_dir),
                device="cpu",
                compute_type=_compute_type(self.compute_type),
                # One batch at a time per process: concurrent stories meet in one batch
                # (services/translate/batching.py) rather than in parallel calls, and that
                # batch's threads share the cores.
                inter_threads=1,
                intra_threads=self.intra_threads,
            )
            source = sentencepiece.SentencePieceProcessor(model_file=str(self.package.source_spm))
            target = sentencepiece.SentencePieceProcessor(model_file=str(self.package.target_spm))
        except (RuntimeError, ValueError, OSError) as exc:
            raise EngineUnavailable(
                f"the model at {self.package.root} could not be loaded ({exc}): {INSTALL_HINT}"
            ) from exc
        return _Loaded(translator, source, target)


# SentencePiece reads "<g1>Morgen" as one strange word, not as a marker and "Morgen": the model
# sees markers as words of their own, and the space is taken out again afterwards.
_OPENING_GLUED = re.compile(r"(<g\d+>)(?=\S)")
_CLOSING_GLUED = re.compile(r"(?<=\S)(</g\d+>)")
_OPENING_SPACED = re.compile(r"(<\s*g\s*\d+\s*>)\s+")
_CLOSING_SPACED = re.compile(r"\s+(<\s*/\s*g\s*\d+\s*>)")


def _loosen(segment: str) -> str:
    return _CLOSING_GLUED.sub(r" \1", _OPENING_GLUED.sub(r"\1 ", segment))


def _tighten(english: str) -> str:
    return _CLOSING_SPACED.sub(r"\1", _OPENING_SPACED.sub(r"\1", english))


def _stamp(path: Path, name: str) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError as exc:
        raise EngineUnavailable(f"{name}: model file {path} is gone: {INSTALL_HINT}") from exc
    return (stat.st_mtime_ns, stat.st_size)


def _compute_type(wanted: str) -> str:
    """`wanted` if this CPU supports it, else "auto" (CTranslate2 picks the fastest it has)."""
    return wanted if wanted in ctranslate2.get_supported_compute_types("cpu") else "auto"


def _primary(language: str) -> str:
    """The primary language subtag: a de→en model serves "de-DE" and "de_AT" alike."""
    return language.replace("_", "-").split("-")[0].strip().lower()


def _cpu_count() -> int:
    # The CPUs this process may use (containers, taskset), not the machine's total.
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
