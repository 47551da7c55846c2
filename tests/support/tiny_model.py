"""Build a tiny, exact translation model package for tests: no network, no torch.

The model is a real CTranslate2 Transformer whose weights are written by hand, so its output is
known in advance: every source piece is copied to the output, except the pieces of a small word
list, which are swapped for their translation ("Hallo" -> "Hello", "Welt" -> "world", ...).

How the weights make that happen (one layer each side, one attention head, RMS norm):

* The model dimension is split into a *token* block (one coordinate per vocabulary piece), a
  *position* block (one coordinate per position, `MAX_POSITIONS` of them) and one *end flag*.
* Encoder: embedding(piece i) = e_token(i), position encoding(t) = e_position(t); the </s> that
  ends every source (`add_source_eos`) also sets the end flag. The encoder layer's sublayers have
  zero output weights, so they add nothing: the encoder output at position s is proportional to
  e_token(piece_s) + e_position(s).
* Decoder: all target embeddings are zero and the position encoding is e_position(t) plus a
  little end flag, so at step t the decoder state says only "step t". Self-attention and
  feed-forward add nothing.
* Cross-attention: query and key read only the position block and the end flag, so step t
  matches source position t (scaled so the softmax is one-hot to float precision); the value
  reads only the token block, so step t receives e_token(source piece t). A step past the end of
  the source matches no position and falls back on the end flag, hence on </s>.
* Output projection: row j is the sum of e_token(i) over every source piece i that should
  become target piece j, and </s> maps to </s>: decoding stops right after the last piece, for
  the best hypothesis and beam search's runners-up alike (a runner-up that went on would run past
  the position table, which CTranslate2 rejects).

Limits, by construction: inputs of up to `MAX_POSITIONS - 2` pieces (62) are exact; longer ones
fail in CTranslate2 ("No position encodings are defined for positions >= 64"). Words are matched
as SentencePiece pieces, so a word-list entry also matches the start of a longer word ("Haus" in
"Hausboot"): pick test words accordingly. The weights survive int8 quantization exactly; the
model gives the same output with compute_type int8, int8_float32 and float32.
"""

from __future__ import annotations

import io
import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import ctranslate2
import numpy as np
import sentencepiece as spm

#: Positions the hand-made position encodings cover: source pieces + </s> + one more must fit.
MAX_POSITIONS = 64

#: Query weight of the end flag: < 1 so a real position match (weight 1) always wins over it.
QUERY_FLAG = 0.5
#: Attention sharpness: the softmax margin between positions is about 1.5·sqrt(dim) ≥ 15.
QUERY_SCALE = 4.0
#: Logit of the chosen piece is about this × sqrt(dim); every other piece's logit is 0.
OUTPUT_SCALE = 4.0

DEFAULT_WORD_MAP: dict[str, str] = {
    "Hallo": "Hello",
    "Welt": "world",
    "Guten": "Good",
    "Morgen": "morning",
    "und": "and",
    "ist": "is",
    "Stadt": "city",
    "schön": "beautiful",
    "Haus": "house",
}

#: Words besides the word map, so the tokenizer learns ordinary pieces to copy.
_FILLER = (
    "Berlin",
    "Hamburg",
    "Zeitung",
    "Nachrichten",
    "Wetter",
    "heute",
    "Regierung",
    "Bundestag",
    "Wahl",
    "Sport",
    "Fußball",
    "Ärger",
    "Öl",
    "Übung",
    "Straße",
    "Minister",
    "Polizei",
    "Bahn",
    "Regen",
    "Sonne",
    "Woche",
    "Jahr",
    "Prozent",
    "Euro",
)

#: One line with every character a test might use, so none of them becomes <unk>.
_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 äöüÄÖÜß .,;:!?-'\"()%€"
)

Layout = Literal["argos", "opus"]


def build_tiny_model(
    target_dir: Path, word_map: dict[str, str] | None = None, layout: Layout = "argos"
) -> Path:
    """Write a de→en model package to `target_dir` and return `target_dir`.

    layout="argos": metadata.json, model/ (CTranslate2), sentencepiece.model.
    layout="opus": a CTranslate2 model dir with source.spm and target.spm (and metadata.json).
    """
    word_map = DEFAULT_WORD_MAP if word_map is None else word_map
    if any(word.split() != [word] for word in (*word_map, *word_map.values())):
        raise ValueError("word-map entries must be single words (one piece each)")
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    sp_bytes = train_tokenizer(word_map)
    sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
    vocabulary = [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
    spec = build_spec(vocabulary, piece_map(vocabulary, word_map))
    if layout == "argos":
        _write_argos(target_dir, spec, sp_bytes)
    elif layout == "opus":
        _write_opus(target_dir, spec, sp_bytes)
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return target_dir


def train_tokenizer(word_map: dict[str, str], sentences: int = 300) -> bytes:
    """Train a SentencePiece model in memory in which every word-map word is one piece."""
    rng = random.Random(1234)  # fixed: the same vocabulary, hence the same model, every run
    words = [*word_map, *word_map.values(), *_FILLER]
    corpus = [" ".join(rng.choices(words, k=rng.randint(2, 9))) for _ in range(sentences)]
    corpus.append(_ALPHABET)
    # "▁" marks a word start: the symbols then match whole words, not pieces of other words.
    symbols = sorted({"▁" + word for word in (*word_map, *word_map.values())})
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=model,
        model_type="unigram",
        vocab_size=200,
        hard_vocab_limit=False,  # a small corpus has fewer pieces; take what there is
        character_coverage=1.0,
        user_defined_symbols=symbols,
        minloglevel=2,
    )
    return model.getvalue()


def piece_map(vocabulary: list[str], word_map: dict[str, str]) -> list[int]:
    """For each source piece id, the target piece id it becomes (itself unless in the map)."""
    index = {piece: i for i, piece in enumerate(vocabulary)}
    mapping = list(range(len(vocabulary)))
    for source, target in word_map.items():
        mapping[index["▁" + source]] = index["▁" + target]
    return mapping


def build_spec(vocabulary: list[str], mapping: list[int]) -> ctranslate2.specs.TransformerSpec:
    """The hand-made Transformer; see the module docstring for why each weight is what it is."""
    blocks = _Blocks(len(vocabulary))
    spec = ctranslate2.specs.TransformerSpec.from_config((1, 1), 1, rms_norm=True)
    spec.config.add_source_eos = True
    _set_encoder(spec.encoder, blocks, vocabulary.index("</s>"))
    _set_decoder(spec.decoder, blocks, mapping)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    # Stored as int8 like real Argos models; the outputs stay exact (each weight row holds a
    # single non-zero value, or none, so quantizing it loses nothing).
    spec.optimize(quantization="int8")
    return spec


@dataclass(frozen=True)
class _Blocks:
    """Where things live in the model dimension: tokens, then positions, then the end flag."""

    vocab_size: int

    @property
    def dim(self) -> int:
        return self.vocab_size + MAX_POSITIONS + 1

    @property
    def tokens(self) -> slice:
        return slice(0, self.vocab_size)

    @property
    def where(self) -> slice:
        """Positions plus the end flag: what queries and keys compare."""
        return slice(self.vocab_size, self.dim)

    @property
    def flag(self) -> int:
        return self.dim - 1

    def identity(self, block: slice, scale: float = 1.0) -> np.ndarray:
        """A dim×dim matrix that keeps `block` and zeroes everything else."""
        matrix = np.zeros((self.dim, self.dim), dtype=np.float32)
        matrix[block, block] = scale * np.eye(block.stop - block.start, dtype=np.float32)
        return matrix

    def position_table(self, flag: float = 0.0) -> np.ndarray:
        table = np.zeros((MAX_POSITIONS, self.dim), dtype=np.float32)
        table[:, self.vocab_size : self.flag] = np.eye(MAX_POSITIONS, dtype=np.float32)
        table[:, self.flag] = flag
        return table


def _silence(layer, dim: int) -> None:
    """Sublayers whose output weights are zero: the residual stream passes through unchanged."""
    layer.self_attention.layer_norm.gamma = np.ones(dim, dtype=np.float32)
    layer.self_attention.linear[0].weight = np.zeros((3 * dim, dim), dtype=np.float32)
    layer.self_attention.linear[1].weight = np.zeros((dim, dim), dtype=np.float32)
    layer.ffn.layer_norm.gamma = np.ones(dim, dtype=np.float32)
    layer.ffn.linear_0.weight = np.zeros((4, dim), dtype=np.float32)
    layer.ffn.linear_1.weight = np.zeros((dim, 4), dtype=np.float32)


def _set_encoder(encoder, blocks: _Blocks, eos_id: int) -> None:
    encoder.scale_embeddings = False  # the one-hot sizes below are the real ones
    embeddings = np.eye(blocks.vocab_size, blocks.dim, dtype=np.float32)
    embeddings[eos_id, blocks.flag] = 1.0  # the end of the source raises the end flag
    encoder.embeddings[0].weight = embeddings
    encoder.position_encodings.encodings = blocks.position_table()
    _silence(encoder.layer[0], blocks.dim)
    encoder.layer_norm.gamma = np.ones(blocks.dim, dtype=np.float32)


def _set_decoder(decoder, blocks: _Blocks, mapping: list[int]) -> None:
    dim, vocab_size = blocks.dim, blocks.vocab_size
    decoder.scale_embeddings = False
    # Zero target embeddings: the next piece depends on the step only, never on the previous one.
    decoder.embeddings.weight = np.zeros((vocab_size, dim), dtype=np.float32)
    # Every step also asks a little for the end flag: a step past the end of the source (which
    # beam search's runner-up hypotheses reach) finds no position match and reads </s>.
    decoder.position_encodings.encodings = blocks.position_table(flag=QUERY_FLAG)
    layer = decoder.layer[0]
    _silence(layer, dim)
    attention = layer.attention
    attention.layer_norm.gamma = np.ones(dim, dtype=np.float32)
    # Query·key compares positions (and the flag) only; the scale makes the softmax one-hot.
    attention.linear[0].weight = blocks.identity(blocks.where, scale=QUERY_SCALE)
    keys = blocks.identity(blocks.where)
    values = blocks.identity(blocks.tokens)
    attention.linear[1].weight = np.concatenate([keys, values])
    attention.linear[2].weight = blocks.identity(blocks.tokens)
    decoder.layer_norm.gamma = np.ones(dim, dtype=np.float32)
    projection = np.zeros((vocab_size, dim), dtype=np.float32)
    projection[mapping, np.arange(vocab_size)] = OUTPUT_SCALE
    decoder.projection.weight = projection


def _write_argos(package_dir: Path, spec, sp_bytes: bytes) -> None:
    model_dir = package_dir / "model"
    if model_dir.exists():
        shutil.rmtree(model_dir)
    model_dir.mkdir()
    spec.save(str(model_dir))
    (package_dir / "sentencepiece.model").write_bytes(sp_bytes)
    _write_metadata(package_dir)


def _write_opus(model_dir: Path, spec, sp_bytes: bytes) -> None:
    spec.save(str(model_dir))
    (model_dir / "source.spm").write_bytes(sp_bytes)
    (model_dir / "target.spm").write_bytes(sp_bytes)
    _write_metadata(model_dir)


def _write_metadata(package_dir: Path) -> None:
    metadata = {
        "package_version": "0.1",
        "argos_version": "1.9",
        "from_code": "de",
        "from_name": "German",
        "to_code": "en",
        "to_name": "English",
        "description": "Tiny hand-made test model: copies pieces and swaps a small word list.",
    }
    (package_dir / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
