"""A de→en model the size of a real Argos or OPUS-MT one, with random weights, built offline.

6 encoder + 6 decoder layers, width 512, 8 heads, feed-forward 2048, a 32,000-piece
SentencePiece vocabulary, int8: the same arithmetic per token as the real thing, so the speed
is the real model's; the English is nonsense. The tokenizer is trained here on generated
German-like text plus the German of samples/reference (so real words become one or two pieces,
as in a real model's vocabulary); training it takes about half a minute on one core.

A random model rarely ends a sentence by itself; a bias on </s> in the output layer makes it end
its English after a little fewer pieces than the German had, instead of running every sentence
to the length cap (which would make the model look 4× slower than it is).
"""

from __future__ import annotations

import io
import json
import math
import random
from itertools import accumulate
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_SET = PROJECT_ROOT / "samples" / "reference"

LAYERS = 6
WIDTH = 512
HEADS = 8
FFN = 2048
VOCABULARY = 32_000
#: Tuned by hand on the reference sentences (21.5 pieces of German on average): the English
#: then has 17 pieces on average and no sentence runs on to the length cap (2 × German + 10).
#: That matters: the cap follows a call's longest sentence, so run-on sentences would cost a
#: big batch more than small ones and flatter the worker against the bare call. (3.6 gives 29
#: pieces on average with 1 in 10 sentences at the cap; 4.0 gives 10.)
END_BIAS = 3.8
#: Standard deviation of the random weights (as Transformer initialisations use).
WEIGHT_SCALE = 0.02


def build(target: Path) -> Path:
    """Write an Argos-layout package (metadata.json, model/, sentencepiece.model) to `target`."""
    import ctranslate2

    from tests.support import tiny_model

    target.mkdir(parents=True, exist_ok=True)
    sp_bytes = train_tokenizer()
    vocabulary = _pieces(sp_bytes)
    spec = ctranslate2.specs.TransformerSpec.from_config((LAYERS, LAYERS), HEADS)
    rng = np.random.default_rng(2026)
    _fill(spec, len(vocabulary), vocabulary.index("</s>"), rng)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization="int8")
    tiny_model._write_argos(target, spec, sp_bytes)
    metadata = json.loads((target / "metadata.json").read_text())
    metadata["description"] = "Random weights, production size: for benchmarks only."
    (target / "metadata.json").write_text(json.dumps(metadata, indent=2))
    return target


def german_sentences() -> list[str]:
    """The German of the reference set, one sentence per entry (plain text)."""
    from services.translate import compare

    return [
        compare._plain(unit.text)
        for story in compare.load_references(REFERENCE_SET)
        for unit in compare.segments.segment(story.doc).units
    ]


# -- the tokenizer ---------------------------------------------------------------------------------

_ONSETS = "b br d dr f fl fr g gr h k kl kr l m n p pl pr r s sch schl schw sp st str t tr w z zw"
_VOWELS = "a e i o u ä ö ü ei au ie eu"
_CODAS = ("", "n", "r", "s", "t", "ch", "ng", "ck", "l", "m", "nd", "st", "rt", "cht")


def train_tokenizer(sentences: int = 120_000) -> bytes:
    """A 32k unigram SentencePiece model, trained on generated text (fixed seed)."""
    import sentencepiece as spm

    rng = random.Random(5)
    onsets, vowels = _ONSETS.split(), _VOWELS.split()

    def word() -> str:
        syllables = rng.choice((1, 2, 2, 3, 3, 4))
        return "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(_CODAS) for _ in range(syllables)
        )

    lexicon = sorted({word() for _ in range(120_000)})
    rng.shuffle(lexicon)
    zipf = list(accumulate(1 / rank for rank in range(1, len(lexicon) + 1)))
    corpus = [
        " ".join(rng.choices(lexicon, cum_weights=zipf, k=rng.randint(6, 18))).capitalize() + "."
        for _ in range(sentences)
    ]
    corpus += german_sentences() * 40  # real words: frequent enough to get pieces of their own
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=model,
        model_type="unigram",
        vocab_size=VOCABULARY,
        character_coverage=1.0,
        input_sentence_size=len(corpus),
        minloglevel=2,
    )
    return model.getvalue()


def _pieces(sp_bytes: bytes) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


# -- random weights --------------------------------------------------------------------------------


def _fill(spec: Any, vocab_size: int, eos_id: int, rng: np.random.Generator) -> None:
    def random(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape, dtype=np.float32) * WEIGHT_SCALE).astype(np.float32)

    encoder, decoder = spec.encoder, spec.decoder
    encoder.embeddings[0].weight = random(vocab_size, WIDTH)
    decoder.embeddings.weight = random(vocab_size, WIDTH)
    for layer in encoder.layer:
        _attention(layer.self_attention, random, self_attention=True)
        _ffn(layer.ffn, random)
    for layer in decoder.layer:
        _attention(layer.self_attention, random, self_attention=True)
        _attention(layer.attention, random, self_attention=False)
        _ffn(layer.ffn, random)
    _norm(encoder.layer_norm)
    _norm(decoder.layer_norm)
    decoder.projection.weight = random(vocab_size, WIDTH)
    decoder.projection.bias = _end_bias(vocab_size, eos_id)


def _attention(attention, random, self_attention: bool) -> None:
    """Self-attention: fused QKV, then the output; cross-attention: Q, fused KV, output."""
    _norm(attention.layer_norm)
    if self_attention:
        shapes = [(3 * WIDTH, WIDTH), (WIDTH, WIDTH)]
    else:
        shapes = [(WIDTH, WIDTH), (2 * WIDTH, WIDTH), (WIDTH, WIDTH)]
    for linear, shape in zip(attention.linear, shapes, strict=True):
        linear.weight = random(*shape)
        linear.bias = np.zeros(shape[0], dtype=np.float32)


def _ffn(ffn, random) -> None:
    _norm(ffn.layer_norm)
    ffn.linear_0.weight = random(FFN, WIDTH)
    ffn.linear_0.bias = np.zeros(FFN, dtype=np.float32)
    ffn.linear_1.weight = random(WIDTH, FFN)
    ffn.linear_1.bias = np.zeros(WIDTH, dtype=np.float32)


def _norm(norm) -> None:
    norm.gamma = np.ones(WIDTH, dtype=np.float32)
    norm.beta = np.zeros(WIDTH, dtype=np.float32)


def _end_bias(vocab_size: int, eos_id: int) -> np.ndarray:
    """</s> gets a bias of END_BIAS times the spread of the other logits (WEIGHT_SCALE·√WIDTH:
    the final layer norm makes the decoder state unit-scaled), so that it wins after about as
    many steps as the German had pieces."""
    bias = np.zeros(vocab_size, dtype=np.float32)
    bias[eos_id] = END_BIAS * WEIGHT_SCALE * math.sqrt(WIDTH)
    return bias
