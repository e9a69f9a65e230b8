"""Watch a deployed selective classifier and certify it again.

:class:`RiskMonitor` raises an anytime-valid alarm when the selective risk of
the accepted decisions exceeds its target (labels needed);
:class:`AcceptanceMonitor` when the share of accepted rows leaves the range
the calibration measured (no labels needed); :func:`recertify` certifies the
threshold of the deployed model again on fresh labelled rows. See the user
guide, :ref:`monitoring`.
"""

# Authors: The selective_clf developers
# SPDX-License-Identifier: BSD-3-Clause

from ._monitors import AcceptanceMonitor, RiskMonitor
from ._recertify import recertify

__all__ = ["AcceptanceMonitor", "RiskMonitor", "recertify"]
