"""Score fusion: each signal z-scored over the candidates, then summed with its weight.

Score fusion keeps each ranker's confidence (a passage far ahead on BM25 stays far ahead), which
rank fusion (RRF) throws away; eval/README.md has the comparison. One function per step, as ranx
keeps one normaliser per file, so each can be checked by hand (tests/retrieval/test_fusion.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def zscore(x: np.ndarray) -> np.ndarray:
    """(x - mean) / std over the candidates; all zeros when every candidate scores the same
    (a signal that cannot tell them apart must not move the sum)."""
    x = np.asarray(x, dtype=np.float64)
    std = float(x.std())
    if std < 1e-9:
        return np.zeros_like(x)
    return (x - float(x.mean())) / std


def weighted_zscore_sum(columns: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Σ weight_i · zscore(column_i): the hybrid score of each candidate."""
    if len(columns) != len(weights):
        raise ValueError(f"{len(columns)} signals but {len(weights)} weights")
    total = np.zeros(len(columns[0]) if len(columns) else 0, dtype=np.float64)
    for weight, column in zip(weights, columns):
        if weight:
            total += weight * zscore(column)
    return total
