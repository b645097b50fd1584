"""The Milvus store's collections and rows: their schema, and the conversions between Milvus's
rows and cited's records (retrieval/index/milvus.py uses them)."""

from __future__ import annotations

import base64
import json

import numpy as np

from retrieval.base.errors import IndexWriteFailed
from retrieval.index.lazy_rows import KIND_CODES, OTHER_KIND

TEXT_BYTES = 65_535  # VARCHAR's limit
LIMIT = 16_384  # the most rows Milvus returns for one search or query
# Milvus's BM25 made like the folder's (bm25s, retrieval/index/lexical.py): its English stopwords
# (Lucene's, as Milvus's _english_), no one-character tokens (bm25s's tokens are two or more word
# characters), English stemming, and bm25s's k1 and b.
ONE_CHARACTER = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [str(d) for d in range(10)]
ANALYZER = {"tokenizer": "standard",
            "filter": ["lowercase", {"type": "stop", "stop_words": ["_english_", *ONE_CHARACTER]},
                       {"type": "stemmer", "language": "english"}]}
BM25_PARAMS = {"bm25_k1": 1.5, "bm25_b": 0.75}


# Build parameters of each dense index type (Settings.milvus_index), and what a search asks of it
# (dense_search): HNSW's ef at least the rows asked for, IVF's nprobe a sixteenth of its lists.
DENSE_INDEX_PARAMS = {"FLAT": {}, "HNSW": {"M": 16, "efConstruction": 200}, "IVF_FLAT": {"nlist": 1024}}


def dense_search(limit: int) -> dict:
    return {"metric_type": "IP", "params": {"ef": max(limit, 64), "nprobe": 64}}


def collection_schema(client, kind: str, dimension: int, dense_index: str = "FLAT"):
    """The schema and index parameters of one of a store's three collections: passages and
    sentences (their dense vectors, and BM25 on their text by Milvus's own function), and the
    documents (their records in pieces; a small vector Milvus requires of every collection)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("seq", DataType.INT64)
    index = client.prepare_index_params()
    index.add_index("seq", index_type="INVERTED")  # a document's rows are found by their seq
    if kind == "documents":
        for name in ("part", "parts", "chunks", "sentences"):
            schema.add_field(name, DataType.INT64)
        schema.add_field("layout", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("body", DataType.VARCHAR, max_length=TEXT_BYTES)
        schema.add_field("marker", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field
        index.add_index("marker", index_type="FLAT", metric_type="L2")
        return schema, index
    if kind == "passages":
        for name in ("paragraph", "start", "end", "page"):
            schema.add_field(name, DataType.INT64)
        for name in ("kind", "section", "sentences", "text"):
            schema.add_field(name, DataType.VARCHAR, max_length=TEXT_BYTES)
    else:
        schema.add_field("passage", DataType.INT64)
        index.add_index("passage", index_type="INVERTED")  # a question's candidates' sentences
    schema.add_field("bm25_text", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True, analyzer_params=ANALYZER)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name=f"{kind}_bm25", function_type=FunctionType.BM25,
                                 input_field_names=["bm25_text"], output_field_names=["sparse"]))
    index.add_index("dense", index_type=dense_index, metric_type="IP", params=DENSE_INDEX_PARAMS[dense_index])
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", params=BM25_PARAMS)
    return schema, index


PASSAGE_FIELDS = ("id", "doc", "seq", "paragraph", "start", "end", "page", "kind", "section", "sentences", "text")
LISTING_FIELDS = ("id", "doc", "seq", "part", "parts", "chunks", "sentences", "layout")
BM25_SEARCH = {"metric_type": "BM25", "params": {"drop_ratio_search": 0}}  # Lite wants 0


def _chunk_fields(r: dict) -> dict:
    return {"doc": r["doc"], "paragraph": r["paragraph"], "start": r["start"], "end": r["end"], "text": r["text"],
            "kind": r["kind"], "section": json.loads(r["section"]), "page": None if r["page"] < 0 else r["page"],
            "sentences": json.loads(r["sentences"])}


def pack_layout(chunks) -> str:
    """Per chunk, its kind's code (a byte) and its number of sentences (two): what the listing
    needs of a document's chunks, in ASCII (4 characters a chunk)."""
    kinds = np.array([KIND_CODES.get(c.kind, OTHER_KIND) for c in chunks], dtype=np.uint8)
    counts = np.array([len(c.sentences) for c in chunks], dtype="<u2")
    packed = np.zeros(len(chunks), dtype=[("kind", "u1"), ("sentences", "<u2")])
    packed["kind"], packed["sentences"] = kinds, counts
    return base64.b64encode(packed.tobytes()).decode("ascii")


def unpack_layout(text: str) -> tuple[np.ndarray, np.ndarray]:
    packed = np.frombuffer(base64.b64decode(text), dtype=[("kind", "u1"), ("sentences", "<u2")])
    return packed["kind"].copy(), packed["sentences"].astype(np.int32)


def _rows_per_document(chunks: list) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for row, c in enumerate(chunks):
        out.setdefault(c.doc, []).append(row)
    return out


def _fits(text: str, doc: str, uri: str) -> str:
    if len(text.encode("utf-8")) > TEXT_BYTES:
        raise IndexWriteFailed(uri, f"a passage of {doc} is over Milvus's {TEXT_BYTES:,}-byte text limit; "
                                    "ingest with a smaller chunk size")
    return text


def _manifest_head(props: dict) -> dict:
    return {"schema_version": int(props["schema_version"]), "model": props["model"],
            "dimension": int(props["dimension"]), "chunking": json.loads(props["chunking"]),
            "created": props.get("created", "")}


def _groups(keys: np.ndarray, sizes: np.ndarray, most: int):
    """The keys in groups whose sizes sum to at most `most` (a key larger than that alone), with
    each group's total: one Milvus call per group stays within its row limit."""
    group, total = [], 0
    for key, size in zip(keys.tolist(), np.asarray(sizes).tolist()):
        if group and total + size > most:
            yield np.array(group, dtype=np.int64), total
            group, total = [], 0
        group.append(key)
        total += size
    if group:
        yield np.array(group, dtype=np.int64), total
