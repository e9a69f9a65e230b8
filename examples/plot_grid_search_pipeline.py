"""
Grid search over the threshold and the model in a pipeline
==========================================================

The reject threshold of a :class:`~selective_clf.SelectiveClassifier` is an
ordinary hyper-parameter: it goes into a
:class:`~sklearn.pipeline.Pipeline`, and
:class:`~sklearn.model_selection.GridSearchCV` tunes it together with the
parameters of the wrapped model. The default ``score`` of a selective
classifier is Chow's cost turned into a score: ``1 - (errors +
rejection_cost * rejections) / n``. Chow's rule says that, with calibrated
probabilities, the best threshold on the top probability is ``1 -
rejection_cost``. This example checks that the grid search finds it, for
several rejection costs.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf import SelectiveClassifier

# %%
# Data where logistic regression is calibrated
# --------------------------------------------
#
# Chow's rule needs calibrated probabilities. To make sure they are, the
# labels are drawn from a logistic model of the features: a logistic
# regression is then the right model, and its probabilities are calibrated up
# to estimation noise. (On real data, see the user guide on calibration.)

rng = np.random.default_rng(0)
n_samples, n_features = 8000, 10
X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.5, 5, n_features)
coef = rng.normal(size=n_features) / np.sqrt(n_features) * 1.5 / X.std(axis=0)
y = (rng.random(n_samples) < 1 / (1 + np.exp(-X @ coef))).astype(int)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# The pipeline and the grid
# -------------------------
#
# Parameters are addressed through the pipeline step (``clf__``) and, for
# the wrapped model, through ``estimator__``. ``threshold=None`` (never
# reject) is a candidate too. Each candidate refits the model: to tune the
# threshold alone from one fit per fold, use
# :class:`~selective_clf.SelectiveClassifierCV` instead.

param_grid = {
    "clf__threshold": [None, *np.round(np.arange(0.5, 1.0, 0.025), 3)],
    "clf__estimator__C": [0.01, 0.1, 1.0],
}

results = []
searches = {}
for rejection_cost in [0.05, 0.1, 0.2, 0.3, 0.4]:
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "clf",
                SelectiveClassifier(
                    LogisticRegression(), rejection_cost=rejection_cost
                ),
            ),
        ]
    )
    search = GridSearchCV(pipe, param_grid, cv=5).fit(X_train, y_train)
    searches[rejection_cost] = search
    results.append(
        {
            "rejection_cost": rejection_cost,
            "Chow: 1 - rejection_cost": 1 - rejection_cost,
            "chosen threshold": search.best_params_["clf__threshold"],
            "chosen C": search.best_params_["clf__estimator__C"],
            "CV score": search.best_score_,
            "test score": search.score(X_test, y_test),
        }
    )
table = pd.DataFrame(results).set_index("rejection_cost")
table.round(3)

# %%
# The chosen thresholds are close to ``1 - rejection_cost``, and the test
# score (one minus the mean cost on held-out data) matches the
# cross-validated one. ``search.best_estimator_`` is the refitted pipeline,
# ready to predict with rejections:

best = searches[0.2].best_estimator_
y_pred = best.predict(X_test)
n_rejected = int((y_pred == best[-1].reject_label_).sum())
print(f"rejection_cost=0.2: {n_rejected} of {len(y_test)} test samples rejected")

# %%
# How flat the cost is
# --------------------
#
# The left plot shows the cross-validated score against the threshold (for
# the chosen ``C``), with Chow's threshold dashed and the chosen one marked.
# Near its optimum the score is flat: thresholds a few hundredths apart cost
# almost the same, which is why the grid search lands near, not exactly on,
# ``1 - rejection_cost``.

fig, (ax_curves, ax_chosen) = plt.subplots(
    1, 2, figsize=(12, 4.5), layout="constrained"
)
for rejection_cost, search in searches.items():
    cv_results = pd.DataFrame(search.cv_results_)
    best_C = search.best_params_["clf__estimator__C"]
    rows = cv_results[
        (cv_results["param_clf__estimator__C"] == best_C)
        & cv_results["param_clf__threshold"].notna()
    ]
    (line,) = ax_curves.plot(
        rows["param_clf__threshold"].astype(float),
        rows["mean_test_score"],
        label=f"rejection_cost={rejection_cost}",
    )
    ax_curves.axvline(1 - rejection_cost, color=line.get_color(), linestyle="--")
    chosen = search.best_params_["clf__threshold"]
    if chosen is not None:
        ax_curves.plot(chosen, search.best_score_, "o", color=line.get_color())
ax_curves.set_xlabel("threshold on the top probability")
ax_curves.set_ylabel("mean CV score (1 - cost)")
ax_curves.set_title("Cross-validated score (dashed: 1 - rejection_cost)")
ax_curves.legend(loc="lower left", fontsize="small")

ax_chosen.plot([0.5, 1], [0.5, 1], color="0.5", linestyle="--", label="Chow's rule")
ax_chosen.plot(
    table["Chow: 1 - rejection_cost"],
    table["chosen threshold"].astype(float),
    "o",
    markersize=8,
    label="chosen by GridSearchCV",
)
ax_chosen.set_xlabel("1 - rejection_cost")
ax_chosen.set_ylabel("chosen threshold")
ax_chosen.set_xlim(0.5, 1)
ax_chosen.set_ylim(0.5, 1)
ax_chosen.set_aspect("equal")
ax_chosen.set_title("Chosen threshold vs Chow's rule")
ax_chosen.legend(loc="upper left")
plt.show()

# %%
# When the model is not calibrated
# --------------------------------
#
# A strongly regularised or an over-fitted model gives probabilities that are
# too timid or too bold; the best threshold then moves away from ``1 -
# rejection_cost``, and the grid search follows it, because it measures the
# cost directly rather than trusting the probabilities. Alternatively,
# calibrate the model first
# (``SelectiveClassifier(CalibratedClassifierCV(model), threshold=1 - c)``),
# which makes the threshold mean what it says.
