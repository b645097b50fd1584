"""The Milvus store's collections and rows: their schema, and the conversions between Milvus's
rows and cited's records (retrieval/index/milvus.py uses them)."""

from __future__ import annotations

import json

import numpy as np

from retrieval.base.errors import IndexWriteFailed

TEXT_BYTES = 65_535  # VARCHAR's limit


def collection_schema(client, kind: str, dimension: int):
    """The schema and index parameters of one of a store's three collections: passages and
    sentences (their dense vectors, and BM25 on their text by Milvus's own function), and the
    documents (their records in pieces; a small vector Milvus requires of every collection)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.VARCHAR, max_length=TEXT_BYTES)
    schema.add_field("seq", DataType.INT64)
    index = client.prepare_index_params()
    if kind == "documents":
        for name in ("part", "parts", "chunks", "sentences"):
            schema.add_field(name, DataType.INT64)
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
    schema.add_field("bm25_text", DataType.VARCHAR, max_length=TEXT_BYTES, enable_analyzer=True)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(Function(name=f"{kind}_bm25", function_type=FunctionType.BM25,
                                 input_field_names=["bm25_text"], output_field_names=["sparse"]))
    index.add_index("dense", index_type="FLAT", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    return schema, index


PASSAGE_FIELDS = ("id", "doc", "seq", "paragraph", "start", "end", "page", "kind", "section", "sentences", "text",
                  "dense")
BM25_SEARCH = {"metric_type": "BM25", "params": {"drop_ratio_search": 0}}  # Lite wants 0


def _chunk_fields(r: dict) -> dict:
    return {"doc": r["doc"], "paragraph": r["paragraph"], "start": r["start"], "end": r["end"], "text": r["text"],
            "kind": r["kind"], "section": json.loads(r["section"]), "page": None if r["page"] < 0 else r["page"],
            "sentences": json.loads(r["sentences"])}


def _matrix(vectors: list, dimension: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.asarray(vectors, dtype=np.float32).reshape(len(vectors), dimension)


def _rows(hits, ids: np.ndarray, magnitude: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the last read for a search's hits, with their scores (hits of rows written since
    the read are left out). Milvus Lite gives BM25 as a negative distance: rank by order, score
    by magnitude."""
    found = np.array([int(h["id"]) for h in hits], dtype=np.int64)
    scores = np.array([float(h["distance"]) for h in hits], dtype=np.float32)
    if magnitude:
        scores = np.abs(scores)
    rows = np.searchsorted(ids, found)
    ok = (rows < len(ids)) & (ids[np.minimum(rows, len(ids) - 1)] == found) if len(ids) else np.zeros(0, bool)
    return rows[ok].astype(np.int64), scores[ok]


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
