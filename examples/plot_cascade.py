"""
A fast model, a slow model and a person: a deferral cascade and its cost
=========================================================================

A cheap model decides the rows it is sure of; a slower, better model gets
only the rows the cheap one rejects; a person reviews what neither is sure
of. :class:`~selective_clf.SelectiveCascadeCV` tunes the two thresholds
together for a total cost per row::

    errors + price of the slow model x rows reaching it
           + price of a review x rows left for the person

This example tunes such a cascade, draws its cost curve (the best cost for
each fraction of rows sent to the slow model, for several prices of the slow
model) and checks on held-out rows which stage decided what.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from selective_clf import SelectiveCascadeCV, SelectiveClassifier

# %%
# Data and the two models
# -----------------------
#
# A generated problem where a linear model is right on most rows but misses
# the structure a boosted model finds. Half of the rows are held out.

X, y = make_classification(
    n_samples=4000,
    n_features=20,
    n_informative=8,
    class_sep=1.2,
    flip_y=0.02,
    random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
fast = SelectiveClassifier(make_pipeline(StandardScaler(), LogisticRegression()))
slow = SelectiveClassifier(HistGradientBoostingClassifier(max_iter=50, random_state=0))

# %%
# Tuning both thresholds for a total cost
# ---------------------------------------
#
# An error costs 1, running the slow model on a row 0.02 (its compute, in
# units of one error) and a human review 0.3. One model per stage is fitted
# per fold; every pair of candidate thresholds is scored on the out-of-fold
# confidences.

human, slow_price = 0.3, 0.02
cascade = SelectiveCascadeCV(
    [("fast", fast), ("slow", slow)],
    stage_costs=[0.0, slow_price],
    rejection_cost=human,
    thresholds=15,
    cv=3,
).fit(X_train, y_train)
print(f"thresholds (fast, slow): {np.round(cascade.thresholds_, 3)}")
print(f"rows reaching the slow model (out of fold): {cascade.stage_reach_[1]:.2f}")
print(f"cost per row (out of fold): {cascade.cost_:.3f}")

# %%
# The cost curve
# --------------
#
# ``cv_results_`` holds every pair of thresholds (``param_fast``,
# ``param_slow``; ``pandas.DataFrame(cascade.cv_results_)`` loads it) with the
# fraction of rows
# reaching each stage, the coverage and the risk, so the cost of any other
# price follows without refitting:
# ``risk * coverage + human * (1 - coverage) + price * reach``. For each
# fraction of rows sent to the slow model, the curve shows the best cost over
# the slow model's threshold (large dots: the cheapest pair). With a free slow
# model the cost stops falling once about half of the rows reach it; the
# dearer it is, the fewer rows it should get.

results = cascade.cv_results_
reach_slow = results["reach_slow"]
errors = np.nan_to_num(results["risk"]) * results["coverage"]
fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
for price in (0.0, slow_price, 0.05):
    cost = errors + human * (1 - results["coverage"]) + price * reach_slow
    fractions = np.unique(np.round(reach_slow, 3))
    best = [cost[np.round(reach_slow, 3) == f].min() for f in fractions]
    (line,) = ax.plot(fractions, best, marker=".", label=f"slow model at {price}/row")
    chosen = int(np.argmin(cost))
    ax.plot(
        reach_slow[chosen], cost[chosen], "o", color=line.get_color(), markersize=10
    )
ax.set_xlabel("fraction of rows reaching the slow model")
ax.set_ylabel("cost per row (out of fold)")
ax.set_title("Fast/slow/human cascade: best cost per share of slow-model calls")
ax.legend()
plt.show()

# %%
# Who decided what, on held-out rows
# ----------------------------------
#
# ``stage_shares`` gives the fraction of rows each stage decided, the last
# entry being the rows left for the person; ``decided_by`` gives the stage of
# each row. The slow model was called only on the rows the fast one
# rejected.

shares = cascade.stage_shares(X_test)
decided_by = cascade.decided_by(X_test)
y_pred = cascade.predict(X_test)
for index, name in enumerate(["fast model", "slow model", "person"]):
    rows = decided_by == (index if index < 2 else -1)
    line = f"{name:>10}: {shares[index if index < 2 else -1]:.1%} of the rows"
    if index < 2:
        line += f", accuracy {np.mean(y_pred[rows] == y_test[rows]):.3f}"
    print(line)

hgb = HistGradientBoostingClassifier(max_iter=50, random_state=0)
hgb_alone = hgb.fit(X_train, y_train).score(X_test, y_test)
accepted = decided_by >= 0
print(
    f"cascade accuracy on the rows it decided: "
    f"{np.mean(y_pred[accepted] == y_test[accepted]):.3f}; "
    f"boosted model alone on every row: {hgb_alone:.3f}"
)

# %%
# ``benchmarks/bench_cascade.py`` measures the predict speed-up of such a
# cascade against the boosted model alone on real data sets; see
# :ref:`cascade` in the user guide for the data protocol of a guaranteed
# risk (``target_risk``) for the whole cascade.
