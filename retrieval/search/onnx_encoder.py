"""The bundled encoder on onnxruntime, so that a question is embedded without importing torch.

Importing sentence-transformers (torch, transformers) takes seconds; a question takes
milliseconds to embed. So the bundled all-MiniLM-L6-v2 is exported once to ONNX from its own
weights (torch is loaded anyway the first time cited ingests; nothing is downloaded) into cited's
cache folder, with the export's sha256 beside it, and questions run on onnxruntime with the
`tokenizers` library: the same tokenizer, the same mean pooling and normalization as
sentence-transformers (vectors within cosine 0.99999 of its own, tests/retrieval/test_onnx_encoder.py).
A document's sentences run here too until sentence-transformers is loaded (ONNX_UP_TO); a larger
ingest loads it, and it then takes every batch of many texts, spread over the cores.

The word-embedding matrix (30,522 rows, 47 MB, half the model) is not in the ONNX graph: it is
written beside it, and the rows a question's tokens need (a few dozen) are read from that file as
it is asked (`WordVectors`), so a server holds none of it. Mapping the file instead would bring in
neighbouring pages with every row (the kernel's fault-around), most of the file after some
questions. The graph takes those rows as its input; its outputs are the same, to the bit.

The cache folder is $CITED_CACHE, else $XDG_CACHE_HOME/cited, else ~/.cache/cited; never inside
site-packages. A missing or damaged export is made again; one that cannot be made leaves cited on
sentence-transformers, with a warning.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
import warnings
import weakref
from pathlib import Path

import numpy as np

from retrieval.base.files import sha256_file
from retrieval.base.settings import BUNDLED_MODEL

log = logging.getLogger("cited")

OPSET = 17
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
FEW_TEXTS = 8  # up to this many at once: one run
# Until sentence-transformers is loaded, up to ONNX_UP_TO texts at once (a document's sentences)
# run here too, ONNX_BATCH at a time, shortest first, on a second session that uses every core:
# about as fast as sentence-transformers, without loading torch (docs/speed-and-scale.md). More at
# once load it.
ONNX_BATCH = 32
ONNX_UP_TO = 2_000
INPUTS = ("word_vectors", "attention_mask", "token_type_ids")
WORD_VECTORS = "word_vectors.f32"  # the word-embedding matrix, little-endian float32, row by token id
# The graph's weights, in a file of their own beside it: onnxruntime maps that file instead of
# copying the weights out of the graph (less memory for each model).
GRAPH_WEIGHTS = "model.data"
# 2: the word vectors outside the graph; 3: its weights too. An export of another format is made again.
EXPORT_FORMAT = 3
# The stat of each file when it was last hashed and matched export.json (_matches_record).
VERIFIED = "verified.json"
RACY_NS = 2_000_000_000


def cache_dir() -> Path:
    if os.environ.get("CITED_CACHE"):
        return Path(os.environ["CITED_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cited"


def export_dir(weights_sha256: str, name: str = BUNDLED_MODEL) -> Path:
    """Where the export of these weights lives: named by the weights' digest, so another
    version of the model never picks up this one's export."""
    return cache_dir() / "onnx" / f"{name}-{weights_sha256[:16]}"


def find_export(weights_sha256: str, name: str = BUNDLED_MODEL) -> Path | None:
    """The cached export of these weights, if it is there and its sha256 is the one recorded."""
    folder = export_dir(weights_sha256, name)
    try:
        meta = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        if meta.get("format") != EXPORT_FORMAT or meta.get("weights_sha256") != weights_sha256:
            return None
        if not _matches_record(folder, meta):
            log.warning("The ONNX export in %s does not match its record; it will be made again.", folder)
            return None
    except (OSError, ValueError):
        return None
    return folder / "model.onnx"


def _matches_record(folder: Path, meta: dict) -> bool:
    """Whether the export's three files hash to the digests export.json records. Hashing them
    (the encoder's and the reader's) took a large share of a cold `cited ask`, so, as git does
    for its index, files already hashed are not hashed again while their stat is what it was
    then (VERIFIED): a write changes a file's ctime, which no user call can set back. A file
    changed within RACY_NS of being hashed could still show its old stat, so none is vouched for
    that young (git's "racy clean")."""
    digests = {"model.onnx": meta.get("onnx_sha256"), GRAPH_WEIGHTS: meta.get("graph_weights_sha256"),
               WORD_VECTORS: meta.get("word_vectors_sha256")}
    stats = {name: _stat_of(folder / name) for name in digests}
    try:
        vouched = json.loads((folder / VERIFIED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        vouched = None
    if vouched == {"digests": digests, "stats": stats}:
        return True
    if any(sha256_file(folder / name) != digest for name, digest in digests.items()):
        return False
    if all(stat[2] < time.time_ns() - RACY_NS for stat in stats.values()):
        _write_verified(folder, {"digests": digests, "stats": stats})
    return True


def _write_verified(folder: Path, record: dict) -> None:
    """Best effort: a read-only cache is hashed each time instead."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".verified-", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, folder / VERIFIED)
    except OSError:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _stat_of(file: Path) -> list[int]:
    s = file.stat()
    return [s.st_size, s.st_mtime_ns, s.st_ctime_ns, s.st_ino, s.st_dev]


def export(model_dir: Path, weights_sha256: str) -> Path:
    """Export the sentence-transformers model at `model_dir` to ONNX in the cache: the
    transformer's last hidden state; pooling is done here, in numpy."""
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, word_vectors, attention_mask, token_type_ids):
            return self.inner(inputs_embeds=word_vectors, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    return export_module(LastHiddenState(model), model.embeddings.word_embeddings.weight, weights_sha256,
                         BUNDLED_MODEL, ("last_hidden_state",))


def export_module(module, word_embeddings, weights_sha256: str, name: str, outputs: tuple[str, ...]) -> Path:
    """Export a torch module taking (word_vectors, attention_mask, token_type_ids) to the cache,
    atomically, optimized once, with its word-embedding matrix (`word_embeddings`, the rows its
    word_vectors are read from) beside it and the sha256 of both in export.json."""
    import onnxruntime
    import torch

    folder = export_dir(weights_sha256, name)
    folder.mkdir(parents=True, exist_ok=True)
    rows, dimension = word_embeddings.shape
    example = (torch.zeros(1, 8, dimension), torch.ones(1, 8, dtype=torch.long), torch.zeros(1, 8, dtype=torch.long))
    axes = {i: {0: "batch", 1: "tokens"} for i in INPUTS}
    work = Path(tempfile.mkdtemp(prefix=".export-", dir=folder))  # the graph names its weights' file
    raw, optimized, weights, vectors = (work / "raw.onnx", work / "model.onnx", work / GRAPH_WEIGHTS,
                                        work / WORD_VECTORS)
    try:
        # The tracer warns of branches it records as constants (no causal mask, no cache), which
        # hold for these encoders; tests/retrieval/test_onnx_encoder.py and test_reader.py check
        # the outputs against torch's.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(module.eval(), example, str(raw), input_names=list(INPUTS), output_names=list(outputs),
                              dynamic_axes=axes, opset_version=OPSET, dynamo=False)
        # Optimized once here (fused attention and layer norms; "extended" stays portable across
        # CPUs), so that loading it for a question need not.
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        options.optimized_model_filepath = str(optimized)
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", GRAPH_WEIGHTS)
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        onnxruntime.InferenceSession(str(raw), options, providers=["CPUExecutionProvider"])
        vectors.write_bytes(word_embeddings.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes())
        meta = {"model": name, "format": EXPORT_FORMAT, "weights_sha256": weights_sha256,
                "onnx_sha256": sha256_file(optimized), "graph_weights_sha256": sha256_file(weights),
                "word_vectors_sha256": sha256_file(vectors), "word_vectors_shape": [rows, dimension], "opset": OPSET,
                "exported_with": f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}"}
        # Each file in place before export.json names their digests: find_export checks all three.
        for made in (vectors, weights, optimized):
            os.replace(made, folder / made.name)
        (work / "export.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(work / "export.json", folder / "export.json")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return folder / "model.onnx"


def session(path: Path, threads: int = 1, spin: bool = False):
    """An onnxruntime session for one caller at a time; the graph was optimized at export.

    Between runs its threads never spin (busy-wait) for work. Within a run they do only when
    `spin`, which suits a question's many small operators and not a batch's large ones: measured
    with other processes busy, spinning within runs was faster for a question and no faster for
    the reader's batch, and spinning between runs too (onnxruntime's default) kept a core busy
    after each run, slowing the next question and the reader (docs/speed-and-scale.md)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    if spin:
        options.add_session_config_entry("session.force_spinning_stop", "1")  # at the end of each run
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def threads_to_use() -> int:
    """Up to two: a question's run is split between two cores (faster than one; without spinning,
    no slower when the other core is busy); more buys nothing for a few dozen tokens, and the
    reader's batch is as small."""
    return max(1, min(2, os.cpu_count() or 1))


_templates: dict[str, object] = {}  # parsed tokenizer files by their sha256, never handed out
_templates_lock = threading.Lock()


def tokenizer_from(path: Path):
    """A new `tokenizers.Tokenizer` of the file at `path`, without truncation or padding (the caller
    sets its own). Tokenizers of files with the same bytes share one vocabulary: the reader's file
    is the encoder's, and each parsed copy held megabytes of the chat server's memory."""
    import hashlib

    from tokenizers import AddedToken, Tokenizer

    data = Path(path).read_bytes()
    key = hashlib.sha256(data).hexdigest()
    with _templates_lock:
        if key not in _templates:
            _templates[key] = Tokenizer.from_str(data.decode("utf-8"))
        template = _templates[key]
    tokenizer = Tokenizer(template.model)  # the model (its vocabulary) is shared, not copied
    tokenizer.normalizer, tokenizer.pre_tokenizer = template.normalizer, template.pre_tokenizer
    tokenizer.post_processor, tokenizer.decoder = template.post_processor, template.decoder
    added = json.loads(data).get("added_tokens", [])
    tokenizer.add_special_tokens([
        AddedToken(t["content"], single_word=t["single_word"], lstrip=t["lstrip"], rstrip=t["rstrip"],
                   normalized=t["normalized"], special=True)
        for t in added
    ])
    if any(not t.get("special") or tokenizer.token_to_id(t["content"]) != t["id"] for t in added):
        # Added tokens outside the vocabulary, or not special: read on their own, as the file says.
        tokenizer = Tokenizer.from_str(data.decode("utf-8"))
        tokenizer.no_truncation()
        tokenizer.no_padding()
    return tokenizer


class WordVectors:
    """The rows of an export's word-embedding matrix, read from its file by token id (os.pread:
    positional, so threads may share it)."""

    def __init__(self, model_path: Path) -> None:
        meta = json.loads((model_path.parent / "export.json").read_text(encoding="utf-8"))
        self.rows, self.dimension = meta["word_vectors_shape"]
        self._row_bytes = 4 * self.dimension
        self._fd = os.open(model_path.parent / WORD_VECTORS, os.O_RDONLY)
        self._closer = weakref.finalize(self, os.close, self._fd)

    def of(self, ids: np.ndarray) -> np.ndarray:
        """The word vectors of `ids` (any shape), float32, with a last axis of `dimension`."""
        unique, where = np.unique(ids, return_inverse=True)
        table = np.empty((len(unique), self.dimension), dtype=np.float32)
        for i, token in enumerate(unique.tolist()):
            table[i] = np.frombuffer(os.pread(self._fd, self._row_bytes, token * self._row_bytes), dtype="<f4")
        return table[where.reshape(ids.shape)]


class OnnxEncoder:
    """Questions and documents on onnxruntime; very many texts (or many, once it is loaded) handed
    to `bulk()`, a sentence-transformers embedder made on first need. Thread-safe: runs take turns."""

    def __init__(self, onnx_path: Path, model_dir: Path, bulk) -> None:
        self.name = BUNDLED_MODEL
        self.dimension = 384
        self._bulk_factory, self._bulk = bulk, None
        self.tokenizer = tokenizer_from(model_dir / "tokenizer.json")
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.session = session(onnx_path, threads=threads_to_use(), spin=True)
        self._path, self._many = onnx_path, None  # the session for many texts, made on first need
        self.words = WordVectors(onnx_path)
        self._lock = threading.Lock()

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= FEW_TEXTS:
            return self._run(texts)
        if self._bulk is not None or len(texts) > ONNX_UP_TO:
            return self.bulk().encode(texts, progress)
        from tqdm.auto import tqdm

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        batches = [order[i : i + ONNX_BATCH] for i in range(0, len(order), ONNX_BATCH)]
        with self._lock:  # two ingests at once make one session, not two
            if self._many is None:  # the question's session, unless there are more cores to use
                many = max(1, min(4, os.cpu_count() or 1))
                self._many = self.session if many == threads_to_use() else session(self._path, threads=many)
        for batch in tqdm(batches, desc="embedding", unit="batch", disable=not progress, leave=False):
            out[batch] = self._run([texts[i] for i in batch], self._many)
        return out

    def _run(self, texts: list[str], on=None) -> np.ndarray:
        """One onnxruntime run over `texts` (padded to the longest), pooled and normalized."""
        on = on or self.session
        with self._lock:
            encodings = self.tokenizer.encode_batch(texts)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = on.run(None, {"word_vectors": self.words.of(ids), "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
        # Mean over the real tokens, then unit length: sentence-transformers' Pooling + Normalize.
        summed = (hidden * mask[..., None]).sum(axis=1)
        vectors = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def bulk(self):
        if self._bulk is None:
            self._bulk = self._bulk_factory()
        return self._bulk
