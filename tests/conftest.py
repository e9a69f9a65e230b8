"""Data shared by the test modules (loaded once per session, never modified)."""

import pytest
from sklearn.datasets import load_digits, load_iris


@pytest.fixture(scope="session")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="session")
def digits_split():
    """Digits: 1200 training rows, the rest to predict, and the training labels."""
    X, y = load_digits(return_X_y=True)
    return X[:1200], X[1200:], y[:1200]
