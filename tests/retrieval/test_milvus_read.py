"""The Milvus client's row arithmetic (retrieval/index/milvus_read.py): rows as the folder numbers
them, and Milvus ids, one sum apart, both ways; rows of a version the listing does not hold are
left out. Pure numpy: the store itself is tested on the real engine in test_milvus_store.py."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from retrieval.index.milvus_read import CHUNK_BITS, SENTENCE_BITS, Listing, MilvusChunks
from retrieval.index.milvus_rows import _groups, pack_layout, unpack_layout
from retrieval.index.records import Chunk

# Per document: its seq, and per chunk its number of sentences (0 for a title, say).
documents = st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=6), min_size=1, max_size=6)


def listing_of(layouts: list[list[int]]) -> Listing:
    seqs = [3 * (n + 1) for n in range(len(layouts))]  # ascending, with gaps: superseded versions
    return Listing.of(seqs, [f"doc{n}" for n in range(len(layouts))],
                      [np.full(len(c), 4, np.uint8) for c in layouts], [np.array(c) for c in layouts])


@given(documents)
def test_rows_and_ids_are_one_sum_apart_both_ways(layouts):
    listing = listing_of(layouts)
    rows = np.arange(listing.chunks)
    ids = listing.passage_ids(rows)
    expected = [(3 * (d + 1) << CHUNK_BITS) | i for d, chunks in enumerate(layouts) for i in range(len(chunks))]
    assert ids.tolist() == expected
    back, ok = listing.passage_rows(ids)
    assert ok.all() and back.tolist() == rows.tolist()
    sentences = np.arange(listing.sentences)
    sentence_ids = listing.sentence_ids(sentences)
    expected = [(pid << SENTENCE_BITS) | j for pid, n in zip(ids.tolist(), [n for c in layouts for n in c])
                for j in range(n)]
    assert sentence_ids.tolist() == expected
    back, ok = listing.sentence_rows(sentence_ids)
    assert ok.all() and back.tolist() == sentences.tolist()


def test_ids_of_versions_the_listing_does_not_hold_are_left_out():
    listing = listing_of([[1, 2], [3]])
    written_since = (99 << CHUNK_BITS) | 0  # a version written after the listing was read
    past_the_end = (3 << CHUNK_BITS) | 2  # document seq 3 has two chunks
    rows, ok = listing.passage_rows([written_since, (6 << CHUNK_BITS) | 0, past_the_end])
    assert ok.tolist() == [False, True, False] and rows.tolist() == [2]
    rows, ok = listing.sentence_rows([(((3 << CHUNK_BITS) | 0) << SENTENCE_BITS) | 1])  # chunk 0 has one sentence
    assert ok.tolist() == [False] and rows.tolist() == []
    assert Listing.of([], [], [], []).passage_rows([5])[1].tolist() == [False]


def test_a_layout_packs_kinds_and_sentence_counts():
    chunks = [Chunk("d", 1, 0, 5, "Title", kind="title"),
              Chunk("d", 2, 7, 20, "One. Two.", sentences=((7, 11), (12, 16)))]
    kinds, counts = unpack_layout(pack_layout(chunks))
    assert kinds.tolist() == [0, 4] and counts.tolist() == [0, 2]


def test_calls_stay_within_milvus_row_limit():
    groups = list(_groups(np.array([1, 2, 3, 4]), np.array([6, 5, 20, 1]), 10))
    assert [(g.tolist(), total) for g, total in groups] == [([1], 6), ([2], 5), ([3], 20), ([4], 1)]
    assert [(g.tolist(), t) for g, t in _groups(np.array([1, 2, 3]), np.array([3, 3, 3]), 10)] == [([1, 2, 3], 9)]


def test_chunks_are_fetched_a_document_at_a_time_and_kept():
    listing = listing_of([[1, 1], [1]])
    calls = []

    def fetch(seqs):
        calls.append(list(seqs))
        return {s: [Chunk(f"doc{s}", i + 1, 0, 1, "x") for i in range(2 if s == 3 else 1)] for s in seqs}

    chunks = MilvusChunks(listing, fetch)
    assert len(chunks) == 3 and chunks[1].paragraph == 2 and chunks[0].doc == "doc3"
    assert calls == [[3]]  # one call for the document, its other chunk kept
    chunks.prefetch(np.array([2, 0]))
    assert calls == [[3], [6]] and chunks[2].doc == "doc6"
