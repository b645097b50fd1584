"""Any sentence-transformers model given by path works end to end, not only the bundled one: here
a model saved to disk with CLS pooling and no normalization layer (so the encoder normalizes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ARTICLE

CITED = Path(sys.executable).parent / "cited"


@pytest.fixture(scope="module")
def cls_model(tmp_path_factory) -> Path:
    from sentence_transformers import SentenceTransformer, models

    from retrieval.search.embed import bundled_model_dir

    transformer = models.Transformer(str(bundled_model_dir()))
    dimension = getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
    pooling = models.Pooling(dimension(), pooling_mode="cls")
    path = tmp_path_factory.mktemp("models") / "minilm-cls"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(path))
    return path


def cited(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(CITED), *args], capture_output=True, text=True, timeout=300)


def test_a_model_by_path_encodes_as_its_library_does(cls_model):
    from retrieval.search.embed import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(str(cls_model))
    texts = [f"Sentence {i} about harbours and night trains" + " again" * i for i in range(24)]
    ours = embedder.encode(texts)  # many texts: the batch path
    library = embedder.model.encode(texts, normalize_embeddings=True)
    assert embedder.name == str(cls_model)
    assert np.allclose(ours, library, atol=1e-5)


def test_ingest_and_ask_with_a_model_by_path(cls_model, tmp_path):
    index = tmp_path / "index"
    done = cited("ingest", str(ARTICLE), "--index", str(index), "--model", str(cls_model), "--quiet")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model"] == str(cls_model)

    done = cited("ask", "What share of Pakistan's population is Shiite?", "--index", str(index),
                 "--model", str(cls_model), "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    text = ARTICLE.read_text(encoding="utf-8")
    assert answer["passages"] and all(" ".join(p["text"].split()[:6]) in " ".join(text.split()) for p in answer["passages"])

    # The same index asked with the bundled model is refused, with the command that rebuilds it.
    done = cited("ask", "Who wrote this?", "--index", str(index))
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and "--rebuild" in done.stderr, done.stderr
    assert str(cls_model) in done.stderr  # names the model the index was built with
