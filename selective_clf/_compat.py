"""Every private scikit-learn name this package uses, imported in one place.

scikit-learn's private helpers can move between releases. Importing them only
here keeps the blast radius of such a move to this file.
"""

from sklearn.base import _fit_context

# ``_BaseScorer`` gives our scorers what sklearn's own scorers have: metadata
# routing (``set_score_request``), sample_weight forwarding in cross_validate /
# GridSearchCV, and the shared predict cache of multi-metric scoring.
from sklearn.metrics._scorer import _BaseScorer
from sklearn.utils import _safe_indexing

# ``validate_params`` and its constraints: what every sklearn.metrics function uses.
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    RealNotInt,
    StrOptions,
    validate_params,
)
from sklearn.utils.metadata_routing import _routing_enabled

# Named sub-estimators with nested get_params/set_params, as in VotingClassifier.
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    _estimator_has,
    _num_samples,
)

__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "RealNotInt",
    "StrOptions",
    "_BaseComposition",
    "_BaseScorer",
    "_check_method_params",
    "_check_sample_weight",
    "_estimator_has",
    "_fit_context",
    "_num_samples",
    "_routing_enabled",
    "_safe_indexing",
    "validate_params",
]
