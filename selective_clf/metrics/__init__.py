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
    "e_aurc_score",
    "rejection_cost_loss",
    "risk_at_coverage",
    "risk_coverage_curve",
    "selective_accuracy_score",
    "selective_risk_score",
]
