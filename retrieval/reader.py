"""The reader: reads a (question, sentence) pair and says how likely the sentence answers the
question, and which words of it do — the short answer. Trained here from the bundled
all-MiniLM-L6-v2 (`cited train-reader`, eval/train_reader.py; card beside the weights).

The weights file holds the encoder and two small heads in fp16, without the word embeddings,
which are frozen during training and read from the bundled encoder's own (sha256-checked) file;
the reader's file is checked against the sha256 recorded in its card before anything is loaded.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cited.errors import ReaderChecksumMismatch, ReaderUnavailable
from retrieval.embed import bundled_model_dir, verify_bundled_weights
from retrieval.store import sha256_file

BUNDLED_READER = Path(__file__).resolve().parent / "models" / "reader"
WEIGHTS = "reader.fp16.safetensors"
CARD = "card.json"
FROZEN_KEY = "encoder.embeddings.word_embeddings.weight"
MAX_LEN = 96  # question + sentence tokens, as trained
MAX_ANSWER_TOKENS = 30


@dataclass(frozen=True)
class SpanReading:
    """What the reader makes of one sentence for one question."""

    probability: float  # that the sentence answers the question
    start: int  # the best span: character offsets into the sentence
    end: int


class Reader:
    """Thread-safe: every call runs on the reader's own thread, one at a time."""

    def __init__(self, folder: Path = BUNDLED_READER) -> None:
        self.folder = Path(folder)
        weights = self.folder / WEIGHTS
        card = _read_card(self.folder)
        expected = card.get("weights_sha256")
        if not weights.exists():
            raise ReaderUnavailable(str(self.folder), f"{WEIGHTS} is missing")
        if expected and sha256_file(weights) != expected:
            raise ReaderChecksumMismatch(str(weights))
        base = bundled_model_dir()
        verify_bundled_weights(base)
        try:
            self._model, self._tokenizer = _load(weights, base, self.folder)
        except (OSError, ValueError, RuntimeError, KeyError) as e:
            raise ReaderUnavailable(str(self.folder), f"{type(e).__name__}: {str(e).splitlines()[0][:160]}") from None
        self.card = card
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cited-reader")

    def read(self, question: str, sentences: list[str]) -> list[SpanReading]:
        if not sentences:
            return []
        return self._thread.submit(self._read, question, sentences).result()

    def _read(self, question: str, sentences: list[str]) -> list[SpanReading]:
        import torch

        encoded = self._tokenizer([question] * len(sentences), sentences, truncation="only_second",
                                  max_length=MAX_LEN, padding=True, return_offsets_mapping=True,
                                  return_tensors="pt")
        sequence = [encoded.sequence_ids(i) for i in range(len(sentences))]
        in_sentence = torch.tensor([[s == 1 for s in ids] for ids in sequence], dtype=torch.bool)
        with torch.inference_mode():
            hidden = self._model["encoder"](input_ids=encoded["input_ids"], token_type_ids=encoded["token_type_ids"],
                                            attention_mask=encoded["attention_mask"]).last_hidden_state
            answerable = torch.sigmoid(self._model["answerable"](hidden[:, 0]).squeeze(-1))
            ends = self._model["span"](hidden)
        length = hidden.shape[1]
        # Best span: start <= end, at most MAX_ANSWER_TOKENS long, both inside the sentence.
        scores = ends[..., 0].unsqueeze(2) + ends[..., 1].unsqueeze(1)
        band = torch.triu(torch.ones(length, length, dtype=torch.bool))
        band &= ~torch.triu(torch.ones(length, length, dtype=torch.bool), MAX_ANSWER_TOKENS)
        valid = band.unsqueeze(0) & in_sentence.unsqueeze(2) & in_sentence.unsqueeze(1)
        best = scores.masked_fill(~valid, float("-inf")).view(len(sentences), -1).argmax(-1)
        offsets = encoded["offset_mapping"].numpy()
        out = []
        for row, flat in enumerate(best.tolist()):
            first, last = divmod(flat, length)
            start, end = int(offsets[row, first, 0]), int(offsets[row, last, 1])
            out.append(SpanReading(float(answerable[row]), start, end))
        return out


def _load(weights: Path, base: Path, folder: Path):
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    encoder = AutoModel.from_pretrained(str(base), add_pooling_layer=False)
    state = {k: v.float() for k, v in load_file(str(weights)).items()}
    hidden = encoder.config.hidden_size
    answerable, span = torch.nn.Linear(hidden, 1), torch.nn.Linear(hidden, 2)
    model = torch.nn.ModuleDict({"encoder": encoder, "answerable": answerable, "span": span})
    # The training script names the heads ans_head and span_head.
    renamed = {k.replace("ans_head.", "answerable.").replace("span_head.", "span."): v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(renamed, strict=False)
    if unexpected or set(missing) != {FROZEN_KEY}:
        raise ValueError(f"not a cited reader (missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})")
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder if (folder / "tokenizer.json").exists() else base))
    return model, tokenizer


def _read_card(folder: Path) -> dict:
    try:
        return json.loads((folder / CARD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise ReaderUnavailable(str(folder), f"{CARD} is unreadable ({type(e).__name__})") from None


_cache: dict[Path, Reader] = {}
_cache_lock = threading.Lock()


def reader_for(setting: str | None) -> Reader | None:
    """Settings.reader → the reader: "bundled", a folder, or ""/None for none."""
    if not setting:
        return None
    return load_reader(BUNDLED_READER if setting == "bundled" else Path(setting))


def load_reader(folder: Path = BUNDLED_READER) -> Reader:
    """One reader per folder per process, shared."""
    folder = Path(folder).resolve()
    with _cache_lock:
        if folder not in _cache:
            _cache[folder] = Reader(folder)
        return _cache[folder]

