"""The reader: reads a (question, sentence) pair and says how likely the sentence answers the
question, and which words of it do — the short answer. Trained here from the bundled
all-MiniLM-L6-v2 (`cited train-reader`, eval/train_reader.py; card beside the weights).

How its weights are checked, loaded and run (onnxruntime from a cached export, or torch) is
retrieval/search/pair_model.py's, shared with the verifier; choosing the span is numpy, on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.base.errors import ReaderChecksumMismatch, ReaderUnavailable
from retrieval.search import pair_model
from retrieval.search.pair_model import PairModel, encoder_with_heads, pair_module

BUNDLED_READER = Path(__file__).resolve().parent.parent / "models" / "reader"
WEIGHTS = "reader.fp16.safetensors"
MAX_LEN = 96  # question + sentence tokens, as trained
MAX_ANSWER_TOKENS = 30
SPANS_KEPT = 10  # the best span and the next ones (SpanReading.others)
# A span's score is its start and end logits' sum less this much per token past the first: the
# reader's best spans ran long ("all areas that are not explicitly reserved to Westminster" for
# "Westminster"). Chosen once on the held-out calibration articles (`cited eval --reading
# --calibrate`, eval/calibrate.py: span_length_sweep), each article left out in turn; the figures
# are in docs/evaluation.md.
SPAN_LENGTH_PENALTY = 0.05
# A question's candidates are read on up to two threads (onnx_encoder.threads_to_use), the reader
# running one batch at a time (its own thread), so a busy server still uses at most two cores for it.
# From SPLIT_FROM sentences on, they are read in two batches of similar length, shortest first:
# padding to the longest of 8 sentences costs more than a second, shorter run
# (docs/speed-and-scale.md).
SPLIT_FROM = 4


@dataclass(frozen=True)
class SpanReading:
    """What the reader makes of one sentence for one question."""

    probability: float  # that the sentence answers the question
    start: int  # the best span: character offsets into the sentence
    end: int
    # The next best spans, best first (character offsets), for an answerer that wants a span of
    # some kind (a number, a name …) when the best one is not.
    others: tuple[tuple[int, int], ...] = ()


class Reader(PairModel):
    """Thread-safe: every call runs on the reader's own thread, one at a time."""

    weights_name = WEIGHTS
    export_name = "reader"
    outputs = ("answerable", "ends")
    max_len = MAX_LEN
    unavailable = ReaderUnavailable
    checksum_mismatch = ReaderChecksumMismatch

    def load_module(self, weights: Path, base: Path):
        return _load(weights, base)

    def read(self, question: str, sentences: list[str],
             length_penalty: float = SPAN_LENGTH_PENALTY) -> list[SpanReading]:
        if not sentences:
            return []
        return self.submit(self._read, question, sentences, length_penalty)

    def _read(self, question: str, sentences: list[str], length_penalty: float) -> list[SpanReading]:
        encodings, ids, types, mask = self.encode_pairs([(question, s) for s in sentences])
        answerable, ends = self._forward_in_batches(ids, types, mask)
        in_sentence = np.array([[s == 1 for s in e.sequence_ids] for e in encodings], dtype=bool)
        length = ids.shape[1]
        # Best span: start <= end, at most MAX_ANSWER_TOKENS long, both inside the sentence.
        positions = np.arange(length, dtype=np.float32)
        scores = ends[..., 0][:, :, None] + ends[..., 1][:, None, :] \
            - np.float32(length_penalty) * (positions[None, :] - positions[:, None])[None]
        band = np.triu(np.ones((length, length), dtype=bool)) & ~np.triu(np.ones((length, length), dtype=bool),
                                                                          MAX_ANSWER_TOKENS)
        valid = band[None] & in_sentence[:, :, None] & in_sentence[:, None, :]
        flat = np.where(valid, scores, -np.inf).reshape(len(sentences), -1)
        top = np.argsort(-flat, axis=1, kind="stable")[:, :SPANS_KEPT]
        out = []
        for row in range(len(sentences)):
            offsets = encodings[row].offsets
            spans = []
            for f in top[row].tolist():
                if not np.isfinite(flat[row, f]):
                    break
                first, last = divmod(f, length)
                span = (int(offsets[first][0]), int(offsets[last][1]))
                if span not in spans:
                    spans.append(span)
            (start, end), others = (spans or [(0, 0)])[0], tuple(spans[1:])
            out.append(SpanReading(float(answerable[row]), start, end, others))
        return out

    def _forward_in_batches(self, ids: np.ndarray, types: np.ndarray,
                            mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The forward pass over pairs padded to the longest, run in two batches of similar length
        (each cut to its own longest; padding is on the right) from SPLIT_FROM pairs on."""
        if len(ids) < SPLIT_FROM:
            return self._forward(ids, types, mask)
        lengths = mask.sum(axis=1)
        answerable = np.empty(len(ids), dtype=np.float32)
        ends = np.zeros((*ids.shape, 2), dtype=np.float32)  # padding: never inside a sentence
        for rows in np.array_split(np.argsort(lengths, kind="stable"), 2):
            width = int(lengths[rows].max())
            answerable[rows], ends[rows, :width] = self._forward(ids[rows, :width], types[rows, :width],
                                                                 mask[rows, :width])
        return answerable, ends


def _load(weights: Path, base: Path):
    """The reader as a torch module: (input_ids, attention_mask, token_type_ids) →
    (probability that the sentence answers, start and end logits per token)."""
    import torch

    # The training script names the heads ans_head and span_head.
    model = encoder_with_heads(
        weights, base, lambda hidden: {"answerable": torch.nn.Linear(hidden, 1), "span": torch.nn.Linear(hidden, 2)},
        {"ans_head.": "answerable.", "span_head.": "span."})
    return pair_module(model, lambda parts, hidden: (torch.sigmoid(parts["answerable"](hidden[:, 0]).squeeze(-1)),
                                                     parts["span"](hidden)))


def reader_folder(setting: str | None) -> Path | None:
    """Settings.reader → the reader's folder: "bundled", a folder, or "", "none" or None for none."""
    return pair_model.model_folder(setting, BUNDLED_READER)


def reader_for(setting: str | None, runtime: str = "onnx") -> Reader | None:
    """Settings.reader → the reader (None for none)."""
    folder = reader_folder(setting)
    return None if folder is None else load_reader(folder, runtime)


def loads_without_torch(setting: str | None, runtime: str = "onnx") -> bool:
    """Whether reader_for(setting, runtime) loads without importing torch: no reader, or one whose
    ONNX export is in the cache (its checks are still made when it loads)."""
    return pair_model.loads_without_torch(reader_folder(setting), "reader", runtime, ReaderUnavailable)


def load_reader(folder: Path = BUNDLED_READER, runtime: str = "onnx") -> Reader:
    """One reader per folder and runtime per process, shared."""
    return pair_model.shared(Reader, folder, runtime)
