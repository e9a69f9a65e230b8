"""
Inputs unlike the training data: novelty rejection
==================================================

A confidence threshold rejects the rows a model is unsure about. It cannot
reject the rows unlike anything it was trained on: far from its data a
logistic regression is close to 100% sure of itself, so ``threshold=0.6``
accepts almost every such row, and its answer there means nothing.

A ``novelty_detector`` (any scikit-learn outlier detector) fitted on the
training inputs rejects those rows whatever the confidence, and
:meth:`~selective_clf.SelectiveClassifier.rejection_reason` tells the two
kinds of rejection apart, so that they can be routed differently: the
ambiguous rows to a person or a second model, the novel ones to whoever
owns the data (a drift, a broken sensor, a new kind of case).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.base import clone
from sklearn.covariance import EllipticEnvelope
from sklearn.ensemble import IsolationForest
from sklearn.linear_model import LogisticRegression

from selective_clf import SelectiveClassifier
from selective_clf.metrics import selective_classification_report

# %%
# Two classes, and rows from far away
# -----------------------------------
#
# Two 2-D Gaussians make the training data. The test data holds new rows
# from the same Gaussians and rows on a circle of radius 20 around them,
# which look like nothing seen in training.

rng = np.random.default_rng(0)


def gaussians(n_per_class):
    """Rows of two unit Gaussians at (-1, -1) and (1, 1), labels 0 and 1."""
    X = np.vstack(
        [rng.normal(-1, 1, (n_per_class, 2)), rng.normal(1, 1, (n_per_class, 2))]
    )
    return X, np.repeat([0, 1], n_per_class)


X_train, y_train = gaussians(500)
X_test, y_test = gaussians(1000)
angle = rng.uniform(0, 2 * np.pi, 500)
X_far = 20 * np.column_stack([np.cos(angle), np.sin(angle)])

# %%
# A threshold alone accepts the far rows
# --------------------------------------
#
# The top probability of a logistic regression goes to 1 away from its
# decision boundary, wherever the row comes from.

threshold_only = SelectiveClassifier(LogisticRegression(), threshold=0.6)
threshold_only.fit(X_train, y_train)
with_detector = SelectiveClassifier(
    LogisticRegression(),
    threshold=0.6,
    # flag about 1% of rows like the training data as novel
    novelty_detector=IsolationForest(contamination=0.01, random_state=0),
).fit(X_train, y_train)


def rejected(clf, X):
    """Share of the rows of X that clf rejects."""
    return float(np.mean(clf.predict(X) == clf.reject_label_))


print("share of rows rejected     in-distribution   far away")
for name, clf in [("threshold only", threshold_only), ("with detector", with_detector)]:
    print(
        f"{name:>20s}       {rejected(clf, X_test):15.3f} {rejected(clf, X_far):10.3f}"
    )
print(
    "median confidence on the far rows: "
    f"{np.median(threshold_only.confidence_score(X_far)):.4f}"
)

# %%
# The detector rejects nearly every far row and only a few more of the
# in-distribution ones. Its ``contamination`` sets that price: it is the
# share of rows like the training data it flags. IsolationForest's default,
# ``contamination="auto"``, flags far more of them on this data (about a
# quarter), so set it to the share of rejections you can afford.
#
# Where each kind of rejection happens
# ------------------------------------
#
# ``rejection_reason`` says, for each row, ``"accepted"``,
# ``"low_confidence"`` (the band around the decision boundary) or
# ``"novelty"`` (everything away from the data, whatever the confidence).

xx, yy = np.meshgrid(np.linspace(-25, 25, 300), np.linspace(-25, 25, 300))
grid = np.column_stack([xx.ravel(), yy.ravel()])
reasons = ["accepted", "low_confidence", "novelty"]
colors = ["#d9f0d3", "#fee08b", "#f4a582"]
with_envelope = clone(with_detector).set_params(
    novelty_detector=EllipticEnvelope(contamination=0.01, random_state=0)
)
with_envelope.fit(X_train, y_train)

fig, axes = plt.subplots(1, 2, figsize=(11, 5.5))
for ax, clf, title in [
    (axes[0], with_detector, "IsolationForest"),
    (axes[1], with_envelope, "EllipticEnvelope"),
]:
    region = np.searchsorted(reasons, clf.rejection_reason(grid))
    ax.contourf(
        xx,
        yy,
        region.reshape(xx.shape),
        levels=[-0.5, 0.5, 1.5, 2.5],
        cmap=ListedColormap(colors),
    )
    ax.scatter(*X_train.T, c=y_train, s=4, cmap="coolwarm", label="training rows")
    ax.scatter(*X_far.T, s=4, c="k", label="far rows")
    for color, reason in zip(colors, reasons, strict=True):
        ax.fill_between([], [], color=color, label=reason)
    ax.set_title(
        f"{title}: {rejected(clf, X_far):.1%} of far rows rejected", fontsize="medium"
    )
    ax.set_aspect("equal")
axes[0].legend(loc="upper right", fontsize="small")
plt.show()

# %%
# The isolation forest leaves thin strips where one coordinate lies within
# the training range: its axis-parallel splits isolate those rows late, so
# it keeps them, and the model, sure of itself there, accepts them. That is
# where its few far rows get through. An elliptic envelope (a Gaussian
# fit, right for this data) or a one-class SVM has no such strips; which
# detector fits depends on the shape of the data, as for any outlier
# detection.

# %%
# Routing, and a report by reason
# -------------------------------
#
# The reasons split the rejected rows into two queues, and
# :func:`~selective_clf.metrics.selective_classification_report` counts each.
# The far rows get the label of the closer Gaussian as their "truth", which
# the model would predict with near certainty: they are counted as novel
# rejections, not as errors.

X_all = np.vstack([X_test, X_far])
y_all = np.concatenate([y_test, (X_far.sum(axis=1) > 0).astype(int)])
reason = with_detector.rejection_reason(X_all)
to_review = X_all[reason == "low_confidence"]  # for a person or a second model
to_data_owner = X_all[reason == "novelty"]  # inputs to investigate
print(f"{len(to_review)} rows to review, {len(to_data_owner)} novel rows")
print(
    selective_classification_report(
        y_all,
        with_detector.predict(X_all),
        reject_label=with_detector.reject_label_,
        rejection_reason=reason,
    )
)
