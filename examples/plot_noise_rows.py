"""
Abstaining on samples that carry no information
===============================================

Some rows of a data set say nothing about their label: a sensor that failed,
a blank form, an image of nothing. A classifier forced to answer on them can
only guess, and its guesses drag the accuracy down. This example builds a data
set where a known 30% of the rows are pure noise (features without signal,
label drawn by a coin flip), and shows how many of them a
:class:`~selective_clf.SelectiveClassifier` rejects at a few thresholds, and
what that does to the accuracy on the samples it still decides.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from selective_clf import SelectiveClassifier
from selective_clf.metrics import coverage_score, selective_accuracy_score

# %%
# A data set with 30% noise rows
# ------------------------------
#
# Informative rows have their class written along one direction of the
# feature space (a shift of +2.5 or -2.5 along it, plus unit Gaussian noise);
# noise rows have the Gaussian noise only, and a label drawn independently of
# the features. We keep the ``is_noise`` flag to count what gets rejected, but
# the classifier never sees it.

rng = np.random.default_rng(0)
n_samples, n_features, noise_fraction = 4000, 8, 0.3

is_noise = rng.random(n_samples) < noise_fraction
y = rng.integers(0, 2, n_samples)
direction = np.ones(n_features) / np.sqrt(n_features)
X = rng.normal(size=(n_samples, n_features))
signal = np.where(y == 1, 2.5, -2.5)
X[~is_noise] += signal[~is_noise, None] * direction

X_train, X_test, y_train, y_test, noise_train, noise_test = train_test_split(
    X, y, is_noise, test_size=0.5, random_state=0
)
print(f"noise rows in the test set: {noise_test.mean():.1%}")

# %%
# Fit once, then move the threshold
# ---------------------------------
#
# The model is fitted on all training rows, noise included: nothing tells it
# which rows are noise. The threshold is a parameter that ``predict`` reads,
# so it can be changed with ``set_params`` without refitting. A sample is
# rejected when its top probability is below the threshold.

clf = SelectiveClassifier(LogisticRegression()).fit(X_train, y_train)
confidence = clf.confidence_score(X_test)

thresholds = [None, 0.6, 0.7, 0.8, 0.9]
rows = []
for threshold in thresholds:
    y_pred = clf.set_params(threshold=threshold).predict(X_test)
    rejected = y_pred == clf.reject_label_
    rows.append(
        {
            "threshold": "none" if threshold is None else threshold,
            "noise rows rejected": rejected[noise_test].mean(),
            "informative rows rejected": rejected[~noise_test].mean(),
            "coverage": coverage_score(y_pred, reject_label=clf.reject_label_),
            "accuracy on decided": selective_accuracy_score(
                y_test, y_pred, reject_label=clf.reject_label_
            ),
            "noise among decided": noise_test[~rejected].mean(),
        }
    )

print(f"{'threshold':>9} {'noise rej.':>10} {'info rej.':>9} {'coverage':>8} ", end="")
print(f"{'accuracy':>8} {'noise in decided':>16}")
for row in rows:
    print(
        f"{row['threshold']!s:>9} {row['noise rows rejected']:>10.2f} "
        f"{row['informative rows rejected']:>9.2f} {row['coverage']:>8.2f} "
        f"{row['accuracy on decided']:>8.3f} {row['noise among decided']:>16.2f}"
    )

y_full = clf.set_params(threshold=None).predict(X_test)
best_possible = (y_full[~noise_test] == y_test[~noise_test]).mean()
print(f"\naccuracy on the informative rows alone: {best_possible:.3f}")

# %%
# Rejecting the noise rows first
# ------------------------------
#
# The noise rows have no signal, so the model's top probability on them stays
# near 0.5, while the informative rows mostly get confident predictions. A
# threshold of 0.7 already rejects about half of the noise rows for a small
# fraction of the informative ones; at 0.9 most noise rows are gone, and the
# accuracy on the decided rows approaches what the model achieves on the
# informative rows alone.

fig, (ax_hist, ax_rates) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
bins = np.linspace(0.5, 1.0, 26)
ax_hist.hist(confidence[~noise_test], bins=bins, alpha=0.6, label="informative rows")
ax_hist.hist(confidence[noise_test], bins=bins, alpha=0.6, label="noise rows")
for threshold in thresholds[1:]:
    ax_hist.axvline(threshold, color="0.3", linestyle=":", linewidth=1)
ax_hist.set_xlabel("confidence (top predicted probability)")
ax_hist.set_ylabel("test rows")
ax_hist.set_title("Noise rows get low confidence")
ax_hist.legend(loc="upper left")

x = np.arange(len(rows))
labels = [str(row["threshold"]) for row in rows]
ax_rates.plot(
    x, [r["noise rows rejected"] for r in rows], "o-", label="noise rows rejected"
)
ax_rates.plot(
    x,
    [r["informative rows rejected"] for r in rows],
    "s-",
    label="informative rows rejected",
)
ax_rates.plot(
    x, [r["accuracy on decided"] for r in rows], "^-", label="accuracy on decided"
)
ax_rates.axhline(
    best_possible, color="0.5", linestyle="--", label="accuracy, informative only"
)
ax_rates.set_xticks(x, labels)
ax_rates.set_xlabel("threshold")
ax_rates.set_ylabel("fraction (rejected rows, or accuracy)")
ax_rates.set_ylim(0, 1.02)
ax_rates.set_title("What each threshold rejects and buys")
ax_rates.legend(loc="center left", fontsize="small")
plt.show()

# %%
# What the reject option can and cannot do
# ----------------------------------------
#
# - The model does not know which rows are noise. It rejects rows on which it
#   is unsure, and noise rows are unsure by construction. A noise row that
#   happens to fall far from the boundary looks like an informative one, gets
#   a confident (and, half of the time, wrong) prediction, and is accepted:
#   even at a threshold of 0.9 a few percent of the decided rows are noise.
# - The price is the informative rows near the decision boundary, which get
#   rejected too. The threshold sets the trade-off; a rejection cost
#   (:doc:`plot_grid_search_pipeline`) or a target coverage or risk
#   (:doc:`plot_tuning_objectives`) chooses it for you.
# - No custom loss or retraining is needed: abstaining is post-processing of
#   the probabilities the model already produces.
