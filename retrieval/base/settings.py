"""One settings object: every default in one place; env vars and CLI flags map onto it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType

from retrieval.base.params import check_k, check_mode

BUNDLED_MODEL = "all-MiniLM-L6-v2"

# Where a setting can come from in the environment: CITED_<NAME>.
_ENV = {
    "index_dir": "CITED_INDEX",
    "store": "CITED_STORE",
    "milvus_index": "CITED_MILVUS_INDEX",
    "milvus_timeout": "CITED_MILVUS_TIMEOUT",
    "model": "CITED_MODEL",
    "k": "CITED_K",
    "mode": "CITED_MODE",
    "host": "CITED_HOST",
    "port": "CITED_PORT",
    "max_question_chars": "CITED_MAX_QUESTION_CHARS",
    "max_check_chars": "CITED_MAX_CHECK_CHARS",
    "max_file_mb": "CITED_MAX_FILE_MB",
    "auth": "CITED_AUTH",
    "reader": "CITED_READER",
    "verifier": "CITED_VERIFIER",
    "verifier_abstain_below": "CITED_VERIFIER_ABSTAIN_BELOW",
    "encoder_runtime": "CITED_ENCODER_RUNTIME",
    "llm": "CITED_LLM",
    "llm_model": "CITED_LLM_MODEL",
    "llm_timeout": "CITED_LLM_TIMEOUT",
    "llm_unsupported": "CITED_LLM_UNSUPPORTED",
}



def _data_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "data"


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path(".cited/index")
    # Where the index lives instead of index_dir: "" (the folder), milvus:///path/file.db (Milvus
    # Lite) or http://host:19530 (a Milvus server; $CITED_MILVUS_TOKEN). retrieval/index/stores.py.
    store: str = ""
    # The dense vectors' index on Milvus, when a store is made: FLAT (exact; what Milvus Lite does
    # best), or HNSW / IVF_FLAT on a server (docs/milvus.md).
    milvus_index: str = "FLAT"
    # Seconds a Milvus call may take, retries of a lost server included, before the one-line error.
    milvus_timeout: int = 60
    model: str = BUNDLED_MODEL
    # Chunking: a chunk never crosses a paragraph; long paragraphs split at sentence ends.
    chunk_size: int = 1200
    chunk_overlap: int = 0
    # Retrieval
    k: int = 5
    mode: str = "hybrid"
    # Hybrid: the weight of each z-scored signal, by its name in retrieval/search/signals.py's
    # table. Chosen once by `cited eval --tune` (eval/tune.py), on 8 SQuAD 1.1 dev articles that
    # are not the public evaluation articles and on the article's eval set, never per article; the
    # grid and the rule are in docs/evaluation.md.
    weights: Mapping[str, float] = field(default_factory=lambda: MappingProxyType(
        {"passage_dense": 2.0, "sentence_dense": 0.5, "passage_bm25": 1.5, "sentence_bm25": 1.0}))
    # Answering
    max_answer_sentences: int = 3
    # Abstain when the best candidate sentence's dense similarity is below this; chosen by the same
    # `cited eval --tune` run (eval/README.md).
    abstain_below: float = 0.36
    # The reader (retrieval/search/reader.py): "bundled" (retrieval/models/reader), a folder made by
    # `cited train-reader`, or "" / "none" for none (`--no-reader`). Each use below was chosen on training
    # articles held out for calibration, never on the evaluation articles (eval/README.md).
    reader: str = "bundled"
    # With a reader, its best span is shown as the short answer when its sentence's probability of
    # answering reaches this (calibrated for SQuAD F1: a span always beats a whole sentence there)…
    short_answer_above: float = 0.0
    # …for the questions that name the kind of answer they want ("typed": who, when, how many,
    # which country …; retrieval/answer/answer_type.py), or for every question ("all"). Both pass the
    # right-span rule on the held-out articles (`cited eval --reading --calibrate`), but on the
    # article's paraphrased questions the others' spans were often marked in the wrong sentence,
    # so they keep whole sentences (docs/evaluation.md has the figures).
    short_answers_for: str = "typed"
    # With a reader, abstain when it gives none of the best `reader_candidates` candidate
    # sentences this probability of answering (None: the reader never abstains). Chosen by
    # `cited eval --reading --calibrate`: the highest threshold abstaining on at most 5% / 3 of
    # the held-out articles' answerable questions (the reader doubts paraphrased questions more
    # often than SQuAD's; docs/evaluation.md says by how much).
    reader_abstain_below: float | None = 0.15
    reader_candidates: int = 8
    # The verifier (retrieval/search/verifier.py): "bundled" (retrieval/models/verifier), a folder made
    # by `cited train-verifier`, or "" / "none" for none (`--no-verifier`: the check then knows the
    # article's own words only). It checks what an LLM wrote and what `cited check` is given.
    verifier: str = "bundled"
    # With a reader and a verifier, also abstain when the verifier says the reader's surest sentence
    # does not entail the question answered with its short answer below this (None: it does not take
    # part). Decided by `cited eval --verifier-abstention` (docs/evaluation.md).
    verifier_abstain_below: float | None = None
    # With a reader, the candidate sentence it is surest answers joins the answer (eval/README.md).
    reader_rerank: bool = True
    # The LLM writer (retrieval/answer/writer.py): the URL of an OpenAI-compatible server (e.g.
    # http://127.0.0.1:11434/v1), or "" for none. Off by default: nothing is contacted. Its
    # sentences are checked against the passages (retrieval/answer/check.py); an API key, if the server
    # wants one, comes from $CITED_LLM_API_KEY only.
    llm: str = ""
    llm_model: str = ""  # "" asks the server for its first model
    llm_timeout: float = 30.0
    # Sentences the check does not support: "flag" (shown struck through, marked) or "remove".
    llm_unsupported: str = "flag"
    # Limits
    max_question_chars: int = 2000
    max_check_chars: int = 20_000  # a text given to `cited check`: a few pages
    max_file_mb: float = 20.0
    batch_size: int = 8
    # The bundled encoder embeds questions on "onnx" (onnxruntime, an export made from its own
    # weights on first use; no torch import: retrieval/search/onnx_encoder.py) or "torch"
    # (sentence-transformers). Many texts at once (ingest) always go to sentence-transformers.
    encoder_runtime: str = "onnx"
    # Web app
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str | None = None
    default_article: Path = field(default_factory=lambda: _data_dir() / "ecss-pakistan-iran-deescalation.txt")

    @property
    def index_location(self) -> str:
        """Where the index is, as messages name it: the Milvus URI or the folder."""
        return self.store or str(self.index_dir)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "Settings":
        """Defaults, then CITED_* environment variables, then explicit overrides (CLI flags)."""
        environ = os.environ if environ is None else environ
        base = cls()
        values: dict = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, var in _ENV.items():
            raw = environ.get(var)
            if raw is None or raw == "":
                continue
            values[name] = _coerce(types[name], raw, var)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "index_dir" in values:
            values["index_dir"] = Path(values["index_dir"])
        settings = replace(base, **values)
        check_mode(settings.mode)
        check_k(settings.k)
        if settings.encoder_runtime not in ("onnx", "torch"):
            from retrieval.base.errors import CitedError

            raise CitedError(f"CITED_ENCODER_RUNTIME must be onnx or torch (got {settings.encoder_runtime!r}).")
        if settings.llm_unsupported not in ("flag", "remove"):
            from retrieval.base.errors import CitedError

            raise CitedError(f"CITED_LLM_UNSUPPORTED must be flag or remove (got {settings.llm_unsupported!r}).")
        if settings.milvus_index not in MILVUS_INDEXES:
            from retrieval.base.errors import CitedError

            raise CitedError(f"CITED_MILVUS_INDEX must be one of {', '.join(MILVUS_INDEXES)} "
                             f"(got {settings.milvus_index!r}).")
        if settings.milvus_timeout < 1:
            from retrieval.base.errors import CitedError

            raise CitedError(f"CITED_MILVUS_TIMEOUT is seconds, 1 or more (got {settings.milvus_timeout}).")
        if settings.store and not is_milvus_uri(settings.store):
            from retrieval.base.errors import CitedError

            raise CitedError(
                f"--store must be milvus:///path/to/file.db (Milvus Lite, on this machine) or http://host:19530 "
                f"(a Milvus server); leave it out for the index folder (got {settings.store!r}).")
        if settings.llm and not settings.llm.startswith(("http://", "https://")):
            from retrieval.base.errors import CitedError

            raise CitedError(f"--llm must be the http(s) URL of an OpenAI-compatible server, e.g. "
                             f"http://127.0.0.1:11434/v1 (got {settings.llm!r}).")
        return settings


MILVUS_INDEXES = ("FLAT", "HNSW", "IVF_FLAT")
MILVUS_SCHEMES = ("milvus://", "http://", "https://", "tcp://", "grpc://")


def is_milvus_uri(store: str) -> bool:
    return store.startswith(MILVUS_SCHEMES)


def _coerce(type_name: str, raw: str, var: str):
    from retrieval.base.errors import CitedError

    try:
        if type_name == "int":
            return int(raw)
        if type_name in ("float", "float | None"):
            return float(raw)
    except ValueError:
        raise CitedError(f"{var}={raw!r} is not a number.") from None
    return raw
