"""The encoder: many texts go through batches on several threads, and come out as the library's
own encode() would give them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from retrieval.search.embed import FEW_TEXTS
from tests.conftest import ARTICLE

SENTENCES = [s.strip() for s in ARTICLE.read_text(encoding="utf-8").split(".") if len(s.split()) > 3][:60]


def test_batched_encoding_matches_the_library(real_embedder):
    assert len(SENTENCES) > FEW_TEXTS
    ours = real_embedder.encode(SENTENCES)
    library = real_embedder.bulk().model.encode(SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.shape == library.shape == (len(SENTENCES), real_embedder.dimension)
    assert np.allclose(ours, library, atol=1e-5)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_callers_on_many_threads_get_their_own_vectors(real_embedder):
    # An ingest and questions at once, as in the chat: each call gets the vectors of its own texts.
    jobs = [SENTENCES, SENTENCES[:3], SENTENCES[10:50], ["Who wrote the article?"]] * 3
    expected = [real_embedder.encode(texts) for texts in jobs]
    with ThreadPoolExecutor(max_workers=6) as pool:
        got = list(pool.map(real_embedder.encode, jobs))
    for want, have in zip(expected, got):
        assert np.allclose(want, have, atol=1e-5)
