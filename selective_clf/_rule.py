"""The reject rule itself: accept iff ``confidence >= threshold``; NaN never.

The one comparison every decision and every count goes through, on the
lowest floor so that :mod:`._counting` (which counts accepted rows) and
:mod:`._decision` (which decides them) apply the same rule. Everything else
about deciding (responses, labels at ties, novelty, unwrapping) is in
:mod:`._decision`.
"""

import numpy as np


def acceptable(confidence):
    """Apply the NaN policy: where a confidence can be accepted at all.

    A NaN confidence is rejected at every threshold (``NaN >= t`` is False,
    as in :func:`rejected_mask`), yet the sample still counts among those
    decided on: in coverage it is a rejection. Counting code drops these
    rows from the accepted counts and keeps them in the total.

    Parameters
    ----------
    confidence : ndarray of float of shape (n_samples,)

    Returns
    -------
    acceptable : ndarray of bool of shape (n_samples,)
        False exactly where the confidence is NaN.
    """
    return ~np.isnan(confidence)


def rejected_mask(confidence, thresholds, class_index):
    """Where samples are rejected: confidence below their class's threshold.

    Parameters
    ----------
    confidence : ndarray of shape (n_samples,)
        Confidences; NaN is always rejected.

    thresholds : ndarray of shape (n_classes,) or None
        One threshold per class; None never rejects.

    class_index : ndarray of shape (n_samples,)
        The decided class of each sample.

    Returns
    -------
    rejected : ndarray of bool of shape (n_samples,)
    """
    if thresholds is None:
        return np.zeros(confidence.shape[0], dtype=bool)
    if np.all(thresholds == thresholds[0]):  # one threshold for all classes
        accepted = confidence >= thresholds[0]
    else:
        accepted = confidence >= thresholds[class_index]
    return ~accepted
