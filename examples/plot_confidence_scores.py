"""
Which confidence score: max probability, margin or entropy?
===========================================================

A :class:`~selective_clf.SelectiveClassifier` rejects a sample when its
confidence is below the threshold. The ``confidence`` parameter chooses how
that confidence is computed from ``predict_proba``:

- ``"max_proba"``: the top probability;
- ``"margin"``: the top probability minus the second one;
- ``"entropy"``: one minus the normalised Shannon entropy of all the
  probabilities;
- or any callable of the probability matrix.

For two classes the three built-in scores order the samples identically, so
they give the same classifier (with different threshold values). With more
classes they differ. This example compares them on the ten-class digits data
set, for a logistic regression and a random forest, with risk–coverage
curves and the areas under them.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf import RiskCoverageDisplay, SelectiveClassifier
from selective_clf.metrics import augrc_score, aurc_score, e_aurc_score

# %%
# Out-of-fold confidences
# -----------------------
#
# Ranking quality is measured on data the model did not see. To use all
# 1797 samples, each model is fitted on 5 folds in turn, and every sample gets
# its prediction and its confidences from the model that did not see it. The
# confidence can be changed with ``set_params`` after fitting: it is computed
# from the same ``predict_proba`` output. A callable takes the probability
# matrix, here the sum of squared probabilities (one minus the Gini impurity).


def gini_confidence(proba):
    """Sum of squared probabilities: 1 for a certain prediction."""
    return (proba**2).sum(axis=1)


scores = {
    "max_proba": "max_proba",
    "margin": "margin",
    "entropy": "entropy",
    "callable (sum of p²)": gini_confidence,
}
models = {
    "logistic regression": make_pipeline(
        StandardScaler(), LogisticRegression(C=0.1, max_iter=1000)
    ),
    "random forest": RandomForestClassifier(n_estimators=100, random_state=0),
}

X, y = load_digits(return_X_y=True)
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

y_pred = {name: np.empty_like(y) for name in models}
confidence = {(model, score): np.empty(len(y)) for model in models for score in scores}
for train, test in cv.split(X, y):
    for model_name, model in models.items():
        clf = SelectiveClassifier(model).fit(X[train], y[train])
        y_pred[model_name][test] = clf.predict(X[test])  # threshold=None
        for score_name, score in scores.items():
            clf.set_params(confidence=score)
            confidence[model_name, score_name][test] = clf.confidence_score(X[test])

for model_name in models:
    print(f"{model_name}: accuracy {np.mean(y_pred[model_name] == y):.3f}")

# %%
# Risk–coverage curves
# --------------------
#
# The curves are zoomed on the high-coverage end, where the scores differ
# (all reach zero risk when few enough samples are decided).

fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), layout="constrained", sharey=True)
for ax, model_name in zip(axes, models, strict=True):
    for score_name in scores:
        RiskCoverageDisplay.from_predictions(
            y,
            y_pred[model_name],
            confidence[model_name, score_name],
            name=score_name,
            ax=ax,
            linestyle="--" if score_name.startswith("callable") else "-",
        )
    ax.set_xlim(0.5, 1.01)
    ax.set_ylim(0, 0.04)
    ax.set_title(f"digits, {model_name} (out-of-fold)")
plt.show()

# %%
# Areas under the curves
# ----------------------
#
# AURC is the area under the risk–coverage curve; E-AURC subtracts the area
# of a perfect ranking with the same errors, leaving what is due to the
# ranking alone; AUGRC integrates the rate of *undetected* errors (accepted
# errors divided by all samples) instead of the selective risk, and weighs
# the high-coverage end more. Lower is better for all three.

rows = []
for (model_name, score_name), conf in confidence.items():
    args = (y, y_pred[model_name], conf)
    rows.append(
        {
            "model": model_name,
            "confidence": score_name,
            "AURC": aurc_score(*args),
            "E-AURC": e_aurc_score(*args),
            "AUGRC": augrc_score(*args),
        }
    )
table = pd.DataFrame(rows).set_index(["model", "confidence"])
table.round(4)

# %%
# Which one to use
# ----------------
#
# - ``"max_proba"`` is the default: it is the probability that the predicted
#   class is right (if the model is calibrated), so its threshold reads
#   directly, and Chow's rule ``threshold = 1 - rejection_cost`` is stated
#   for it.
# - ``"margin"`` also looks at the runner-up class: a sample torn between two
#   digits is less trustworthy than one whose remaining probability is spread
#   over many. Here it is on a par with ``"max_proba"`` for the logistic
#   regression and slightly better for the random forest.
# - ``"entropy"`` looks at the whole distribution, including the classes that
#   are not in contention. For the random forest, whose probabilities are
#   vote fractions spread over many classes, it ranks errors clearly worse
#   (its AURC is about twice that of the other scores); for the logistic
#   regression the difference is small.
#
# The ranking quality depends on the model, so compare the scores with
# out-of-fold data, as above, before choosing. With a model that only has a
# ``decision_function``, ``"max_proba"`` and ``"margin"`` are computed on the
# decision scores and ``"entropy"`` is not available.
