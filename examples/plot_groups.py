"""
Loan approvals that abstain: a risk guarantee for every group
=============================================================

A lender lets a model approve or decline loan applications and sends the
ones it is unsure about to a person. The promise "the automatic decisions
are wrong at most 6% of the time" can hold on average and fail for a group
of applicants the model knows less well: here a minority group whose
outcomes are noisier (a thinner credit history, say).

``SelectiveClassifierCV(target_risk=r).fit(X, y, sensitive_features=A)``
certifies *one* threshold for all applicants such that, with probability at
least ``1 - delta``, the error rate of the automatic decisions is at most
``r`` in **every** group at once. The group is used at calibration only:
``predict`` does not see it. See :ref:`groups` in the user guide for what
this does and does not mean.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split

from selective_clf import GuaranteeWarning, RiskCoverageDisplay, SelectiveClassifierCV
from selective_clf.metrics import selective_classification_report

rng = np.random.default_rng(0)
n = 16000
group = np.where(rng.uniform(size=n) < 0.25, "B", "A")
X = rng.normal(size=(n, 6))
score = X[:, 0] + 0.8 * X[:, 1] - 0.6 * X[:, 2] + 0.4 * X[:, 3] * X[:, 4]
# group B's outcomes depend less on what the lender sees
noise = np.where(group == "B", 0.8, 0.4)
y = np.where(score + noise * rng.normal(size=n) > 0, "repaid", "default")
X_train, X_test, y_train, y_test, g_train, g_test = train_test_split(
    X, y, group, test_size=0.4, random_state=0
)

# %%
# Before: the overall error rate of the automatic decisions is certified at
# 6% on a held-out calibration half (``cv=0.5, refit=False``: the model that
# predicts is the one certified).
settings = dict(target_risk=0.06, delta=0.1, cv=0.5, refit=False, random_state=0)
model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", GuaranteeWarning)
    overall = SelectiveClassifierCV(model, **settings).fit(X_train, y_train)
report = selective_classification_report(
    y_test,
    overall.predict(X_test),
    reject_label=overall.reject_label_,
    sensitive_features=g_test,
)
print("\n".join(report.split("\n\n")[-2:]))

# %%
# On new applicants the average holds, but group B's automatic decisions
# are wrong more often than promised. Now the same target for every group,
# the group of each calibration row given to ``fit``:
with warnings.catch_warnings():
    warnings.simplefilter("ignore", GuaranteeWarning)
    per_group = SelectiveClassifierCV(model, **settings).fit(
        X_train, y_train, sensitive_features=g_train
    )
print(f"threshold {overall.threshold_:.3f} -> {per_group.threshold_:.3f}")
for g, bound, n_cal in zip(
    per_group.groups_,
    per_group.group_risk_bound_,
    per_group.group_n_calibration_,
    strict=True,
):
    print(f"group {g}: certified risk bound {bound:.3f} on {n_cal} calibration rows")
report = selective_classification_report(
    y_test,
    per_group.predict(X_test),  # no group needed to predict
    reject_label=per_group.reject_label_,
    sensitive_features=g_test,
)
print("\n".join(report.split("\n\n")[-2:]))

# %%
# The price is paid in coverage: one threshold for everyone, raised until
# the worst group meets the target, sends more applications of *both*
# groups to a person. The risk-coverage curves per group show why: at any
# coverage, group B's automatic decisions err about twice as often. Filled
# dots: each group at the threshold certified for every group; squares: at
# the threshold certified on average.
display = RiskCoverageDisplay.from_estimator(
    per_group, X_test, y_test, sensitive_features=g_test, name="all applicants"
)
before = selective_classification_report(
    y_test,
    overall.predict(X_test),
    reject_label=overall.reject_label_,
    sensitive_features=g_test,
    output_dict=True,
)["by group"]
ax = display.ax_
for g, line in display.group_lines_.items():
    ax.plot(
        before[g]["coverage"],
        before[g]["selective risk"],
        marker="s",
        markerfacecolor="none",
        linestyle="none",
        color=line.get_color(),
        label=f"{g} at the average guarantee",
    )
ax.axhline(0.06, color="0.3", linestyle=":", label="target 0.06")
ax.set_ylim(0, 0.2)
ax.legend(loc="upper left", fontsize=8)
plt.show()
