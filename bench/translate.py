"""Translation benchmarks: batching on CTranslate2, translation memory, a worker's memory.

The model is the hand-made test model of tests/support/tiny_model.py made deeper: 6 encoder and
6 decoder layers with a 4×-wide feed-forward, all but the first layer silenced (their weights
are zero, but CTranslate2 computes them all the same). About a quarter of the arithmetic of an
OPUS-MT or Argos de→en model (512 wide, 6+6 layers) per token, with exactly known output.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.table import Table

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The tests' own wire stories: a story in two versions for the translation memory.
WIRE = PROJECT_ROOT / "tests" / "fixtures" / "wire"
STORY = "01-landtag-krippe"
LAYERS = 6
SEGMENTS = 192


def run() -> list[Table]:
    with tempfile.TemporaryDirectory(prefix="syndikat-bench-") as work:
        model_dir = build_bench_model(Path(work) / "model")
        return [batching(model_dir), memory_reuse(Path(work)), worker_memory(model_dir)]


# -- the model -------------------------------------------------------------------------------------


def build_bench_model(target: Path) -> Path:
    import ctranslate2
    import sentencepiece as spm

    from tests.support import tiny_model

    target.mkdir(parents=True)
    sp_bytes = tiny_model.train_tokenizer(tiny_model.DEFAULT_WORD_MAP)
    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocabulary = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    blocks = tiny_model._Blocks(len(vocabulary))
    spec = ctranslate2.specs.TransformerSpec.from_config((LAYERS, LAYERS), 1, rms_norm=True)
    spec.config.add_source_eos = True
    tiny_model._set_encoder(spec.encoder, blocks, vocabulary.index("</s>"))
    tiny_model._set_decoder(
        spec.decoder, blocks, tiny_model.piece_map(vocabulary, tiny_model.DEFAULT_WORD_MAP)
    )
    for layer in spec.encoder.layer[1:]:
        _silence(layer, blocks.dim)
    for layer in spec.decoder.layer[1:]:
        _silence(layer, blocks.dim)
        _silence_attention(layer.attention, blocks.dim, fused_kv=True)
    # The first layers, silenced by tiny_model with a 4-wide feed-forward: widen them too.
    _silence_ffn(spec.encoder.layer[0].ffn, blocks.dim)
    _silence_ffn(spec.decoder.layer[0].ffn, blocks.dim)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization="int8")
    tiny_model._write_argos(target, spec, sp_bytes)
    return target


def _silence(layer: Any, dim: int) -> None:
    _silence_attention(layer.self_attention, dim, fused_kv=False)
    _silence_ffn(layer.ffn, dim)


def _silence_attention(attention: Any, dim: int, fused_kv: bool) -> None:
    attention.layer_norm.gamma = np.ones(dim, dtype=np.float32)
    if fused_kv:  # cross-attention: query, then keys and values together
        attention.linear[0].weight = np.zeros((dim, dim), dtype=np.float32)
        attention.linear[1].weight = np.zeros((2 * dim, dim), dtype=np.float32)
        attention.linear[2].weight = np.zeros((dim, dim), dtype=np.float32)
    else:
        attention.linear[0].weight = np.zeros((3 * dim, dim), dtype=np.float32)
        attention.linear[1].weight = np.zeros((dim, dim), dtype=np.float32)


def _silence_ffn(ffn: Any, dim: int) -> None:
    ffn.layer_norm.gamma = np.ones(dim, dtype=np.float32)
    ffn.linear_0.weight = np.zeros((4 * dim, dim), dtype=np.float32)
    ffn.linear_1.weight = np.zeros((dim, 4 * dim), dtype=np.float32)


def sample_segments(count: int = SEGMENTS) -> list[str]:
    from tests.support import tiny_model

    rng = random.Random(7)
    words = [*tiny_model.DEFAULT_WORD_MAP, *tiny_model._FILLER]
    return [" ".join(rng.choices(words, k=rng.randint(8, 14))) + "." for _ in range(count)]


# -- batched versus one at a time ----------------------------------------------------------------


def batching(model_dir: Path) -> Table:
    from services.translate.engines.local import LocalEngine

    engine = LocalEngine.from_path(model_dir)
    segments = sample_segments()
    engine.translate(segments[:4], "de", "en")  # load the model outside the timings
    batched = _rate(lambda: engine.translate(segments, "de", "en"), len(segments))
    single = _rate(lambda: [engine.translate([s], "de", "en") for s in segments], len(segments))
    table = Table(
        "Local engine (CTranslate2, int8, CPU): segments per second",
        ["mode", "segments/s", "target"],
    )
    table.add("one at a time", single, "")
    table.add("batched (one call, batches of 32)", batched, "")
    table.add("speed-up", f"{batched / single:.1f}×", "≥ 5×")
    table.notes.append(
        f"{len(segments)} segments of 8–14 words; model: {LAYERS}+{LAYERS} layers, "
        f"width {_width(model_dir)}, 4× feed-forward, int8; {engine.intra_threads} threads."
    )
    return table


def _rate(action: Callable[[], object], count: int, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return count / best


def _width(model_dir: Path) -> int:
    import sentencepiece as spm

    from tests.support.tiny_model import MAX_POSITIONS

    sp = spm.SentencePieceProcessor(model_file=str(model_dir / "sentencepiece.model"))
    return sp.get_piece_size() + MAX_POSITIONS + 1


# -- translation memory ----------------------------------------------------------------------------


def memory_reuse(work: Path) -> Table:
    table = Table(
        "Translation memory: sentences sent to the engine",
        ["story", "sentences", "sent to engine", "target"],
    )
    counts = _run_in_child(_MEMORY_SCRIPT, {"DATABASE_URL": f"sqlite:///{work / 'bench.db'}"})
    table.add(f"{STORY} v1", counts["v1_units"], counts["v1_engine"], "")
    table.add(f"{STORY} v2 (after v1)", counts["v2_units"], counts["v2_engine"], "≤ 2")
    table.notes.append("One paragraph changed (one sentence) and one added (one sentence).")
    return table


_MEMORY_SCRIPT = """
import json, sys
from pathlib import Path
from shared import migrate
from services.translate import pipeline, segments
from tests.support.factories import add_source, store_story
from tests.support.fixture_engine import RecordingEngine
from tests.support.services import observer_session

migrate.upgrade()
wire, story = Path(sys.argv[1]), sys.argv[2]
db = observer_session(__import__("os").environ["DATABASE_URL"])
add_source(db)
counts = {}
for label in ("v1", "v2"):
    doc = json.loads((wire / f"{story}.{label}.json").read_text())
    RecordingEngine.asked.clear()
    pipeline.translate_version(store_story(db, doc))
    counts[label + "_units"] = len(segments.segment(doc).units)
    counts[label + "_engine"] = len(RecordingEngine.asked)
print(json.dumps(counts))
"""


# -- a worker's memory -----------------------------------------------------------------------------


def worker_memory(model_dir: Path) -> Table:
    result = _run_in_child(_RSS_SCRIPT, {"SYNDIKAT_MODEL_DIR": str(model_dir)})
    table = Table("Translate worker memory", ["process", "peak RSS (MB)"])
    table.add("worker modules imported", result["imported_mb"])
    table.add("model loaded, one story translated", result["loaded_mb"])
    table.notes.append(
        "Bench model above (a few MB on disk). A real Argos de→en package adds roughly its "
        "model.bin size (about 100 MB int8) per worker process."
    )
    return table


_RSS_SCRIPT = """
import json, resource
from services.translate import worker  # noqa: F401  (what a Celery worker process imports)
from services.translate.engines.local import LocalEngine
from bench.translate import sample_segments

def peak_mb():
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

imported = peak_mb()
LocalEngine.from_settings().translate(sample_segments(64), "de", "en")
print(json.dumps({"imported_mb": imported, "loaded_mb": peak_mb()}))
"""


def _run_in_child(script: str, env: dict[str, str]) -> dict:
    """Run in a fresh interpreter: its own settings, database and peak memory."""
    child_env = (
        os.environ
        | {
            "PYTHONPATH": str(PROJECT_ROOT),
            "SYNDIKAT_ENGINE": "tests.support.fixture_engine:RecordingEngine",
            "SYNDIKAT_SECRET_KEY": os.environ.get("SYNDIKAT_SECRET_KEY", "bench-only-key"),
            # Nothing listens here: the outbox keeps its messages, as it does when Redis is down.
            "REDIS_URL": "redis://127.0.0.1:9/0",
            "SYNDIKAT_LOG_LEVEL": "ERROR",
        }
        | env
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(WIRE), STORY],
        env=child_env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])
