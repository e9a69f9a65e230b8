"""Sensitive features: from the user's columns to one group per row.

``sensitive_features`` follows fairlearn's convention: a 1-D array-like (a
list, an array, a pandas Series) gives one group per distinct value; a 2-D
array or a DataFrame with several columns gives one group per observed
combination of their values (``("F", "white")``...). :func:`encode_groups`
turns either into the sorted group labels and the index of each row's group,
the key by which the group-wise paths split their counts.
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import Bunch

__all__ = ["encode_groups", "group_label", "index_of_groups"]


def _column(values):
    """Return a 1-D column: its own dtype when numeric or text, else objects."""
    column = np.asarray(values)
    if column.dtype.kind not in "biufUS":
        column = np.asarray(values, dtype=object)
    return column


def _columns(sensitive_features):
    """Return the columns (1-D arrays) and their names."""
    if hasattr(sensitive_features, "columns") and hasattr(sensitive_features, "iloc"):
        names = [str(name) for name in sensitive_features.columns]
        columns = [_column(sensitive_features.iloc[:, j]) for j in range(len(names))]
        return columns, names
    if isinstance(sensitive_features, dict):
        names = [str(name) for name in sensitive_features]
        return [_column(v) for v in sensitive_features.values()], names
    name = getattr(sensitive_features, "name", None)
    values = np.asarray(sensitive_features)
    if values.ndim == 1:
        return [_column(sensitive_features)], [
            "sensitive_feature_0" if name is None else str(name)
        ]
    values = np.asarray(sensitive_features, dtype=object)
    if values.ndim == 1:
        return [values], ["sensitive_feature_0" if name is None else str(name)]
    if values.ndim == 2:
        names = [f"sensitive_feature_{j}" for j in range(values.shape[1])]
        return [values[:, j] for j in range(values.shape[1])], names
    raise ValueError(
        "sensitive_features must be 1-D (one group label per row) or 2-D (one "
        f"column per sensitive feature); got an array of shape {values.shape}."
    )


def _is_missing(value):
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA raise or compare unequal
    except (TypeError, ValueError):
        return True


def encode_groups(sensitive_features, n_samples):
    """Encode sensitive features into one group per row.

    Parameters
    ----------
    sensitive_features : array-like of shape (n_samples,) or (n_samples, \
            n_features), DataFrame or dict of array-like
        The group label of each row, or several columns whose observed
        combinations are the groups.
    n_samples : int
        The number of rows the features must have.

    Returns
    -------
    encoded : Bunch
        ``groups`` (ndarray of shape (n_groups,): the sorted labels of one
        column, or the sorted tuples of several), ``index`` (ndarray of int of
        shape (n_samples,): each row's position in ``groups``) and ``names``
        (the column names; ``sensitive_feature_<j>`` when the input has none).

    Examples
    --------
    >>> from selective_clf._groups import encode_groups
    >>> encoded = encode_groups([["F", "a"], ["M", "b"], ["F", "a"]], 3)
    >>> encoded.groups.tolist(), encoded.index.tolist()
    ([('F', 'a'), ('M', 'b')], [0, 1, 0])
    """
    if sensitive_features is None:
        raise ValueError("sensitive_features is None; give one group label per row.")
    columns, names = _columns(sensitive_features)
    if not columns:
        raise ValueError("sensitive_features has no column.")
    for name, column in zip(names, columns, strict=True):
        if column.shape[0] != n_samples:
            raise ValueError(
                f"sensitive_features has {column.shape[0]} rows but the data has "
                f"{n_samples} samples: give one group label per row."
            )
        if column.dtype.kind == "f":
            missing = np.flatnonzero(np.isnan(column))
        elif column.dtype.kind == "O":
            missing = np.flatnonzero([_is_missing(v) for v in column])
        else:  # integers, booleans and text have no missing value
            missing = np.array([], dtype=int)
        if missing.size:
            raise ValueError(
                f"sensitive_features ({name!r}) is missing at {missing.size} "
                f"row(s), e.g. row {int(missing[0])}: every row needs a group. "
                "Give the missing ones a category of their own (e.g. "
                "'unknown'), so that they are certified as a group too."
            )
    codes, labels = [], []
    for column in columns:
        try:
            values, code = np.unique(column, return_inverse=True)
        except TypeError:  # mixed kinds (1 and "1"): order by their text
            text = np.array([f"{type(v).__name__}:{v!r}" for v in column])
            _, first, code = np.unique(text, return_index=True, return_inverse=True)
            values = column[first]
        codes.append(code.ravel())
        labels.append(values)
    if len(columns) == 1:
        return Bunch(groups=labels[0], index=codes[0].astype(np.intp), names=names)
    combined = np.stack(codes, axis=1)
    observed, index = np.unique(combined, axis=0, return_inverse=True)
    groups = np.empty(observed.shape[0], dtype=object)
    groups[:] = [
        tuple(_plain(labels[j][c]) for j, c in enumerate(row))
        for row in observed.tolist()
    ]
    return Bunch(groups=groups, index=index.ravel().astype(np.intp), names=names)


def _plain(value):
    """Return a numpy scalar as the Python value it holds (readable tuples)."""
    return value.item() if isinstance(value, np.generic) else value


def index_of_groups(index, n_groups):
    """Row indices of each group, in the order of the groups."""
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(n_groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(n_groups)]


def group_label(group):
    """Return a group as text: its value, or its values joined by commas."""
    if isinstance(group, tuple):
        return ", ".join(str(v) for v in group)
    return str(group)
