"""Metrics and scorers for classifiers with a reject option."""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

from ._curve import (
    augrc_score,
    aurc_score,
    coverage_at_risk,
    e_aurc_score,
    risk_at_coverage,
    risk_coverage_curve,
    worst_group_aurc_score,
)
from ._guarantee import selective_risk_upper_bound
from ._report import selective_classification_report
from ._scorer import (
    coverage_scorer,
    make_selective_scorer,
    neg_rejection_cost_scorer,
    neg_selective_risk_scorer,
    selective_accuracy_scorer,
)
from ._scores import (
    coverage_score,
    rejection_cost_loss,
    selective_accuracy_score,
    selective_risk_score,
)

__all__ = [
    "augrc_score",
    "aurc_score",
    "coverage_at_risk",
    "coverage_score",
    "coverage_scorer",
    "e_aurc_score",
    "make_selective_scorer",
    "neg_rejection_cost_scorer",
    "neg_selective_risk_scorer",
    "rejection_cost_loss",
    "risk_at_coverage",
    "risk_coverage_curve",
    "selective_accuracy_score",
    "selective_accuracy_scorer",
    "selective_classification_report",
    "selective_risk_score",
    "selective_risk_upper_bound",
    "worst_group_aurc_score",
]
