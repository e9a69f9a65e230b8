"""Let any scikit-learn classifier say "I don't know".

``selective_clf`` adds a reject option to scikit-learn classifiers, tunes the
reject threshold (with finite-sample guarantees where asked), and measures
what abstaining buys with selective-classification metrics.
"""

from ._cascade import SelectiveCascade
from ._cascade_cv import SelectiveCascadeCV
from ._certificate import Certificate
from ._classifier import SelectiveClassifier
from ._keras import KerasProbaClassifier
from ._plot import RiskCoverageDisplay
from ._tuning import SelectiveClassifierCV
from ._version import __version__
from .exceptions import GuaranteeWarning, InfeasibleTargetError

__all__ = [
    "Certificate",
    "GuaranteeWarning",
    "InfeasibleTargetError",
    "KerasProbaClassifier",
    "RiskCoverageDisplay",
    "SelectiveCascade",
    "SelectiveCascadeCV",
    "SelectiveClassifier",
    "SelectiveClassifierCV",
    "__version__",
]
