"""
Where is the 0.5 threshold?
===========================

A neural network with a sigmoid output returns numbers such as 0.07 and 0.83,
not classes. Where is the 0.5 threshold that turns them into classes, and how
is it moved? This example answers with scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier`, whose binary output layer is a
sigmoid (``out_activation_ == "logistic"``) trained with cross-entropy, like a
Keras model with ``Dense(1, activation="sigmoid")`` and
``loss="binary_crossentropy"``. It then compares two different things one can
do with the output probability:

- move the decision threshold, with
  :class:`~sklearn.model_selection.FixedThresholdClassifier`: every sample
  still gets a class, only the boundary between the classes moves;
- add a reject band, with :class:`~selective_clf.SelectiveClassifier`: the
  samples whose probability falls in the band get no class at all.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.datasets import make_moons
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import FixedThresholdClassifier, train_test_split
from sklearn.neural_network import MLPClassifier

from selective_clf import SelectiveClassifier
from selective_clf.metrics import coverage_score, selective_accuracy_score

# %%
# The network outputs probabilities
# ---------------------------------

X, y = make_moons(n_samples=600, noise=0.3, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

mlp = MLPClassifier(
    hidden_layer_sizes=(32, 16),
    activation="tanh",
    alpha=0.3,
    max_iter=2000,
    random_state=0,
).fit(X_train, y_train)
print("output activation:", mlp.out_activation_)

proba = mlp.predict_proba(X_test)
print("predict_proba, first rows (columns: class 0, class 1):")
print(proba[:4].round(3))
print("predict, first rows:", mlp.predict(X_test[:4]))

# %%
# ``predict_proba`` returns the sigmoid output (and one minus it, for class 0);
# it is what Keras' ``model.predict`` returns. ``predict`` returns classes:
# scikit-learn's ``predict`` takes the most probable class, which for two
# classes is "class 1 when its probability is above 0.5". That is where the
# 0.5 lives. (Keras never applies it in ``predict``; its ``"accuracy"``
# metric does, with a default threshold of 0.5.)

p1 = proba[:, 1]
print("predict == (p1 > 0.5):", np.array_equal(mlp.predict(X_test), p1 > 0.5))

# %%
# Moving the threshold, or adding a reject band
# ---------------------------------------------
#
# :class:`~sklearn.frozen.FrozenEstimator` lets both wrappers use the network
# as trained, without refitting it (their ``fit`` only reads the classes).
#
# - ``FixedThresholdClassifier(threshold=0.3)`` predicts class 1 when
#   ``p1 >= 0.3``: more samples go to class 1, none are left out.
# - ``SelectiveClassifier(threshold=0.7)`` keeps the 0.5 boundary but rejects
#   the samples whose top probability is below 0.7, i.e. ``0.3 < p1 < 0.7``.
# - ``SelectiveClassifier(threshold=[0.8, 0.6])`` uses one threshold per class
#   (in the order of ``classes_``): a class-0 prediction needs ``p0 >= 0.8``
#   and a class-1 prediction ``p1 >= 0.6``, so the band is ``0.2 < p1 < 0.6``,
#   asymmetric, because we assumed that wrongly calling a sample class 0 is
#   the costlier mistake here.

frozen = FrozenEstimator(mlp)
moved = FixedThresholdClassifier(frozen, threshold=0.3).fit(X_train, y_train)
band = SelectiveClassifier(frozen, threshold=0.7).fit(X_train, y_train)
asymmetric = SelectiveClassifier(frozen, threshold=[0.8, 0.6]).fit(X_train, y_train)

models = {
    "predict (p1 > 0.5)": mlp,
    "FixedThresholdClassifier (p1 >= 0.3)": moved,
    "SelectiveClassifier, threshold=0.7": band,
    "SelectiveClassifier, threshold=[0.8, 0.6]": asymmetric,
}
for name, model in models.items():
    y_pred = model.predict(X_test)
    reject_label = getattr(model, "reject_label_", -1)
    counts = {int(label): int((y_pred == label).sum()) for label in (0, 1, -1)}
    coverage = coverage_score(y_pred, reject_label=reject_label)
    accuracy = selective_accuracy_score(y_test, y_pred, reject_label=reject_label)
    print(
        f"{name:42s} class 0: {counts[0]:3d}  class 1: {counts[1]:3d}  "
        f"rejected: {counts[-1]:3d}  coverage {coverage:.2f}  "
        f"accuracy on decided {accuracy:.3f}"
    )

# %%
# The same four rules, as a function of the output probability:

grid_p1 = np.linspace(0, 1, 501)
grid_proba = np.column_stack([1 - grid_p1, grid_p1])
outcome = {
    "predict (p1 > 0.5)": np.where(grid_p1 > 0.5, 1, 0),
    "FixedThresholdClassifier (p1 >= 0.3)": np.where(grid_p1 >= 0.3, 1, 0),
}
for name, thresholds in [
    ("SelectiveClassifier, threshold=0.7", np.array([0.7, 0.7])),
    ("SelectiveClassifier, threshold=[0.8, 0.6]", np.array([0.8, 0.6])),
]:
    top = grid_proba.argmax(axis=1)
    accepted = grid_proba.max(axis=1) >= thresholds[top]
    outcome[name] = np.where(accepted, top, -1)

cmap = ListedColormap(["0.75", "tab:blue", "tab:orange"])  # rejected, 0, 1
fig, top_ax = plt.subplots(figsize=(9, 2.8), layout="constrained")
for row, labels in enumerate(outcome.values()):
    top_ax.imshow(
        labels[None, :] + 1,
        extent=(0, 1, row - 0.4, row + 0.4),
        cmap=cmap,
        vmin=0,
        vmax=2,
        aspect="auto",
    )
top_ax.set_ylim(len(outcome) - 0.5, -0.5)
top_ax.set_yticks(range(len(outcome)), list(outcome))
top_ax.set_xlabel("p1 = predict_proba(X)[:, 1], the sigmoid output")
top_ax.set_title("grey: rejected, blue: class 0, orange: class 1")
for x in (0.2, 0.3, 0.5, 0.6, 0.7):
    top_ax.axvline(x, color="k", linewidth=0.5, linestyle=":")
plt.show()

# %%
# and as regions of the input plane (rejected regions in grey, test samples
# as dots). The reject band follows the network's decision boundary, where
# the two moons overlap.

xx, yy = np.meshgrid(np.linspace(-1.8, 2.8, 200), np.linspace(-1.3, 1.8, 200))
plane = np.column_stack([xx.ravel(), yy.ravel()])
fig, bottom_axes = plt.subplots(2, 2, figsize=(9, 6.5), layout="constrained")
for ax, (name, model) in zip(bottom_axes.ravel(), models.items(), strict=True):
    regions = model.predict(plane).reshape(xx.shape)
    regions = np.where(regions == getattr(model, "reject_label_", -1), -1, regions)
    ax.contourf(
        xx, yy, regions + 1, levels=[-0.5, 0.5, 1.5, 2.5], cmap=cmap, alpha=0.45
    )
    ax.scatter(
        X_test[:, 0],
        X_test[:, 1],
        c=y_test + 1,
        cmap=cmap,
        vmin=0,
        vmax=2,
        s=12,
        edgecolor="k",
        linewidth=0.3,
    )
    ax.set_title(name)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
plt.show()

# %%
# Two thresholds, two questions
# -----------------------------
#
# The decision threshold answers "which class?": moving it trades one kind of
# error for the other (false positives for false negatives) and is tuned with
# :class:`~sklearn.model_selection.TunedThresholdClassifierCV` or set with
# :class:`~sklearn.model_selection.FixedThresholdClassifier`. The reject
# threshold answers "answer at all?": raising it trades coverage for accuracy
# on the samples that are decided.
#
# :class:`~selective_clf.SelectiveClassifier` labels an accepted sample with
# the most probable class of the wrapped model's ``predict_proba``, not with
# the wrapped model's ``predict``: wrapping a ``FixedThresholdClassifier`` in
# it does not move its boundary. For a reject band that is not centred on 0.5,
# give one threshold per class, as above.
