"""The passages nearest a question's vector: FAISS over the index's passage vectors.

Exact below a size (a flat inner-product index of every live passage, FAISS's own copy of them).
A large library's first part (the index folder itself, written with APPROXIMATE_FROM passages or
more: folder.py) has an inverted-file index as well (IVF: its passages filed under about √n
centroids); there, a question probes the NPROBE lists nearest it, read from the memory-mapped file
(nothing is copied at open), and only the segments added since are held flat. Their candidates
are merged by score. retriever.py then scores every candidate exactly from the passage vectors, so
what is approximate is only which passages are candidates, never a score.
"""

from __future__ import annotations

import numpy as np

from retrieval.index import vector_rows
from retrieval.index.folder import IndexData

# Lists probed per question: at a million passages (1,000 lists) about 6% of them. The recall it
# keeps is printed by `cited bench --scale` (dense_recall_at_10; docs/speed-and-scale.md).
NPROBE = 64


class DenseIndex:
    def __init__(self, index: IndexData, approximate: bool, empty: bool = False) -> None:
        """The index's live passages (`empty`: none, when another store searches), searched through
        the first part's IVF if `approximate` and it has one."""
        import faiss

        # One thread per search: a single question's flat search is no faster on two threads here
        # (slower beside onnxruntime's), and a server's concurrent questions use the other core.
        faiss.omp_set_num_threads(1)
        self.flat = faiss.IndexFlatIP(index.dimension)
        base = index.parts[0] if index.parts else None
        self.approximate = base.approximate if approximate and base is not None and not empty else None
        arrays = [] if empty else vector_rows.parts(index.chunk_vectors)
        if self.approximate is not None:
            self.approximate.nprobe = NPROBE
            self.offset = base.live()[1]  # live rows of the first part come first
            self.base_rows = base.chunk_rows  # the stored rows that are live (None: all)
            self.dead = base.chunks - self.offset
            arrays = arrays[1:]  # the first part is the IVF's
        for part in arrays:  # one part at a time: no joined copy
            if len(part):
                self.flat.add(part)
        if arrays:
            vector_rows.release(index.chunk_vectors)  # FAISS holds its copy; the files' pages can go

    def search(self, vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The rows (of the index's live chunks) of the k nearest passages, and their scores."""
        query = vector.reshape(1, -1)
        rows, scores = self._found(*self.flat.search(query, k)) if self.flat.ntotal else _none()
        if self.approximate is None:
            return rows, scores
        # Asked for k more than its dead rows, so that k live ones are left once those are dropped.
        ids, near = self._found(*self.approximate.search(query, min(k + self.dead, self.approximate.ntotal)))
        if self.base_rows is not None:  # stored rows → live rows; dead ones dropped
            at = np.minimum(np.searchsorted(self.base_rows, ids), len(self.base_rows) - 1)
            live = self.base_rows[at] == ids if len(self.base_rows) else np.zeros(len(ids), dtype=bool)
            ids, near = at[live], near[live]
        rows, scores = np.concatenate([ids, rows + self.offset]), np.concatenate([near, scores])
        order = np.argsort(-scores, kind="stable")[:k]
        return rows[order], scores[order]

    @staticmethod
    def _found(scores: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        found = ids[0] >= 0
        return ids[0][found].astype(np.int64), scores[0][found]


def _none() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
