"""
Approve, decline or review: one guaranteed threshold per class
==============================================================

A triage rule is per class: "approve automatically only when approvals are
wrong at most 1% of the time; decline automatically when declines are wrong
at most 5%; send the rest to a person". One threshold with a guarantee on
the *overall* error rate does not say that: a large easy class can hide a
small class that is wrong far more often.

``SelectiveClassifierCV(classwise=True, target_risk={...})`` certifies one
threshold per predicted class: with probability at least 95%, *at the same
time* for every class, the error rate among the samples it accepts as that
class is at most its target. The calibration half of the data is held out
(``cv=0.5, refit=False``: the model that predicts is the one certified).
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from selective_clf import GuaranteeWarning, SelectiveClassifierCV
from selective_clf.metrics import selective_classification_report

X, y = make_classification(
    n_samples=12000,
    n_features=10,
    n_informative=6,
    weights=[0.7],
    class_sep=1.5,
    flip_y=0.0,
    random_state=0,
)
y = np.array(["approve", "decline"])[y]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.4, stratify=y, random_state=0
)
targets = {"approve": 0.01, "decline": 0.05}

# %%
# One threshold per class, each certified on the calibration samples
# predicted as that class (at a Šidák share of ``delta``).
triage = SelectiveClassifierCV(
    HistGradientBoostingClassifier(random_state=0),
    target_risk=targets,
    delta=0.05,
    cv=0.5,
    refit=False,
    random_state=0,
    classwise=True,
    reject_label="review",
).fit(X_train, y_train)
for label, threshold, bound in zip(
    triage.classes_, triage.threshold_, triage.risk_bound_, strict=True
):
    print(f"{label:>8}: threshold {threshold:.3f}, certified risk <= {bound:.4f}")

# %%
# For comparison, one threshold certified for the overall risk at 3%: it
# holds overall, but says nothing about approvals alone.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", GuaranteeWarning)
    single = SelectiveClassifierCV(
        HistGradientBoostingClassifier(random_state=0),
        target_risk=0.03,
        cv=0.5,
        refit=False,
        random_state=0,
        reject_label="review",
    ).fit(X_train, y_train)

# %%
# On the test data: per predicted class, the share decided automatically
# (coverage) and how often those decisions are wrong (selective risk).
reports = {}
for name, model in [("class-wise", triage), ("single threshold", single)]:
    y_pred = model.predict(X_test)
    y_base = model.estimator_.predict(X_test)
    print(f"--- {name}")
    print(
        selective_classification_report(
            y_test, y_pred, reject_label="review", y_base=y_base, digits=3
        )
    )
    reports[name] = selective_classification_report(
        y_test, y_pred, reject_label="review", y_base=y_base, output_dict=True
    )["by predicted class"]

# %%
# The figure: test selective risk of each predicted class against its
# target, and the share of that class decided automatically.
fig, (ax_risk, ax_cov) = plt.subplots(1, 2, figsize=(9, 3.5))
x = np.arange(2)
for i, (name, by_class) in enumerate(reports.items()):
    risk = [by_class[c]["selective risk"] for c in ("approve", "decline")]
    cov = [by_class[c]["coverage"] for c in ("approve", "decline")]
    ax_risk.bar(x + 0.4 * i - 0.2, risk, width=0.4, label=name)
    ax_cov.bar(x + 0.4 * i - 0.2, cov, width=0.4, label=name)
ax_risk.scatter(x, list(targets.values()), color="k", marker="_", s=900, zorder=3)
ax_risk.set(
    xticks=x, xticklabels=list(targets), ylabel="test selective risk",
    title="errors among automatic decisions\n(black: target)",
)  # fmt: skip
ax_cov.set(
    xticks=x, xticklabels=list(targets), ylabel="coverage",
    title="share decided automatically",
)  # fmt: skip
ax_cov.legend()
fig.tight_layout()
plt.show()
