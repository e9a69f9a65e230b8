import numpy as np
import pytest
from scipy import stats

from selective_clf.metrics._guarantee import selective_risk_upper_bound


def test_hand_value_matches_beta_quantile():
    """Two errors among 150 accepted: beta.ppf(0.95, 3, 148)."""
    y_true = np.r_[np.zeros(100), np.ones(100)]
    y_pred = np.r_[np.zeros(98), np.ones(102)]
    confidence = np.r_[np.full(150, 0.9), np.full(50, 0.55)]
    bound = selective_risk_upper_bound(y_true, y_pred, confidence, 0.6)
    assert bound == pytest.approx(stats.beta.ppf(0.95, 3, 148))


def test_zero_errors_closed_form_and_delta():
    """No error among n accepted: 1 - delta ** (1 / n)."""
    y = np.arange(40) % 2
    conf = np.linspace(0, 1, 40)
    bound = selective_risk_upper_bound(y, y, conf, 0.5, delta=0.1)
    assert bound == pytest.approx(1 - 0.1 ** (1 / 20))


def test_reject_label_counts_as_rejected():
    """Rows predicted as reject_label are left out of the accepted set."""
    y_true = np.array([0, 1, 0, 1])
    y_pred = np.array([0, 1, -1, -1])
    conf = np.ones(4)
    bound = selective_risk_upper_bound(y_true, y_pred, conf, 0.5, reject_label=-1)
    assert bound == pytest.approx(1 - 0.05 ** (1 / 2))


def test_nothing_accepted_gives_one():
    """A threshold above every confidence knows nothing: bound 1."""
    assert selective_risk_upper_bound([0, 1], [0, 1], [0.2, 0.3], 0.9) == 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(y_true=[0, 1], y_pred=[0], confidence=[1, 1]), "inconsistent"),
        (dict(y_true=[0], y_pred=[0], confidence=[np.nan]), "finite"),
        (dict(y_true=[0], y_pred=[0], confidence=["a"]), "numeric"),
        (dict(y_true=[-1, 0], y_pred=[0, 0], confidence=[1, 1]), "present in y_true"),
    ],
)
def test_bad_input(kwargs, match):
    """Bad input is a ValueError naming the problem."""
    reject = -1 if "present" in match else None
    with pytest.raises(ValueError, match=match):
        selective_risk_upper_bound(threshold=0.5, reject_label=reject, **kwargs)


def test_bad_delta():
    """delta outside (0, 1) is rejected by parameter validation."""
    with pytest.raises(ValueError, match="delta"):
        selective_risk_upper_bound([0], [0], [1.0], 0.5, delta=1.5)


def test_labels_of_another_kind_are_a_clear_error():
    """String truths against int predictions: not a raw numpy error."""
    y_true = np.array(["0", "1", "1", "0"])
    y_pred = np.array([0, 1, 1, 0])
    with pytest.raises(ValueError, match="Mix of label input types"):
        selective_risk_upper_bound(y_true, y_pred, [0.9, 0.8, 0.7, 0.6], 0.5)


def test_boolean_threshold_is_refused():
    with pytest.raises(ValueError, match="threshold=True is a boolean"):
        selective_risk_upper_bound([0, 1], [0, 1], [0.9, 0.8], True)


def test_rejected_rows_of_another_kind_are_not_checked():
    """Only accepted predictions are compared with the truths."""
    y_true = np.array(["a", "b", "b"], dtype=object)
    y_pred = np.array(["a", "a", -1], dtype=object)
    bound = selective_risk_upper_bound(
        y_true, y_pred, [0.9, 0.8, 0.1], 0.5, reject_label=-1, delta=0.1
    )
    # 1 error among 2 accepted: the Clopper-Pearson bound at delta = 0.1
    assert bound == pytest.approx(stats.beta.ppf(0.9, 2, 1))
