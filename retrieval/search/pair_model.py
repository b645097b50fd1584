"""What the reader and the verifier share: a cross-encoder trained here on the bundled
all-MiniLM-L6-v2 that reads a pair of texts ([CLS] first [SEP] second [SEP]).

Its weights file holds the encoder and its heads in fp16, without the word embeddings, which are
frozen in training and read from the bundled encoder's own (sha256-checked) file; the file is
checked against the sha256 in the card beside it before anything is loaded. It runs on onnxruntime
once exported: the first load builds it with torch and exports it, with its sha256, to cited's
cache folder, keyed by the weights' own sha256; later loads never import torch (Settings.
encoder_runtime = "torch" keeps it on torch). Calls run on the model's own thread, one at a time.
"""

from __future__ import annotations

import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from retrieval.base.errors import ModelError
from retrieval.base.files import sha256_file
from retrieval.search.embed import bundled_model_dir, verify_bundled_weights

CARD = "card.json"
FROZEN_KEY = "encoder.embeddings.word_embeddings.weight"
log = logging.getLogger("cited")


class PairModel:
    """Subclasses name their weights file, export, outputs and length, and build the torch module."""

    weights_name = ""
    export_name = ""
    outputs: tuple[str, ...] = ()
    max_len = 96
    truncation = "only_second"  # the reader cuts the sentence, never the question

    def __init__(self, folder: Path, runtime: str = "onnx") -> None:
        self.folder = Path(folder)
        weights = self.folder / self.weights_name
        card = read_card(self.folder, self.unavailable)
        expected = card.get("weights_sha256")
        if not weights.exists():
            raise self.unavailable(str(self.folder), f"{self.weights_name} is missing")
        digest = sha256_file(weights)
        if expected and digest != expected:
            raise self.checksum_mismatch(str(weights))
        base = bundled_model_dir()
        tokenizer_file = self.folder / "tokenizer.json"
        self._tokenizer = pair_tokenizer(tokenizer_file if tokenizer_file.exists() else base / "tokenizer.json",
                                         self.max_len, self.truncation)
        self.card = card
        self.runtime = "torch"
        self._forward = None
        if runtime == "onnx":
            self._forward = self._onnx_forward(weights, base, digest)
            self.runtime = "onnx" if self._forward is not None else "torch"
        if self._forward is None:
            verify_bundled_weights(base)
            try:
                self._forward = _torch_forward(self.load_module(weights, base))
            except (OSError, ValueError, RuntimeError, KeyError) as e:
                raise self.unavailable(str(self.folder),
                                       f"{type(e).__name__}: {str(e).splitlines()[0][:160]}") from None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"cited-{self.export_name}")

    # What a subclass provides.
    unavailable: type[ModelError] = ModelError
    checksum_mismatch: type[ModelError] = ModelError

    def load_module(self, weights: Path, base: Path):
        raise NotImplementedError

    def submit(self, fn, *args):
        """fn(*args) on the model's own thread; its result."""
        return self._thread.submit(fn, *args).result()

    def encode_pairs(self, pairs: list[tuple[str, str]]):
        """The pairs tokenized as trained, padded to the longest: (encodings, ids, types, mask)."""
        encodings = self._tokenizer.encode_batch(pairs)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        return encodings, ids, types, mask

    def _onnx_forward(self, weights: Path, base: Path, digest: str):
        """The model on onnxruntime, from its cached export (made now, with torch, if there is
        none); None when onnxruntime is missing or the export cannot be made."""
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return None
        from retrieval.search import onnx_encoder

        path = onnx_encoder.find_export(digest, name=self.export_name)
        if path is None:
            verify_bundled_weights(base)
            try:
                module = self.load_module(weights, base)
                path = onnx_encoder.export_module(module, module.parts["encoder"].embeddings.word_embeddings.weight,
                                                  digest, name=self.export_name, outputs=self.outputs)
            except (ImportError, OSError, RuntimeError, ValueError, KeyError) as e:
                log.warning("The %s stays on torch: its ONNX export failed (%s).", self.export_name,
                            str(e).splitlines()[0][:160])
                return None
        session = onnx_encoder.session(path, threads=onnx_encoder.threads_to_use())
        words = onnx_encoder.WordVectors(path)

        def forward(ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
            return tuple(session.run(None, {"word_vectors": words.of(ids), "attention_mask": mask,
                                            "token_type_ids": types}))

        forward.session = session  # for tests: how it runs
        return forward


def pair_tokenizer(path: Path, max_len: int, truncation: str = "only_second"):
    """Pairs as trained: [CLS] first [SEP] second [SEP], cut to fit max_len tokens (the second
    only, or the longer of the two first), padded to the longest pair."""
    from retrieval.search.onnx_encoder import tokenizer_from

    tokenizer = tokenizer_from(path)
    tokenizer.enable_truncation(max_len, strategy=truncation)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def _torch_forward(model):
    def forward(ids: np.ndarray, types: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
        import torch

        with torch.inference_mode():
            outputs = model(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(types))
        return tuple(o.float().numpy() for o in outputs)

    return forward


def encoder_with_heads(weights: Path, base: Path, make_heads, renamed: dict[str, str]):
    """The bundled encoder and its heads (make_heads(hidden size) → {name: torch module}), as a
    ModuleDict loaded from `weights`, whose keys are the training script's (`renamed` maps its
    head names to these)."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoModel

    encoder = AutoModel.from_pretrained(str(base), add_pooling_layer=False)
    state = {k: v.float() for k, v in load_file(str(weights)).items()}
    model = torch.nn.ModuleDict({"encoder": encoder, **make_heads(encoder.config.hidden_size)})
    for old, new in renamed.items():
        state = {k.replace(old, new) if k.startswith(old) else k: v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) != {FROZEN_KEY}:
        raise ValueError(f"not a cited model (missing {sorted(missing)[:3]}, unexpected {sorted(unexpected)[:3]})")
    return model


def read_card(folder: Path, unavailable: type[ModelError]) -> dict:
    try:
        return json.loads((folder / CARD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise unavailable(str(folder), f"{CARD} is unreadable ({type(e).__name__})") from None


def loads_without_torch(folder: Path | None, export_name: str, runtime: str, unavailable: type[ModelError]) -> bool:
    """Whether the model in `folder` loads without importing torch: none, or one whose ONNX export
    is in the cache (its checks are still made when it loads)."""
    if folder is None:
        return True
    from retrieval.search.onnx_encoder import export_dir

    try:
        expected = read_card(folder, unavailable).get("weights_sha256")
    except ModelError:
        return False
    return runtime == "onnx" and bool(expected) and (export_dir(expected, name=export_name) / "export.json").exists()


def pair_module(parts, outputs_of):
    """The model as a torch module: (input_ids, attention_mask, token_type_ids) → the outputs
    `outputs_of(parts, hidden states)` computes from the encoder's last hidden states. input_ids are
    token ids (on torch) or their word vectors (as exported to ONNX)."""
    import torch

    class PairModule(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.parts = parts

        def forward(self, input_ids, attention_mask, token_type_ids):
            given = {"inputs_embeds": input_ids} if input_ids.is_floating_point() else {"input_ids": input_ids}
            hidden = self.parts["encoder"](**given, token_type_ids=token_type_ids,
                                           attention_mask=attention_mask).last_hidden_state
            return outputs_of(self.parts, hidden)

    return PairModule().eval()


def model_folder(setting: str | None, bundled: Path) -> Path | None:
    """A model setting (Settings.reader, Settings.verifier) → its folder: "bundled", a folder, or
    "", "none" or None for none."""
    if not setting or setting == "none":
        return None
    return bundled if setting == "bundled" else Path(setting)


_shared: dict[tuple[type, Path, str], PairModel] = {}
_shared_lock = threading.Lock()


def shared(model_class: type[PairModel], folder: Path, runtime: str) -> PairModel:
    """One model per class, folder and runtime per process, shared."""
    key = (model_class, Path(folder).resolve(), runtime)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = model_class(key[1], runtime)
        return _shared[key]
