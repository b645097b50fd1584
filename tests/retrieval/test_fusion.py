"""Score fusion, checked against sums worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from retrieval.search.fusion import weighted_zscore_sum, zscore


def test_zscore_by_hand():
    # mean 2, population std sqrt(2/3)
    got = zscore(np.array([1.0, 2.0, 3.0]))
    s = (2 / 3) ** 0.5
    assert got == pytest.approx([-1 / s, 0.0, 1 / s])


def test_a_signal_that_cannot_tell_the_candidates_apart_adds_nothing():
    assert zscore(np.array([0.7, 0.7, 0.7])).tolist() == [0.0, 0.0, 0.0]


def test_weighted_sum_by_hand():
    dense = np.array([0.2, 0.4, 0.6])  # z: -1.2247, 0, 1.2247
    bm25 = np.array([3.0, 0.0, 0.0])  # z: 1.4142, -0.7071, -0.7071
    got = weighted_zscore_sum([dense, bm25], [2.0, 1.0])
    assert got == pytest.approx([2 * -1.224745 + 1.414214, 0 - 0.707107, 2 * 1.224745 - 0.707107], abs=1e-5)
    # A zero weight leaves its signal out entirely.
    assert weighted_zscore_sum([dense, bm25], [1.0, 0.0]) == pytest.approx(zscore(dense))


def test_weights_and_signals_must_pair_up():
    with pytest.raises(ValueError):
        weighted_zscore_sum([np.zeros(3)], [1.0, 2.0])
