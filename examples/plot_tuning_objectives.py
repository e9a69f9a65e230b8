"""
Tuning the threshold: cost, coverage or guaranteed risk
=======================================================

:class:`~selective_clf.SelectiveClassifierCV` chooses the reject threshold
from out-of-fold predictions, for one of several objectives. This example
runs them side by side on the digits data set bundled with scikit-learn:

- ``rejection_cost=0.1``: minimise Chow's cost, where an error costs 1 and a
  rejection 0.1;
- ``target_coverage=0.9``: decide 90% of the samples, the most confident
  ones;
- ``target_risk=0.02``: decide as many samples as possible while keeping the
  error rate among them at most 2%, certified with probability 95% by Learn
  then Test (``method="ltt"``, the default) or by Selection with Guaranteed
  Risk (``method="sgr"``).

It shows each operating point on the risk–coverage curve of held-out data,
and a table of threshold, coverage, test risk and certified bound.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf import RiskCoverageDisplay, SelectiveClassifierCV
from selective_clf.metrics import coverage_score, selective_risk_score

# %%
# Data and model
# --------------
#
# 60% of the samples are used for fitting and tuning, 40% are held out to see
# what each tuned classifier does on new data.

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.4, stratify=y, random_state=0
)
model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=1000))

# %%
# Four objectives
# ---------------
#
# The cost and coverage objectives use 5-fold cross-validation and refit the
# model on all training data (the defaults, ``cv=5, refit=True``). The
# guaranteed-risk objectives follow the data protocol their guarantee needs:
# the model is trained on one half of the training data (``cv=0.5``) and
# kept as is (``refit=False``), and the threshold is certified on the other
# half, which that model never saw.

tuned = {
    "rejection_cost=0.1": SelectiveClassifierCV(model, rejection_cost=0.1),
    "target_coverage=0.9": SelectiveClassifierCV(model, target_coverage=0.9),
    "target_risk=0.02, ltt": SelectiveClassifierCV(
        model, target_risk=0.02, delta=0.05, cv=0.5, refit=False, random_state=0
    ),
    "target_risk=0.02, sgr": SelectiveClassifierCV(
        model,
        target_risk=0.02,
        delta=0.05,
        method="sgr",
        cv=0.5,
        refit=False,
        random_state=0,
    ),
}

rows = []
for name, clf in tuned.items():
    clf.fit(X_train, y_train)
    y_pred = clf.predict(X_test)
    rows.append(
        {
            "objective": name,
            "threshold_": clf.threshold_,
            "coverage_ (tuning data)": clf.coverage_,
            "test coverage": coverage_score(y_pred, reject_label=clf.reject_label_),
            "test risk": selective_risk_score(
                y_test, y_pred, reject_label=clf.reject_label_
            ),
            "risk_bound_": getattr(clf, "risk_bound_", np.nan),
        }
    )
table = pd.DataFrame(rows).set_index("objective")
table.round(4)

# %%
# How to read the table:
#
# - ``threshold_`` is the tuned threshold on the top predicted probability.
#   With calibrated probabilities, Chow's rule puts the cost-optimal threshold
#   at ``1 - rejection_cost = 0.9``. This strongly regularised logistic
#   regression (``C=0.1``) is under-confident: where its top probability is
#   about 0.7, it is right about 90% of the time. The tuning works from the
#   errors it observes, not from what the probabilities claim, and finds a
#   lower threshold.
# - ``target_coverage=0.9`` sets the threshold at a conformal quantile of
#   the out-of-fold confidences: on exchangeable data the expected coverage
#   of new samples is at least 0.9 (up to ``1/(n+1)``). The test coverage
#   scatters around that value, since it is measured on a finite test set.
# - ``risk_bound_`` is the certified upper bound on the selective risk: with
#   probability at least 95% over the draw of the calibration half, the risk
#   on new data is at most ``target_risk``. The test risk falls below it here.
#   SGR spends part of its error budget on each step of its binary search and
#   certifies a smaller coverage than LTT on this amount of data.

# %%
# Operating points on the risk–coverage curve
# -------------------------------------------
#
# The cost and coverage objectives share one model (refitted on all training
# data), the guaranteed-risk objectives another (trained on half of it), so
# two curves are drawn, each on the test set, with the operating point of
# each tuned threshold.

fig, ax = plt.subplots(figsize=(7.5, 5), layout="constrained")
curves = {
    "model refitted on all training data": tuned["rejection_cost=0.1"],
    "model trained on half (cv=0.5, refit=False)": tuned["target_risk=0.02, ltt"],
}
colors = {}
for label, clf in curves.items():
    display = RiskCoverageDisplay.from_estimator(
        clf, X_test, y_test, name=label, ax=ax, mark_threshold=False
    )
    colors[label] = display.line_.get_color()

markers = ["o", "s", "^", "v"]
for marker, (name, clf) in zip(markers, tuned.items(), strict=True):
    curve = list(curves)[0 if clf.refit else 1]
    ax.plot(
        table.loc[name, "test coverage"],
        table.loc[name, "test risk"],
        marker=marker,
        markersize=9,
        linestyle="none",
        color=colors[curve],
        markeredgecolor="k",
        label=name,
    )
ax.axhline(0.02, color="0.4", linestyle=":", linewidth=1)
ax.axvline(0.9, color="0.4", linestyle=":", linewidth=1)
ax.set_xlim(0.4, 1.01)
ax.set_ylim(0, 0.06)
ax.set_title("Digits, logistic regression: tuned operating points (test set)")
ax.legend(loc="upper left", fontsize="small")
plt.show()

# %%
# What each objective guarantees
# ------------------------------
#
# - **rejection_cost**: nothing beyond the usual cross-validation estimate;
#   the threshold minimises the out-of-fold cost.
# - **target_coverage**: a distribution-free statement on the *rejection
#   rate* of new samples, not on their errors.
# - **target_risk**: a finite-sample, distribution-free bound on the
#   selective risk, but only for a model whose threshold was certified on
#   data it never saw: a :class:`~sklearn.frozen.FrozenEstimator` with
#   calibration data, or a float ``cv`` with ``refit=False`` as here. With the
#   default ``cv=5, refit=True`` the fit emits a
#   :class:`~selective_clf.GuaranteeWarning`, and the bound describes the fold
#   models, not the final one:

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    SelectiveClassifierCV(model, target_risk=0.02).fit(X_train, y_train)
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")
