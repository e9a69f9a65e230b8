"""Text/dict report of a selective classifier's predictions."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_consistent_length

# ``validate_params`` and its constraint classes are not exported publicly by
# scikit-learn; every ``sklearn.metrics`` function uses them.
from .._compat import Interval, _num_samples, validate_params
from .._decision import REJECTION_REASONS
from .._groups import encode_groups, group_label
from .._validation import (
    check_label_kinds,
    check_labels_1d,
    check_not_empty,
    check_reject_label_not_in_y_true,
    check_sample_weight_1d,
    compute_if_dask,
    equals_label,
)
from ._scores import (
    _REJECT_LABEL_CONSTRAINT,
    _ZERO_DIVISION_CONSTRAINT,
    _needs_reject_label,
)

__all__ = ["selective_classification_report"]

_HEADERS = ["coverage", "precision", "recall", "f1-score", "support"]
_SUMMARY_ROWS = ["coverage", "selective accuracy", "selective risk"]
# Rows of the rejections broken down by reason, keyed by the reason.
_REASON_ROWS = {
    "low_confidence": "rejected: low confidence",
    "novelty": "rejected: novelty",
}


def _divide(numerator, denominator, zero_division, metric, labels_text, warn_list):
    """Element-wise ratio; ``zero_division`` where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    undefined = denominator == 0
    fill = 0.0 if zero_division == "warn" else float(zero_division)
    result = np.full(numerator.shape, fill)
    np.divide(numerator, denominator, out=result, where=~undefined)
    if zero_division == "warn" and undefined.any():
        warn_list.append(
            f"{metric} is ill-defined and being set to 0.0 {labels_text}. Use "
            "the `zero_division` parameter to control this behavior."
        )
    return result


def _rejected_row_name(reject_label):
    """Name of the text report's row of rejected samples: the reject label."""
    return f"{reject_label} (rejected)"


def _check_rejection_reason(rejection_reason, accepted):
    """Return the reasons as an array, checked against the accepted mask."""
    reason = check_labels_1d(rejection_reason, "rejection_reason").astype(str)
    unknown = np.setdiff1d(reason, REJECTION_REASONS)
    if unknown.shape[0]:
        raise ValueError(
            f"rejection_reason contains {unknown[:3].tolist()!r}; each entry must "
            f"be one of {list(REJECTION_REASONS)!r}, as returned by the "
            "classifier's rejection_reason(X)."
        )
    disagree = np.flatnonzero((reason == "accepted") != accepted)
    if disagree.shape[0]:
        i = int(disagree[0])
        raise ValueError(
            f"rejection_reason disagrees with y_pred on {disagree.shape[0]} "
            f"sample(s), e.g. sample {i}: reason {reason[i]!r} but y_pred is "
            f"{'accepted' if accepted[i] else 'rejected'}. Compute both from the "
            "same model and X: y_pred = clf.predict(X), "
            "rejection_reason = clf.rejection_reason(X)."
        )
    return reason


def _format_support(value, digits):
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}"


@_needs_reject_label
@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "reject_label": _REJECT_LABEL_CONSTRAINT,
        "labels": ["array-like", None],
        "target_names": ["array-like", None],
        "sample_weight": ["array-like", None],
        "digits": [Interval(Integral, 0, None, closed="left")],
        "output_dict": ["boolean"],
        "zero_division": _ZERO_DIVISION_CONSTRAINT,
        "y_base": ["array-like", None],
        "rejection_reason": ["array-like", None],
        "sensitive_features": ["array-like", dict, None],
    },
    prefer_skip_nested_validation=True,
)
def selective_classification_report(
    y_true,
    y_pred,
    *,
    reject_label,
    labels=None,
    target_names=None,
    sample_weight=None,
    digits=2,
    output_dict=False,
    zero_division="warn",
    y_base=None,
    rejection_reason=None,
    sensitive_features=None,
):
    """Build a text report of a selective classifier's main metrics.

    Like :func:`sklearn.metrics.classification_report`, with one row per true
    class, plus a row for the rejected samples and summary rows.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Ground truth labels. ``reject_label`` must not appear in it.

    y_pred : array-like of shape (n_samples,)
        Predicted labels, where rejected samples carry ``reject_label``.

    reject_label : int, float, str or None
        Label marking a rejected (abstained) sample in ``y_pred``.

    labels : array-like of shape (n_labels,), default=None
        Labels to include in the report. By default, the sorted union of the
        labels in ``y_true`` and of the accepted predictions.

    target_names : array-like of str of shape (n_labels,), default=None
        Display names matching ``labels`` (same order).

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights; every count becomes a weight sum.

    digits : int, default=2
        Number of digits for formatting floating point values. Ignored when
        ``output_dict`` is True.

    output_dict : bool, default=False
        If True, return the report as a dict.

    zero_division : {"warn", 0.0, 1.0, np.nan}, default="warn"
        Value used for an undefined ratio (e.g. the precision of a class never
        predicted among the accepted samples). ``"warn"`` uses 0.0 and raises
        an :class:`~sklearn.exceptions.UndefinedMetricWarning`.

    y_base : array-like of shape (n_samples,), default=None
        The class each sample was predicted as before rejection (the base
        classifier's prediction, ``clf.estimator_.predict(X)``); it must equal
        ``y_pred`` wherever a sample was accepted. When given, the report adds
        one row per predicted class with its ``coverage`` (the share of the
        samples predicted as it that were accepted), its ``selective risk``
        (the error rate among them) and its ``support`` (the samples
        predicted as it): what a class-wise threshold
        (``SelectiveClassifierCV(classwise=True)``) controls.

    rejection_reason : array-like of str of shape (n_samples,), default=None
        Why each sample was rejected, as returned by
        :meth:`SelectiveClassifier.rejection_reason
        <selective_clf.SelectiveClassifier.rejection_reason>`: ``"accepted"``,
        ``"low_confidence"`` or ``"novelty"``, agreeing with ``y_pred``. If
        given, the rejected samples are also broken down by reason, in the
        rows ``"rejected: low confidence"`` and ``"rejected: novelty"``.

    sensitive_features : array-like of shape (n_samples,) or (n_samples, \
            n_sensitive), DataFrame or dict, default=None
        The group of each sample (several columns: each observed combination
        of their values is a group, as in fairlearn). When given, the report
        adds one row per group with its ``coverage`` (the share of its
        samples accepted), its ``selective risk`` (the error rate among
        them) and its ``support``, the worst group (highest selective risk)
        first; groups with nothing accepted come last.

    Returns
    -------
    report : str or dict
        Text summary, or a dict such as::

            {'cat': {'coverage': 0.75,
                     'precision': 1.0,
                     'recall': 0.67,
                     'f1-score': 0.8,
                     'support': 4},
             'dog': {...},
             'rejected': {'rate': 0.3, 'support': 3},
             'coverage': 0.7,
             'selective accuracy': 0.86,
             'selective risk': 0.14,
             'macro avg': {'coverage': ..., 'precision': ..., 'recall': ...,
                           'f1-score': ..., 'support': 10}}

        For each class: ``coverage`` is the fraction of its samples that were
        accepted; ``precision``, ``recall`` and ``f1-score`` are computed on
        the accepted samples only; ``support`` counts all its samples,
        accepted or not. ``rejected`` gives the number of rejected samples
        and their fraction among all samples; the text report names that
        row after ``reject_label`` and shows only the number (the fraction is
        one minus the coverage row). The summary values are the
        overall coverage, and the accuracy and risk on accepted samples
        (their text-report support is the number of accepted samples).
        ``macro avg`` is the unweighted mean over the reported classes.
        With ``y_base``, ``'by predicted class'`` maps each class to its
        ``coverage``, ``selective risk`` and ``support`` among the samples
        predicted as it.

        With ``sensitive_features``, ``'by group'`` maps each group (its
        value, or its values joined by ``", "``), worst first, to its
        ``coverage``, ``selective risk`` and ``support``.

        With ``rejection_reason``, ``rejected: low confidence`` and
        ``rejected: novelty`` give the number and the fraction of the samples
        rejected for each reason (they sum to ``rejected``).

    See Also
    --------
    sklearn.metrics.classification_report : The report without rejection.
    coverage_score : Fraction of accepted samples.
    selective_accuracy_score : Accuracy on the accepted samples.

    Examples
    --------
    >>> from selective_clf.metrics import selective_classification_report
    >>> y_true = ["cat", "cat", "cat", "dog", "dog", "dog"]
    >>> y_pred = ["cat", "cat", "?", "dog", "cat", "?"]
    >>> print(selective_classification_report(y_true, y_pred, reject_label="?"))
                        coverage precision    recall  f1-score   support
    <BLANKLINE>
                   cat      0.67      0.67      1.00      0.80         3
                   dog      0.67      1.00      0.50      0.67         3
    <BLANKLINE>
          ? (rejected)                                               2
    <BLANKLINE>
              coverage                                  0.67         6
    selective accuracy                                  0.75         4
        selective risk                                  0.25         4
             macro avg      0.67      0.83      0.75      0.73         6
    <BLANKLINE>

    Per group, the worst first:

    >>> groups = ["F", "M", "F", "M", "M", "F"]
    >>> report = selective_classification_report(
    ...     y_true, y_pred, reject_label="?", sensitive_features=groups,
    ...     output_dict=True,
    ... )
    >>> for group, row in report["by group"].items():
    ...     print(group, round(row["coverage"], 2), round(row["selective risk"], 2))
    M 1.0 0.33
    F 0.33 0.0
    """
    y_true, y_pred, sample_weight, rejection_reason, y_base = compute_if_dask(
        y_true, y_pred, sample_weight, rejection_reason, y_base
    )
    check_consistent_length(y_true, y_pred, sample_weight, rejection_reason)
    if sensitive_features is not None:
        encoded = encode_groups(sensitive_features, _num_samples(y_true))
    y_true = check_labels_1d(y_true, "y_true")
    y_pred = check_labels_1d(y_pred, "y_pred")
    n_samples = y_true.shape[0]
    check_not_empty(n_samples)
    sample_weight = check_sample_weight_1d(sample_weight, n_samples)
    check_reject_label_not_in_y_true(y_true, reject_label)
    weight = np.ones(n_samples) if sample_weight is None else sample_weight

    accepted = ~equals_label(y_pred, reject_label)
    check_label_kinds(y_true, y_pred[accepted])
    if rejection_reason is not None:
        reason = _check_rejection_reason(rejection_reason, accepted)
    if labels is None:
        if accepted.any():
            labels = unique_labels(y_true, y_pred[accepted])
        else:
            labels = unique_labels(y_true)
    else:
        labels = np.asarray(labels)
        if labels.ndim != 1 or labels.shape[0] == 0:
            raise ValueError("labels must be a non-empty 1d array-like.")
        if equals_label(labels, reject_label).any():
            raise ValueError(
                f"labels contains reject_label={reject_label!r}; the rejected "
                "samples are reported in their own row."
            )
    if target_names is None:
        target_names = [str(label) for label in labels]
    else:
        target_names = [str(name) for name in target_names]
        if len(target_names) != len(labels):
            raise ValueError(
                f"target_names has {len(target_names)} names but there are "
                f"{len(labels)} labels; pass one name per label (and `labels` "
                "to fix their order)."
            )

    correct = accepted & (np.asarray(np.equal(y_true, y_pred), dtype=bool))
    support, accepted_true, predicted, true_positive = (
        np.empty(len(labels)) for _ in range(4)
    )
    for i, label in enumerate(labels):
        is_true = equals_label(y_true, label)
        is_predicted = equals_label(y_pred, label) & accepted
        support[i] = weight[is_true].sum()
        accepted_true[i] = weight[is_true & accepted].sum()
        predicted[i] = weight[is_predicted].sum()
        true_positive[i] = weight[is_true & is_predicted].sum()

    messages = []
    coverage = _divide(
        accepted_true,
        support,
        zero_division,
        "Coverage",
        "in labels with no true samples",
        messages,
    )
    precision = _divide(
        true_positive,
        predicted,
        zero_division,
        "Precision",
        "in labels with no accepted predicted samples",
        messages,
    )
    recall = _divide(
        true_positive,
        accepted_true,
        zero_division,
        "Recall",
        "in labels with no accepted true samples",
        messages,
    )
    f1 = _divide(
        2 * true_positive,
        predicted + accepted_true,
        zero_division,
        "F-score",
        "in labels with no accepted true nor predicted samples",
        messages,
    )
    total = float(weight.sum())
    n_accepted = float(weight[accepted].sum())
    n_rejected = float(weight[~accepted].sum())
    selective_accuracy = _divide(
        weight[correct].sum(),
        n_accepted,
        zero_division,
        "Selective accuracy",
        "because no sample was accepted",
        messages,
    )
    selective_risk = _divide(
        n_accepted - weight[correct].sum(),
        n_accepted,
        zero_division,
        "Selective risk",
        "because no sample was accepted",
        messages,
    )
    by_predicted = None
    if y_base is not None:
        by_predicted = _by_predicted_class(
            y_true, y_pred, y_base, accepted, weight, labels, zero_division, messages
        )
    by_group, group_title = None, ""
    if sensitive_features is not None:
        by_group = _by_group(encoded, y_true, y_pred, accepted, weight)
        named = [n for n in encoded.names if not n.startswith("sensitive_feature_")]
        group_title = ", ".join(named) if named else "group"
    for message in messages:
        warnings.warn(message, UndefinedMetricWarning, stacklevel=2)

    def _count(value):
        return int(value) if sample_weight is None else float(value)

    report = {}
    for i, name in enumerate(target_names):
        report[name] = {
            "coverage": float(coverage[i]),
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1-score": float(f1[i]),
            "support": _count(support[i]),
        }
    report["rejected"] = {
        "rate": n_rejected / total,
        "support": _count(n_rejected),
    }
    reason_counts = {}
    if rejection_reason is not None:
        for key, row in _REASON_ROWS.items():
            reason_counts[row] = float(weight[reason == key].sum())
            report[row] = {
                "rate": reason_counts[row] / total,
                "support": _count(reason_counts[row]),
            }
    report["coverage"] = n_accepted / total
    report["selective accuracy"] = float(selective_accuracy)
    report["selective risk"] = float(selective_risk)
    report["macro avg"] = {
        "coverage": float(np.mean(coverage)),
        "precision": float(np.mean(precision)),
        "recall": float(np.mean(recall)),
        "f1-score": float(np.mean(f1)),
        "support": _count(total),
    }
    if by_predicted is not None:
        report["by predicted class"] = {
            name: {
                "coverage": float(by_predicted[0][i]),
                "selective risk": float(by_predicted[1][i]),
                "support": _count(by_predicted[2][i]),
            }
            for i, name in enumerate(target_names)
        }
    if by_group is not None:
        report["by group"] = {
            name: {
                "coverage": coverage_g,
                "selective risk": risk_g,
                "support": _count(support_g),
            }
            for name, coverage_g, risk_g, support_g in by_group
        }
    if output_dict:
        return report

    width = max(
        max(len(name) for name in target_names),
        len(_rejected_row_name(reject_label)),
        *map(len, _SUMMARY_ROWS),
        *map(len, reason_counts),
        *(len(row[0]) for row in by_group or ()),
        len(group_title),
    )
    head_fmt = "{:>{width}s} " + " {:>9}" * len(_HEADERS)
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 4 + " {:>9}\n"
    # Single values go in the f1-score column, as sklearn's accuracy row.
    summary_fmt = "{:>{width}s} " + " {:>9}" * 3 + " {:>9.{digits}f} {:>9}\n"

    def _row(name, values):
        return row_fmt.format(
            name,
            values["coverage"],
            values["precision"],
            values["recall"],
            values["f1-score"],
            _format_support(values["support"], digits),
            width=width,
            digits=digits,
        )

    def _summary(name, value, count):
        return summary_fmt.format(
            name,
            "",
            "",
            "",
            value,
            _format_support(count, digits),
            width=width,
            digits=digits,
        )

    text = head_fmt.format("", *_HEADERS, width=width) + "\n\n"
    for name in target_names:
        text += _row(name, report[name])
    # The rejected samples: a count, in the support column only (their rate is
    # one minus the coverage below); the row is named by the reject label.
    count_fmt = summary_fmt.replace(" {:>9.{digits}f}", " {:>9}")

    def _count_row(name, count):
        return count_fmt.format(
            name, "", "", "", "", _format_support(count, digits), width=width
        )

    text += "\n" + _count_row(_rejected_row_name(reject_label), n_rejected)
    for name, count in reason_counts.items():
        text += _count_row(name, count)
    text += "\n"
    text += _summary("coverage", n_accepted / total, total)
    text += _summary("selective accuracy", float(selective_accuracy), n_accepted)
    text += _summary("selective risk", float(selective_risk), n_accepted)
    text += _row("macro avg", report["macro avg"])
    if by_predicted is not None:
        text += _breakdown(
            "predicted as", report["by predicted class"], width=width, digits=digits
        )
    if by_group is not None:
        text += _breakdown(group_title, report["by group"], width=width, digits=digits)
    return text


def _breakdown(title, rows, *, width, digits):
    """Coverage, selective risk and support of each row, under ``title``."""
    line = "{:>{width}s} " + " {:>9}" * 3 + "\n"
    text = "\n" + line.format(title, "coverage", "sel. risk", "support", width=width)
    text += "\n"
    for name, values in rows.items():
        text += line.format(
            name,
            f"{values['coverage']:.{digits}f}",
            f"{values['selective risk']:.{digits}f}",
            _format_support(values["support"], digits),
            width=width,
        )
    return text


def _by_group(encoded, y_true, y_pred, accepted, weight):
    """Rows ``(name, coverage, selective risk, support)``, worst group first.

    Sorted by selective risk, highest first, then by coverage, lowest first;
    a group with nothing accepted (risk NaN) comes last.
    """
    n_groups = encoded.groups.shape[0]
    wrong = accepted & ~np.asarray(np.equal(y_true, y_pred), dtype=bool)
    support = np.bincount(encoded.index, weights=weight, minlength=n_groups)
    n_accepted = np.bincount(
        encoded.index, weights=weight * accepted, minlength=n_groups
    )
    n_wrong = np.bincount(encoded.index, weights=weight * wrong, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(support > 0, n_accepted / support, np.nan)
        risk = np.where(n_accepted > 0, n_wrong / n_accepted, np.nan)
    order = np.lexsort((coverage, -np.nan_to_num(risk, nan=-1.0)))
    return [
        (
            group_label(encoded.groups[g]),
            float(coverage[g]),
            float(risk[g]),
            support[g],
        )
        for g in order
    ]


def _by_predicted_class(
    y_true, y_pred, y_base, accepted, weight, labels, zero_division, messages
):
    """Coverage, selective risk and support of each class as predicted."""
    y_base = check_labels_1d(y_base, "y_base")
    if y_base.shape[0] != y_true.shape[0]:
        raise ValueError(
            f"y_base has {y_base.shape[0]} labels but y_true has "
            f"{y_true.shape[0]}; pass the base prediction of every sample."
        )
    disagree = accepted & ~np.asarray(np.equal(y_base, y_pred), dtype=bool)
    if disagree.any():
        i = int(np.flatnonzero(disagree)[0])
        raise ValueError(
            f"y_base must equal y_pred wherever a sample is accepted; sample {i} "
            f"has y_pred={y_pred[i]!r} but y_base={y_base[i]!r}. Pass the "
            "prediction before rejection (e.g. clf.estimator_.predict(X))."
        )
    wrong = ~np.asarray(np.equal(y_true, y_base), dtype=bool)
    support, n_accepted, n_wrong = (np.empty(len(labels)) for _ in range(3))
    for i, label in enumerate(labels):
        as_label = equals_label(y_base, label)
        support[i] = weight[as_label].sum()
        n_accepted[i] = weight[as_label & accepted].sum()
        n_wrong[i] = weight[as_label & accepted & wrong].sum()
    coverage = _divide(
        n_accepted,
        support,
        zero_division,
        "Coverage by predicted class",
        "in labels never predicted",
        messages,
    )
    risk = _divide(
        n_wrong,
        n_accepted,
        zero_division,
        "Selective risk by predicted class",
        "in labels with no accepted predicted samples",
        messages,
    )
    return coverage, risk, support
