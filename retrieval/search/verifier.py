"""The verifier: reads a (claim, premise) pair — the premise a sentence of the article, or two
adjacent ones — and says how likely the premise entails the claim, contradicts it, or does not
settle it. It recognises what the article says in other words ("took place on June 3, 1963"
against "the Therhi massacre on June 3, 1963"), which word overlap and cosine cannot. Trained
here (`cited train-verifier`, eval/train_verifier.py; card beside the weights); loaded, checked and
run as the reader is (retrieval/search/pair_model.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.base.errors import VerifierChecksumMismatch, VerifierUnavailable
from retrieval.search import pair_model
from retrieval.search.pair_model import PairModel, encoder_with_heads, pair_module

BUNDLED_VERIFIER = Path(__file__).resolve().parent.parent / "models" / "verifier"
WEIGHTS = "verifier.fp16.safetensors"
MAX_LEN = 128  # claim + premise tokens, as trained
LABELS = ("entailment", "neutral", "contradiction")
# Pairs are run in batches of at most this many, sorted by length (little padding).
BATCH = 16


@dataclass(frozen=True)
class Judgement:
    """The verifier's probabilities for one (claim, premise) pair."""

    entailment: float
    neutral: float
    contradiction: float

    @property
    def label(self) -> str:
        return LABELS[int(np.argmax([self.entailment, self.neutral, self.contradiction]))]


class Verifier(PairModel):
    """Thread-safe: every call runs on the verifier's own thread, one at a time."""

    weights_name = WEIGHTS
    export_name = "verifier"
    outputs = ("probabilities",)
    max_len = MAX_LEN
    truncation = "longest_first"  # as trained: a long claim is cut too, not refused
    unavailable = VerifierUnavailable
    checksum_mismatch = VerifierChecksumMismatch

    def load_module(self, weights: Path, base: Path):
        return _load(weights, base)

    def judge(self, pairs: list[tuple[str, str]]) -> list[Judgement]:
        """(claim, premise) pairs → their judgements, in order."""
        if not pairs:
            return []
        return self.submit(self._judge, pairs)

    def _judge(self, pairs: list[tuple[str, str]]) -> list[Judgement]:
        _, ids, types, mask = self.encode_pairs(pairs)
        lengths = mask.sum(axis=1)
        probabilities = np.empty((len(pairs), len(LABELS)), dtype=np.float32)
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            width = int(lengths[rows].max())
            (probabilities[rows],) = self._forward(ids[rows, :width], types[rows, :width], mask[rows, :width])
        return [Judgement(*map(float, row)) for row in probabilities]


def _load(weights: Path, base: Path):
    """The verifier as a torch module: (input_ids, attention_mask, token_type_ids) → the three
    labels' probabilities."""
    import torch

    model = encoder_with_heads(weights, base, lambda hidden: {"labels": torch.nn.Linear(hidden, len(LABELS))},
                               {"label_head.": "labels."})
    return pair_module(model, lambda parts, hidden: (torch.softmax(parts["labels"](hidden[:, 0]), dim=-1),))


def verifier_folder(setting: str | None) -> Path | None:
    """Settings.verifier → the verifier's folder: "bundled", a folder, or "", "none" or None for none."""
    return pair_model.model_folder(setting, BUNDLED_VERIFIER)


def verifier_for(setting: str | None, runtime: str = "onnx") -> Verifier | None:
    folder = verifier_folder(setting)
    return None if folder is None else load_verifier(folder, runtime)


def loads_without_torch(setting: str | None, runtime: str = "onnx") -> bool:
    return pair_model.loads_without_torch(verifier_folder(setting), "verifier", runtime, VerifierUnavailable)


def load_verifier(folder: Path = BUNDLED_VERIFIER, runtime: str = "onnx") -> Verifier:
    """One verifier per folder and runtime per process, shared."""
    return pair_model.shared(Verifier, folder, runtime)
