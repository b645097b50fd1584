"""The reader: reads a (question, sentence) pair and says how likely the sentence answers the
question, and which words of it do — the short answer. Trained here from the bundled
all-MiniLM-L6-v2 (`cited train-reader`, eval/train_reader.py; card beside the weights).

The weights file holds the encoder and two small heads in fp16, without the word embeddings,
which are frozen during training and read from the bundled encoder's own (sha256-checked) file;
the reader's file is checked against the sha256 recorded in its card before anything is loaded.

Like the encoder (retrieval/onnx_encoder.py), the reader runs on onnxruntime once it has been
exported: the first load builds it with torch and exports it, with its sha256, to cited's cache
folder, keyed by the reader's own sha256; later loads never import torch. Tokenizing and choosing
the span are the same code for both (numpy); Settings.encoder_runtime = "torch" keeps it on torch.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cited.errors import ReaderChecksumMismatch, ReaderUnavailable
from retrieval.embed import bundled_model_dir, verify_bundled_weights
from retrieval.store import sha256_file

BUNDLED_READER = Path(__file__).resolve().parent / "models" / "reader"
WEIGHTS = "reader.fp16.safetensors"
CARD = "card.json"
FROZEN_KEY = "encoder.embeddings.word_embeddings.weight"
MAX_LEN = 96  # question + sentence tokens, as trained
MAX_ANSWER_TOKENS = 30
SPANS_KEPT = 10  # the best span and the next ones (SpanReading.others)
# A span's score is its start and end logits' sum less this much per token past the first: the
# reader's best spans ran long ("all areas that are not explicitly reserved to Westminster" for
# "Westminster"). Chosen once on the held-out calibration articles (`cited eval --reading
# --calibrate`, eval/calibrate.py: span_length_sweep): each article left out in turn, the other
# three chose 0.05 every time; right spans rose from 83.4% to 85.6% of the typed questions whose
# answer sentence holds the answer, and from 78.0% to 81.3% of the others (eval/README.md).
SPAN_LENGTH_PENALTY = 0.05
# A question's candidates are read on up to two threads (onnx_encoder.threads_to_use), the reader
# running one batch at a time (its own thread), so a busy server still uses at most two cores for it.
# From SPLIT_FROM sentences on, they are read in two batches of similar length, shortest first: a
# third of a batch of 8 is padding, and two runs with less of it took 41 ms where one took 50 (the
# article's questions; one by one: 50).
SPLIT_FROM = 4
log = logging.getLogger("cited")


@dataclass(frozen=True)
class SpanReading:
    """What the reader makes of one sentence for one question."""

    probability: float  # that the sentence answers the question
    start: int  # the best span: character offsets into the sentence
    end: int
    # The next best spans, best first (character offsets), for an answerer that wants a span of
    # some kind (a number, a name …) when the best one is not.
    others: tuple[tuple[int, int], ...] = ()


class Reader:
    """Thread-safe: every call runs on the reader's own thread, one at a time."""

    def __init__(self, folder: Path = BUNDLED_READER, runtime: str = "onnx") -> None:
        self.folder = Path(folder)
        weights = self.folder / WEIGHTS
        card = _read_card(self.folder)
        expected = card.get("weights_sha256")
        if not weights.exists():
            raise ReaderUnavailable(str(self.folder), f"{WEIGHTS} is missing")
        digest = sha256_file(weights)
        if expected and digest != expected:
            raise ReaderChecksumMismatch(str(weights))
        base = bundled_model_dir()
        tokenizer_file = self.folder / "tokenizer.json"
        self._tokenizer = _pair_tokenizer(tokenizer_file if tokenizer_file.exists() else base / "tokenizer.json")
        self.card = card
        self.runtime = "torch"
        self._forward = None
        if runtime == "onnx":
            self._forward = _onnx_forward(weights, base, self.folder, digest)
            self.runtime = "onnx" if self._forward is not None else "torch"
        if self._forward is None:
            verify_bundled_weights(base)
            try:
                self._forward = _torch_forward(_load(weights, base))
            except (OSError, ValueError, RuntimeError, KeyError) as e:
                raise ReaderUnavailable(str(self.folder),
                                        f"{type(e).__name__}: {str(e).splitlines()[0][:160]}") from None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cited-reader")

    def read(self, question: str, sentences: list[str],
             length_penalty: float = SPAN_LENGTH_PENALTY) -> list[SpanReading]:
        if not sentences:
            return []
        return self._thread.submit(self._read, question, sentences, length_penalty).result()

    def _read(self, question: str, sentences: list[str], length_penalty: float) -> list[SpanReading]:
        encodings = self._tokenizer.encode_batch([(question, s) for s in sentences])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
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


def _pair_tokenizer(path: Path):
    """(question, sentence) pairs as trained: [CLS] question [SEP] sentence [SEP], the sentence
    cut to fit MAX_LEN tokens, padded to the longest pair."""
    from retrieval.onnx_encoder import tokenizer_from

    tokenizer = tokenizer_from(path)
    tokenizer.enable_truncation(MAX_LEN, strategy="only_second")
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def _torch_forward(model):
    def forward(ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch

        with torch.inference_mode():
            answerable, ends = model(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types))
        return answerable.float().numpy(), ends.float().numpy()

    return forward


def _onnx_forward(weights: Path, base: Path, folder: Path, digest: str):
    """The reader on onnxruntime, from its cached export (made now, with torch, if there is none);
    None when onnxruntime is missing or the export cannot be made."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return None
    from retrieval import onnx_encoder

    path = onnx_encoder.find_export(digest, name="reader")
    if path is None:
        verify_bundled_weights(base)
        try:
            model = _load(weights, base)
            path = onnx_encoder.export_module(model, model.parts["encoder"].embeddings.word_embeddings.weight, digest,
                                              name="reader", outputs=("answerable", "ends"))
        except (ImportError, OSError, RuntimeError, ValueError, KeyError) as e:
            log.warning("The reader stays on torch: its ONNX export failed (%s).", str(e).splitlines()[0][:160])
            return None
    session = onnx_encoder.session(path, threads=onnx_encoder.threads_to_use())
    words = onnx_encoder.WordVectors(path)

    def forward(ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        answerable, ends = session.run(None, {"word_vectors": words.of(ids), "attention_mask": mask,
                                              "token_type_ids": types})
        return answerable, ends

    forward.session = session  # for tests: how it runs
    return forward


def _load(weights: Path, base: Path):
    """The reader as a torch module: (input_ids, attention_mask, token_type_ids) →
    (probability that the sentence answers, start and end logits per token)."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModel

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

    class ReaderModule(torch.nn.Module):
        def __init__(self, parts) -> None:
            super().__init__()
            self.parts = parts

        def forward(self, input_ids, attention_mask, token_type_ids):
            # input_ids are token ids (on torch) or their word vectors (as exported to ONNX).
            given = {"inputs_embeds": input_ids} if input_ids.is_floating_point() else {"input_ids": input_ids}
            hidden = self.parts["encoder"](**given, token_type_ids=token_type_ids,
                                           attention_mask=attention_mask).last_hidden_state
            answerable = torch.sigmoid(self.parts["answerable"](hidden[:, 0]).squeeze(-1))
            return answerable, self.parts["span"](hidden)

    return ReaderModule(model).eval()


def _read_card(folder: Path) -> dict:
    try:
        return json.loads((folder / CARD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise ReaderUnavailable(str(folder), f"{CARD} is unreadable ({type(e).__name__})") from None


_cache: dict[tuple[Path, str], Reader] = {}
_cache_lock = threading.Lock()


def reader_folder(setting: str | None) -> Path | None:
    """Settings.reader → the reader's folder: "bundled", a folder, or "", "none" or None for none."""
    if not setting or setting == "none":
        return None
    return BUNDLED_READER if setting == "bundled" else Path(setting)


def reader_for(setting: str | None, runtime: str = "onnx") -> Reader | None:
    """Settings.reader → the reader (None for none)."""
    folder = reader_folder(setting)
    return None if folder is None else load_reader(folder, runtime)


def loads_without_torch(setting: str | None, runtime: str = "onnx") -> bool:
    """Whether reader_for(setting, runtime) loads without importing torch: no reader, or one whose
    ONNX export is in the cache (its checks are still made when it loads)."""
    folder = reader_folder(setting)
    if folder is None:
        return True
    from retrieval.onnx_encoder import export_dir

    try:
        expected = _read_card(folder).get("weights_sha256")
    except ReaderUnavailable:
        return False
    return runtime == "onnx" and bool(expected) and (export_dir(expected, name="reader") / "export.json").exists()


def load_reader(folder: Path = BUNDLED_READER, runtime: str = "onnx") -> Reader:
    """One reader per folder and runtime per process, shared."""
    key = (Path(folder).resolve(), runtime)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Reader(key[0], runtime)
        return _cache[key]

