"""Confidence scores: how sure a classifier is about its top class.

Every score here maps a response matrix ``R`` of shape ``(n_samples,
n_classes)`` to one number per sample, higher meaning more confident. ``R`` is
either ``predict_proba`` or ``decision_function`` of the wrapped estimator; a
binary ``decision_function`` of shape ``(n_samples,)`` with score ``s`` is first
written as the two columns ``(-s, s)``, so that ``argmax`` gives the class
scikit-learn would predict and ``max`` is ``|s|``, the distance to the decision
boundary in the score's own units.
"""

import numpy as np
from scipy.special import entr


def max_proba(response):
    """Top response value: the top probability, or the top decision score."""
    return response.max(axis=1)


def margin(response):
    """Top-1 minus top-2 response value."""
    if response.shape[1] < 2:
        return np.ones(response.shape[0])
    top_two = np.partition(response, response.shape[1] - 2, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def entropy(response):
    """One minus the Shannon entropy normalised by ``log(n_classes)``.

    1 for a one-hot probability vector, 0 for the uniform one.
    """
    n_classes = response.shape[1]
    if n_classes < 2:
        return np.ones(response.shape[0])
    # C order whatever the input's layout: a sum over F-ordered rows adds in
    # another order and can differ in the last bit, which would flip decisions
    # exactly at the threshold.
    proba = np.clip(np.ascontiguousarray(response), 0.0, 1.0)
    return 1.0 - entr(proba).sum(axis=1) / np.log(n_classes)


CONFIDENCE_FUNCTIONS = {
    "max_proba": max_proba,
    "margin": margin,
    "entropy": entropy,
}

# Scores that live on [0, 1] when computed from probabilities, so that a
# threshold outside [0, 1] is certainly a mistake.
PROBABILITY_SCALED = frozenset(CONFIDENCE_FUNCTIONS)


def confidence_from_response(response, confidence, *, response_method, top=None):
    """Compute the per-sample confidence from a response matrix.

    Parameters
    ----------
    response : ndarray of shape (n_samples, n_classes)
        Output of :func:`response_matrix`.

    confidence : str or callable
        A name from ``CONFIDENCE_FUNCTIONS`` or ``f(response) -> scores``.

    response_method : {"predict_proba", "decision_function"}
        Which method produced ``response`` (entropy needs probabilities).

    top : ndarray of shape (n_samples,), default=None
        The top response of each row if already known (from
        :func:`selective_clf._decision.top_class`), reused by ``"max_proba"``.

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        The confidence of each sample, higher meaning more confident. NaN
        where the response is NaN (or where a callable says so): the reject
        rule (:mod:`selective_clf._decision`) always rejects those samples.
    """
    if callable(confidence):
        scores = np.asarray(confidence(response), dtype=np.float64)
        if scores.shape != (response.shape[0],):
            raise ValueError(
                "The confidence callable must return one score per sample, an "
                f"array of shape ({response.shape[0]},); got shape {scores.shape}."
            )
        return scores
    if confidence == "entropy" and response_method != "predict_proba":
        raise ValueError(
            "confidence='entropy' needs probabilities, but the estimator only has "
            "decision_function. Use confidence='max_proba' or 'margin' (computed "
            "on the decision scores), or wrap the estimator in "
            "sklearn.calibration.CalibratedClassifierCV to get probabilities."
        )
    if confidence == "max_proba" and top is not None:
        return top
    return CONFIDENCE_FUNCTIONS[confidence](response)
