"""Tests of selective_clf._counting: counts on a fixed grid that merge."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from selective_clf._counting import grid_counts, merge_grid_counts

values = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7, 0.9, 1.0, np.nan, -1.0])
rows = st.lists(
    st.tuples(values, st.booleans(), st.integers(0, 2)), min_size=0, max_size=40
)
grids = st.lists(
    st.sampled_from([-np.inf, 0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0, np.inf]),
    min_size=1,
    max_size=6,
    unique=True,
)


def _unpack(data):
    confidence = np.array([c for c, _, _ in data], dtype=np.float64)
    errors = np.array([e for _, e, _ in data], dtype=bool)
    classes = np.array([k for _, _, k in data], dtype=np.intp)
    return confidence, errors, classes


@given(data=rows, grid=grids)
@settings(max_examples=100, deadline=None)
def test_grid_counts_match_brute_force(data, grid):
    """Counts per class and threshold equal a plain loop (NaN never accepted)."""
    confidence, errors, classes = _unpack(data)
    grid = np.sort(np.array(grid))
    counts = grid_counts(confidence, errors, grid, classes, n_classes=3)
    for k in range(3):
        mine = classes == k
        for j, t in enumerate(grid):
            accepted = mine & (confidence >= t)  # NaN >= t is False
            assert counts.accepted[k, j] == accepted.sum()
            assert counts.errors[k, j] == (accepted & errors).sum()
        assert counts.n_total[k] == mine.sum()
        assert counts.n_finite[k] == (mine & ~np.isnan(confidence)).sum()


@given(data=rows, grid=grids, cut=st.integers(0, 40))
@settings(max_examples=100, deadline=None)
def test_grid_counts_merge_by_addition(data, grid, cut):
    """The counts of two parts of the rows sum to the counts of all of them."""
    confidence, errors, classes = _unpack(data)
    grid = np.sort(np.array(grid))
    whole = grid_counts(confidence, errors, grid, classes, n_classes=3)
    parts = [
        grid_counts(confidence[s], errors[s], grid, classes[s], n_classes=3)
        for s in (slice(None, cut), slice(cut, None))
    ]
    merged = merge_grid_counts(*parts)
    assert merged.keys() == whole.keys()
    for key in whole:
        np.testing.assert_array_equal(merged[key], whole[key])
        assert merged[key].dtype == np.int64


def test_grid_counts_one_class_by_default():
    """Without classes, one row of counts for all samples."""
    counts = grid_counts(
        np.array([0.2, 0.8, 0.8]), np.array([1, 0, 1], bool), np.array([0.5, 0.8])
    )
    assert counts.accepted.tolist() == [[2, 2]]
    assert counts.errors.tolist() == [[1, 1]]
    assert counts.n_total.tolist() == [3]
