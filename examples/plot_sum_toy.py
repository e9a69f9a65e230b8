"""
Sigmoid and cross-entropy, or tanh and hinge?
=============================================

A question asked about Keras binary classifiers: should the output layer be a
sigmoid trained with cross-entropy (labels 0/1), or a tanh trained with the
hinge loss (labels -1/1), when the goal is to leave the uncertain samples
unclassified? This example answers on the toy problem of the question: five
features drawn uniformly in [0, 1), label 1 when their sum exceeds 2.5.

In scikit-learn terms, a sigmoid output trained with cross-entropy is a
log-loss model with ``predict_proba``
(:class:`~sklearn.linear_model.LogisticRegression`,
:class:`~sklearn.neural_network.MLPClassifier`); a hinge-loss model has only a
``decision_function``, a signed score whose sign is the class
(:class:`~sklearn.svm.LinearSVC`,
:class:`~sklearn.linear_model.SGDClassifier` with ``loss="hinge"``).
:class:`~selective_clf.SelectiveClassifier` takes both.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.svm import LinearSVC

from selective_clf import RiskCoverageDisplay, SelectiveClassifier
from selective_clf.metrics import aurc_score

# %%
# The toy problem
# ---------------
#
# A small training set (300 samples) makes the models differ; the test set
# is large so that their differences are not noise. The hinge-loss models get
# the labels -1/1 of the question, the log-loss models 0/1.

rng = np.random.default_rng(0)


def make_data(n_samples):
    """Five uniform features; label 1 when their sum exceeds 2.5."""
    X = rng.random((n_samples, 5))
    return X, (X.sum(axis=1) > 2.5).astype(int)


X_train, y_train = make_data(300)
X_test, y_test = make_data(3000)
signs_train, signs_test = 2 * y_train - 1, 2 * y_test - 1  # labels -1/1

models = {
    "LogisticRegression (log loss)": (LogisticRegression(), "01"),
    "MLPClassifier (log loss)": (
        MLPClassifier(hidden_layer_sizes=(16,), max_iter=3000, random_state=0),
        "01",
    ),
    "LinearSVC (hinge)": (LinearSVC(), "-1/1"),
    'SGDClassifier(loss="hinge")': (
        SGDClassifier(loss="hinge", random_state=0),
        "-1/1",
    ),
}

fitted = {}
for name, (model, labels) in models.items():
    y_fit, y_eval = (y_train, y_test) if labels == "01" else (signs_train, signs_test)
    clf = SelectiveClassifier(model).fit(X_train, y_fit)
    fitted[name] = (clf, y_eval)
    # threshold=None (the default) rejects nothing: predict is the model's own
    y_base, confidence = clf.predict(X_test), clf.confidence_score(X_test)
    print(
        f"{name:30s} response: {clf.response_method_:17s} "
        f"reject label: {clf.reject_label_!s:>2}  "
        f"accuracy: {(y_base == y_eval).mean():.3f}  "
        f"confidence in [{confidence.min():.2f}, {confidence.max():.2f}]"
    )

# %%
# Two things to notice:
#
# - The hinge-loss models have no ``predict_proba``, so the confidence is
#   computed from ``decision_function``: for a binary score ``s`` it is
#   ``|s|``, the distance to the decision boundary in the score's own units,
#   with no upper bound. A threshold such as 0.6 means nothing there; it has
#   to be chosen on that scale (see below).
# - With labels -1/1 the default reject label cannot be -1, which is a class:
#   ``reject_label="auto"`` picks -2.
#
# Both kinds of confidence rank the samples by how far they are from the
# true boundary ``sum(x) = 2.5``, which is what a reject option needs:

fig, axes = plt.subplots(1, 4, figsize=(13, 3.4), layout="constrained")
distance = np.abs(X_test.sum(axis=1) - 2.5)
for ax, (name, (clf, y_eval)) in zip(axes, fitted.items(), strict=True):
    y_base, confidence = clf.predict(X_test), clf.confidence_score(X_test)
    wrong = y_base != y_eval
    ax.scatter(distance[~wrong], confidence[~wrong], s=3, alpha=0.4, label="right")
    ax.scatter(distance[wrong], confidence[wrong], s=8, color="tab:red", label="wrong")
    ax.set_title(name, fontsize="medium")
    ax.set_xlabel("|sum(x) - 2.5|")
axes[0].set_ylabel("confidence_score")
axes[0].legend(loc="lower right", markerscale=2)
plt.show()

# %%
# Risk–coverage curves
# --------------------
#
# The curves do not depend on the scale of the confidence, only on the order
# it puts the samples in, so the four models can be compared on one plot.
# Lower is better; the area under each curve (AURC) is in the legend.

fig, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
for name, (clf, y_eval) in fitted.items():
    RiskCoverageDisplay.from_estimator(clf, X_test, y_eval, name=name, ax=ax)
ax.set_ylim(0, 0.08)
ax.set_title("Toy problem: sum of 5 uniform features > 2.5")
plt.show()

# %%
# The answer
# ----------
#
# Both losses work: on this problem all four models rank their errors last,
# and the reject option only needs that ranking. What differs is what the
# threshold means.
#
# - With a sigmoid and cross-entropy the confidence is a probability, so a
#   threshold reads as one ("reject below 0.6"), and with calibrated
#   probabilities the threshold ``1 - rejection_cost`` minimises the expected
#   cost (Chow's rule, see the user guide).
# - With a hinge loss the confidence is a distance in score units. Choose the
#   threshold from data: :class:`~selective_clf.SelectiveClassifierCV` with
#   ``target_coverage`` or ``target_risk`` works on any scale. Or turn the
#   scores into probabilities with
#   :class:`~sklearn.calibration.CalibratedClassifierCV`, after which a
#   probability threshold applies again:

calibrated = SelectiveClassifier(
    CalibratedClassifierCV(LinearSVC(), cv=5), threshold=0.9
).fit(X_train, signs_train)
y_pred = calibrated.predict(X_test)
accepted = y_pred != calibrated.reject_label_
print(
    f"calibrated LinearSVC, threshold 0.9: coverage {accepted.mean():.3f}, "
    f"accuracy on decided {(y_pred[accepted] == signs_test[accepted]).mean():.3f}"
)
calibrated.set_params(threshold=None)  # no rejection: the plain predictions
y_base, confidence = calibrated.predict(X_test), calibrated.confidence_score(X_test)
print(f"AURC after calibration: {aurc_score(signs_test, y_base, confidence):.4f}")
