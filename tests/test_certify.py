import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from selective_clf import certify
from selective_clf.certify import (
    ThresholdSelection,
    _binomial,
    _fwer,
    _select,
    binomial_p_value,
    clopper_pearson_upper,
    grouped_counts,
    select_threshold_ltt,
    select_threshold_sgr,
)

FWERS = ["fixed_sequence", "holm", "bonferroni"]

# calibration samples as (confidence, error) pairs; few distinct values -> ties
samples = st.lists(
    st.tuples(st.integers(0, 12).map(lambda i: i / 12), st.integers(0, 1)),
    min_size=1,
    max_size=80,
)
target_risks = st.sampled_from([0.05, 0.1, 0.2, 0.3])
deltas = st.sampled_from([0.01, 0.05, 0.1, 0.3])


def _unzip(pairs):
    conf = np.array([c for c, _ in pairs], dtype=float)
    err = np.array([e for _, e in pairs], dtype=int)
    return conf, err


def _tied_data(seed, m=300, n_values=40):
    """Monotone-risk data with many ties: error rate decreases with confidence."""
    rng = np.random.default_rng(seed)
    conf = rng.integers(0, n_values, size=m) / n_values
    err = (rng.uniform(size=m) < 0.5 * (1 - conf) ** 2).astype(int)
    return conf, err


def _cp_reference(k, n, level):
    return 1.0 if k == n else stats.beta.ppf(1 - level, k + 1, n - k)


# --------------------------------------------------------------------------
# clopper_pearson_upper / binomial_p_value
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 10, 100])
@pytest.mark.parametrize("delta", [0.01, 0.05, 0.2])
def test_cp_upper_zero_errors_closed_form(n, delta):
    """With no error the bound is 1 - delta ** (1 / n)."""
    assert clopper_pearson_upper(0, n, delta) == pytest.approx(1 - delta ** (1 / n))


def test_cp_upper_hand_values():
    """Known values: all errors, no trials and a tabulated interior value."""
    assert clopper_pearson_upper(7, 7, 0.05) == 1.0
    assert clopper_pearson_upper(0, 0, 0.05) == 1.0
    # Solution b of P(Bin(10, b) <= 3) = 0.05, from a table: 0.6066
    assert clopper_pearson_upper(3, 10, 0.05) == pytest.approx(0.60662, abs=1e-5)


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (0, 10), (3, 10), (9, 10), (10, 10), (5, 1000), (50, 200)]
)
@pytest.mark.parametrize("delta", [0.01, 0.05, 0.25])
def test_cp_upper_matches_two_sided_exact_ci(k, n, delta):
    """The one-sided bound is the upper end of the exact two-sided 1-2*delta CI."""
    ci = stats.binomtest(k, n).proportion_ci(
        confidence_level=1 - 2 * delta, method="exact"
    )
    assert clopper_pearson_upper(k, n, delta) == pytest.approx(ci.high, rel=1e-9)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (2, 30), (40, 400)])
def test_cp_upper_is_binomial_tail_inversion(k, n):
    """The bound solves binom.cdf(k, n, b) = delta, Geifman's tail inversion."""
    bound = clopper_pearson_upper(k, n, 0.05)
    assert stats.binom.cdf(k, n, bound) == pytest.approx(0.05, rel=1e-8)


def test_cp_upper_is_vectorised_and_broadcasts():
    """Array inputs broadcast and match elementwise scalar calls."""
    k = np.array([[0], [1], [2]])
    n = np.array([2, 5, 9])
    out = clopper_pearson_upper(k, n, 0.1)
    assert out.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            if k[i, 0] <= n[j]:
                assert out[i, j] == pytest.approx(
                    clopper_pearson_upper(int(k[i, 0]), int(n[j]), 0.1)
                )


def test_cp_upper_rejects_k_larger_than_n():
    """Counts must satisfy 0 <= k <= n."""
    with pytest.raises(ValueError, match="0 <= k <= n"):
        clopper_pearson_upper(3, 2, 0.05)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        clopper_pearson_upper(-1, 2, 0.05)


def test_cp_upper_rejects_non_integer_counts():
    """Fractional or boolean counts are refused."""
    with pytest.raises(ValueError, match="integer counts"):
        clopper_pearson_upper(0.5, 2, 0.05)
    with pytest.raises(TypeError, match="integer counts"):
        clopper_pearson_upper(True, 2, 0.05)


@pytest.mark.parametrize("delta", [0.0, 1.0, -0.1, 2.0, float("nan")])
def test_cp_upper_rejects_bad_delta(delta):
    """delta must lie in the open unit interval."""
    with pytest.raises(ValueError, match=r"delta must be in \(0, 1\)"):
        clopper_pearson_upper(0, 2, delta)


def test_cp_upper_rejects_non_numeric_delta():
    """delta must be a real number."""
    with pytest.raises(TypeError, match="delta must be a real number"):
        clopper_pearson_upper(0, 2, "0.05")


def test_p_value_hand_values():
    """p = P(Bin(n, r) <= k), and 1.0 without trials."""
    assert binomial_p_value(0, 10, 0.1) == pytest.approx(0.9**10)
    assert binomial_p_value(1, 3, 0.5) == pytest.approx(0.5)
    assert binomial_p_value(0, 0, 0.1) == 1.0
    assert binomial_p_value(4, 4, 0.1) == pytest.approx(1.0)
    np.testing.assert_allclose(
        binomial_p_value([0, 2], [0, 20], 0.2), [1.0, stats.binom.cdf(2, 20, 0.2)]
    )


@given(
    n=st.integers(1, 300),
    frac=st.floats(0, 1),
    delta=st.floats(0.001, 0.5),
    r=st.floats(0.001, 0.999),
)
@settings(max_examples=100, deadline=None)
def test_p_value_duality_with_cp_upper(n, frac, delta, r):
    """p(k, n, r) <= delta iff r >= clopper_pearson_upper(k, n, delta)."""
    k = int(frac * n)
    bound = clopper_pearson_upper(k, n, delta)
    if abs(r - bound) > 1e-9:
        assert (binomial_p_value(k, n, r) <= delta) == (r >= bound)


def test_p_value_rejects_bad_rate():
    """The null rate must lie in the open unit interval."""
    with pytest.raises(ValueError, match=r"r must be in \(0, 1\)"):
        binomial_p_value(0, 2, 1.0)


# --------------------------------------------------------------------------
# grouped_counts
# --------------------------------------------------------------------------


def _grouped_counts_reference(conf, err):
    thresholds, n_acc, k_acc = [], [], []
    for t in sorted(set(conf.tolist()), reverse=True):
        accepted = [e for c, e in zip(conf, err, strict=True) if c >= t]
        thresholds.append(t)
        n_acc.append(len(accepted))
        k_acc.append(sum(accepted))
    return thresholds, n_acc, k_acc


@given(pairs=samples)
@settings(max_examples=100, deadline=None)
def test_grouped_counts_matches_brute_force(pairs):
    """Counts per distinct threshold equal a plain loop over thresholds."""
    conf, err = _unzip(pairs)
    t, n, k = grouped_counts(conf, err)
    t_ref, n_ref, k_ref = _grouped_counts_reference(conf, err)
    assert t.tolist() == t_ref
    assert n.tolist() == n_ref
    assert k.tolist() == k_ref


@given(pairs=samples, seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_grouped_counts_row_permutation_invariant(pairs, seed):
    """Permuting rows leaves the grouped counts unchanged."""
    conf, err = _unzip(pairs)
    perm = np.random.default_rng(seed).permutation(len(conf))
    for a, b in zip(
        grouped_counts(conf, err), grouped_counts(conf[perm], err[perm]), strict=True
    ):
        np.testing.assert_array_equal(a, b)


def test_grouped_counts_ties_are_one_group():
    """Tied confidences are accepted together whatever their row order."""
    t, n, k = grouped_counts([0.5, 0.9, 0.5, 0.9, 0.1], [1, 0, 0, 1, True])
    assert t.tolist() == [0.9, 0.5, 0.1]
    assert n.tolist() == [2, 4, 5]
    assert k.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("conf", "err", "exc", "match"),
    [
        ([0.1, 0.2], [0], ValueError, "same length"),
        ([[0.1, 0.2]], [[0, 1]], ValueError, "1-D"),
        ([], [], ValueError, "At least one"),
        ([0.1, np.nan], [0, 1], ValueError, "finite"),
        ([0.1, np.inf], [0, 1], ValueError, "finite"),
        ([0.1, 0.2], [0, 2], ValueError, "only 0"),
        (["a", "b"], [0, 1], TypeError, "confidence must be numeric"),
        ([0.1, 0.2], ["x", "y"], TypeError, "error must be numeric"),
    ],
)
def test_grouped_counts_validates_inputs(conf, err, exc, match):
    """Malformed calibration inputs raise informative errors."""
    with pytest.raises(exc, match=match):
        grouped_counts(conf, err)


# --------------------------------------------------------------------------
# SGR
# --------------------------------------------------------------------------


def _sgr_reference(conf, err, r, delta):
    """Algorithm 1 of Geifman & El-Yaniv (2017), transcribed literally.

    Sorted items are the distinct confidences in increasing order preceded by
    a never-tested sentinel at position 0 (documented deviation); the best
    feasible iterate is kept instead of the last one.
    """
    m = len(conf)
    values = sorted(set(conf.tolist()))
    k = max(1, math.ceil(math.log2(m)))
    z_min, z_max = 0, len(values)
    best = None
    for _ in range(k):
        z = math.ceil((z_min + z_max) / 2)
        theta = values[z - 1]
        accepted = [e for c, e in zip(conf, err, strict=True) if c >= theta]
        b = _cp_reference(sum(accepted), len(accepted), delta / k)
        if b <= r:
            z_max = z
            if best is None or len(accepted) > best[1]:
                best = (theta, len(accepted), b)
        else:
            z_min = z
    return best


def _check_result(res, conf, err, target_risk):
    assert isinstance(res, ThresholdSelection)
    assert res.n_calibration == len(conf)
    if not res.feasible:
        assert res.threshold == np.inf
        assert np.isnan(res.risk_bound) and np.isnan(res.empirical_risk)
        assert res.coverage == 0.0 and res.n_accepted == 0
        return
    accepted = conf >= res.threshold
    assert res.n_accepted == accepted.sum() > 0
    assert res.coverage == pytest.approx(accepted.mean())
    assert res.empirical_risk == pytest.approx(err[accepted].mean())
    assert res.empirical_risk <= res.risk_bound + 1e-12
    assert res.risk_bound <= target_risk + 1e-9
    assert res.threshold in set(conf.tolist())


@given(pairs=samples, r=target_risks, delta=deltas)
@settings(max_examples=150, deadline=None)
def test_sgr_matches_reference(pairs, r, delta):
    """SGR equals a literal transcription of the paper's binary search."""
    conf, err = _unzip(pairs)
    res = select_threshold_sgr(conf, err, target_risk=r, delta=delta)
    _check_result(res, conf, err, r)
    ref = _sgr_reference(conf, err, r, delta)
    if ref is None:
        assert not res.feasible
    else:
        assert res.feasible
        assert res.threshold == ref[0]
        assert res.n_accepted == ref[1]
        assert res.risk_bound == pytest.approx(ref[2], rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_sgr_matches_reference_on_larger_tied_data(seed):
    """SGR equals the reference on a few hundred samples with ties."""
    conf, err = _tied_data(seed)
    res = select_threshold_sgr(conf, err, target_risk=0.1, delta=0.05)
    ref = _sgr_reference(conf, err, 0.1, 0.05)
    assert res.feasible
    assert (res.threshold, res.n_accepted) == ref[:2]
    _check_result(res, conf, err, 0.1)


@pytest.mark.parametrize("m", [1, 2, 3, 7, 8, 64, 100, 1000])
def test_sgr_evaluates_at_most_ceil_log2_m_bounds(m, monkeypatch):
    """The union bound is over at most ceil(log2 m) bound evaluations."""
    calls = []
    original = certify.clopper_pearson_upper

    def counting(k, n, delta):
        calls.append(delta)
        return original(k, n, delta)

    monkeypatch.setattr(_select, "clopper_pearson_upper", counting)
    conf = np.arange(m) / m
    for err in (np.ones(m, dtype=int), np.zeros(m, dtype=int)):
        calls.clear()
        select_threshold_sgr(conf, err, target_risk=0.1, delta=0.05)
        k = max(1, math.ceil(math.log2(m)))
        assert 1 <= len(calls) <= k
        assert all(level == pytest.approx(0.05 / k) for level in calls)


def test_sgr_can_return_full_coverage_with_ties():
    """Full coverage is reachable, unlike with the paper's index space."""
    conf = np.repeat([0.6, 0.9], 200)
    res = select_threshold_sgr(conf, np.zeros(400, int), target_risk=0.1, delta=0.05)
    assert res.feasible and res.coverage == 1.0 and res.threshold == 0.6


def test_sgr_infeasible_rejects_everything():
    """When no iterate is certified, everything is rejected."""
    conf = np.linspace(0, 1, 50)
    res = select_threshold_sgr(conf, np.ones(50, int), target_risk=0.1, delta=0.05)
    _check_result(res, conf, np.ones(50, int), 0.1)
    assert not res.feasible and res.threshold == np.inf


@given(pairs=samples, r=target_risks, delta=deltas, seed=st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_sgr_row_permutation_invariant(pairs, r, delta, seed):
    """Row order does not change the SGR result."""
    conf, err = _unzip(pairs)
    perm = np.random.default_rng(seed).permutation(len(conf))
    a = select_threshold_sgr(conf, err, target_risk=r, delta=delta)
    b = select_threshold_sgr(conf[perm], err[perm], target_risk=r, delta=delta)
    assert a.threshold == b.threshold and a.n_accepted == b.n_accepted


@pytest.mark.parametrize("name", ["target_risk", "delta"])
@pytest.mark.parametrize("value", [0, 1, 1.5, -0.2])
def test_sgr_validates_levels(name, value):
    """target_risk and delta must lie in (0, 1)."""
    kwargs = {"target_risk": 0.1, "delta": 0.05, name: value}
    with pytest.raises(ValueError, match=rf"{name} must be in \(0, 1\)"):
        select_threshold_sgr([0.5, 0.7], [0, 1], **kwargs)


# --------------------------------------------------------------------------
# LTT
# --------------------------------------------------------------------------


def _ltt_reference(conf, err, r, delta, fwer, thresholds=None):
    """Plain loop over candidates, from the most conservative to the least."""
    if thresholds is None:
        thresholds = conf
    cands = []
    for t in sorted(set(np.asarray(thresholds, dtype=float).tolist()), reverse=True):
        accepted = [e for c, e in zip(conf, err, strict=True) if c >= t]
        n, k = len(accepted), sum(accepted)
        if stats.binom.cdf(0, n, r) <= delta:  # testable at all
            cands.append((t, n, k, stats.binom.cdf(k, n, r)))
    big_m = len(cands)
    if fwer == "fixed_sequence":
        certified = []
        for cand in cands:
            if cand[3] > delta:
                break
            certified.append(cand)
        if not certified:
            return None
        t, n, k, _ = certified[-1]
        bound = max(_cp_reference(c[2], c[1], delta) for c in certified)
        return t, n, bound
    if fwer == "holm":
        order = sorted(range(big_m), key=lambda j: cands[j][3])
        rejected = {}
        for rank, j in enumerate(order):
            level = delta / (big_m - rank)
            if cands[j][3] > level:
                break
            rejected[j] = level
    else:
        rejected = {
            j: delta / big_m for j in range(big_m) if cands[j][3] <= delta / big_m
        }
    if not rejected:
        return None
    j = max(rejected)  # later candidates have at least as much coverage
    t, n, k, _ = cands[j]
    return t, n, _cp_reference(k, n, rejected[j])


@pytest.mark.parametrize("fwer", FWERS)
@given(pairs=samples, r=target_risks, delta=deltas)
@settings(max_examples=100, deadline=None)
def test_ltt_matches_reference(fwer, pairs, r, delta):
    """LTT equals a plain loop over the candidate thresholds."""
    conf, err = _unzip(pairs)
    res = select_threshold_ltt(conf, err, target_risk=r, delta=delta, fwer=fwer)
    _check_result(res, conf, err, r)
    ref = _ltt_reference(conf, err, r, delta, fwer)
    if ref is None:
        assert not res.feasible
    else:
        assert (res.threshold, res.n_accepted) == ref[:2]
        assert res.risk_bound == pytest.approx(ref[2], rel=1e-12)


@pytest.mark.parametrize("fwer", FWERS)
@pytest.mark.parametrize("seed", range(4))
def test_ltt_matches_reference_on_larger_tied_data(fwer, seed):
    """LTT equals the reference on a few hundred samples with ties."""
    conf, err = _tied_data(seed)
    res = select_threshold_ltt(conf, err, target_risk=0.1, delta=0.05, fwer=fwer)
    ref = _ltt_reference(conf, err, 0.1, 0.05, fwer)
    assert res.feasible
    assert (res.threshold, res.n_accepted) == ref[:2]
    assert res.risk_bound == pytest.approx(ref[2], rel=1e-12)


@pytest.mark.parametrize("fwer", FWERS)
@pytest.mark.parametrize("seed", range(3))
def test_ltt_with_grid_matches_reference(fwer, seed):
    """A given grid, unsorted and with points accepting nothing, is handled."""
    conf, err = _tied_data(seed)
    grid = np.random.default_rng(seed).permutation(np.linspace(-0.5, 1.5, 81))
    res = select_threshold_ltt(
        conf, err, target_risk=0.1, delta=0.05, fwer=fwer, thresholds=grid
    )
    ref = _ltt_reference(conf, err, 0.1, 0.05, fwer, thresholds=grid)
    assert res.feasible
    assert (res.threshold, res.n_accepted) == ref[:2]
    assert res.risk_bound == pytest.approx(ref[2], rel=1e-12)
    assert res.threshold in grid
    assert res.n_accepted == (conf >= res.threshold).sum()


def test_ltt_drops_candidates_that_cannot_be_certified():
    """A perfect top sample does not stop the fixed sequence at once."""
    conf = np.linspace(0.5, 1, 200)
    err = (np.arange(200) < 60).astype(int)
    # (1 - 0.1) ** n <= 0.05 needs n >= 29 accepted samples
    res = select_threshold_ltt(conf, err, target_risk=0.1, delta=0.05)
    assert res.feasible and res.n_accepted > 29
    grid_res = select_threshold_ltt(
        conf, err, target_risk=0.1, delta=0.05, thresholds=[2.0, conf[-28], 0.0]
    )
    assert not grid_res.feasible


def test_ltt_grid_points_accepting_nothing_are_never_selected():
    """Thresholds above every confidence are never returned."""
    conf = np.full(100, 0.7)
    res = select_threshold_ltt(
        conf, np.zeros(100, int), target_risk=0.1, delta=0.05, thresholds=[0.9, 0.95]
    )
    assert not res.feasible and res.threshold == np.inf


@pytest.mark.parametrize("fwer", FWERS)
@given(pairs=samples, r=target_risks, delta=deltas, seed=st.integers(0, 2**32 - 1))
@settings(max_examples=40, deadline=None)
def test_ltt_row_permutation_invariant(fwer, pairs, r, delta, seed):
    """Row order does not change the LTT result."""
    conf, err = _unzip(pairs)
    perm = np.random.default_rng(seed).permutation(len(conf))
    kw = {"target_risk": r, "delta": delta, "fwer": fwer}
    a = select_threshold_ltt(conf, err, **kw)
    b = select_threshold_ltt(conf[perm], err[perm], **kw)
    assert a == b or (not a.feasible and not b.feasible)


@given(pairs=samples, delta=deltas, r1=st.floats(0.01, 0.9), r2=st.floats(0.01, 0.9))
@settings(max_examples=150, deadline=None)
def test_ltt_fixed_sequence_coverage_monotone_in_target_risk(pairs, delta, r1, r2):
    """A larger target risk never yields a smaller fixed-sequence coverage.

    Exception: a larger target risk can make a small candidate testable (see
    the next test); the property holds whenever the testable set is the same.
    """
    conf, err = _unzip(pairs)
    lo, hi = sorted((r1, r2))
    res_lo = select_threshold_ltt(conf, err, target_risk=lo, delta=delta)
    res_hi = select_threshold_ltt(conf, err, target_risk=hi, delta=delta)
    _, n, _ = grouped_counts(conf, err)
    testable_lo = binomial_p_value(0 * n, n, lo) <= delta
    testable_hi = binomial_p_value(0 * n, n, hi) <= delta
    if np.array_equal(testable_lo, testable_hi):
        assert res_hi.coverage >= res_lo.coverage


def test_ltt_fixed_sequence_monotonicity_corner_case():
    """A candidate that becomes testable at a larger target risk can fail."""
    conf, err = np.array([0.0, 0.0, 0.5]), np.array([0, 0, 1])
    # n = 1 at the top: testable iff 1 - r <= delta, then p = 1 > delta
    kw = {"delta": 0.3}
    assert select_threshold_ltt(conf, err, target_risk=0.65, **kw).coverage == 1.0
    assert not select_threshold_ltt(conf, err, target_risk=0.75, **kw).feasible


def test_ltt_holm_is_at_least_as_powerful_as_bonferroni():
    """Holm certifies at least the Bonferroni coverage."""
    for seed in range(5):
        conf, err = _tied_data(seed)
        kw = {"target_risk": 0.1, "delta": 0.05}
        holm = select_threshold_ltt(conf, err, fwer="holm", **kw)
        bonf = select_threshold_ltt(conf, err, fwer="bonferroni", **kw)
        assert holm.coverage >= bonf.coverage


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"fwer": "bh"}, ValueError, "fwer must be one of"),
        ({"thresholds": []}, ValueError, "non-empty 1-D"),
        ({"thresholds": [[0.5]]}, ValueError, "non-empty 1-D"),
        ({"thresholds": [0.5, np.nan]}, ValueError, "NaN"),
        ({"thresholds": ["a"]}, TypeError, "thresholds must be numeric"),
        ({"target_risk": 0.0}, ValueError, r"target_risk must be in \(0, 1\)"),
        ({"delta": 1.0}, ValueError, r"delta must be in \(0, 1\)"),
        ({"delta": True}, TypeError, "delta must be a real number"),
    ],
)
def test_ltt_validates_inputs(kwargs, exc, match):
    """Bad options raise informative errors."""
    params = {"target_risk": 0.1, "delta": 0.05, **kwargs}
    with pytest.raises(exc, match=match):
        select_threshold_ltt([0.5, 0.7], [0, 1], **params)


# --------------------------------------------------------------------------
# statistical validity
# --------------------------------------------------------------------------


def _sgr_paper(conf, err, r, delta):
    """The paper's SGR over the m sorted samples: (last, best feasible) thresholds.

    Returns the threshold and bound of the last iterate (what the paper and its
    reference code output) and the threshold of the best feasible iterate.
    """
    m = len(conf)
    conf_sorted = np.sort(conf)
    err_sorted = err[np.argsort(conf, kind="stable")]
    # errors among the top m - z + 1 samples, for z = 1..m
    tail_errors = np.cumsum(err_sorted[::-1])[::-1]
    k = math.ceil(math.log2(m))
    z_min, z_max = 1, m
    best = np.inf
    for _ in range(k):
        z = math.ceil((z_min + z_max) / 2)
        n = m - z + 1
        bound = _cp_reference(tail_errors[z - 1], n, delta / k)
        if bound < r:
            z_max = z
            best = min(best, conf_sorted[z - 1])
        else:
            z_min = z
    return conf_sorted[z - 1], bound, best


@pytest.mark.slow
def test_violation_rate_and_coverage_known_posterior():
    """P(true risk > r) <= delta up to Monte-Carlo error, for every method.

    Confidence c ~ U(0.5, 1) and error ~ Bernoulli(1 - c), so the selective
    risk at threshold t is (1 - t) / 2 and the coverage 2 (1 - t): the oracle
    threshold for r = 0.1 is 0.8 with coverage 0.4.
    """
    m, r, delta, reps = 1000, 0.1, 0.05, 1000
    rng = np.random.default_rng(12345)

    def true_risk(t):
        return 0.0 if np.isinf(t) else (1 - max(t, 0.5)) / 2

    def true_coverage(t):
        return 0.0 if np.isinf(t) else 2 * (1 - max(t, 0.5))

    methods = [
        "SGR best feasible",
        "SGR paper, last iterate",
        "SGR paper, best feasible",
        "LTT fixed_sequence",
        "LTT holm",
        "LTT bonferroni",
    ]
    thresholds = {name: np.empty(reps) for name in methods}
    last_not_certified = 0
    for i in range(reps):
        conf = rng.uniform(0.5, 1.0, m)
        err = (rng.uniform(size=m) < 1 - conf).astype(int)
        kw = {"target_risk": r, "delta": delta}
        thresholds["SGR best feasible"][i] = select_threshold_sgr(
            conf, err, **kw
        ).threshold
        last, last_bound, best = _sgr_paper(conf, err, r, delta)
        thresholds["SGR paper, last iterate"][i] = last
        thresholds["SGR paper, best feasible"][i] = best
        last_not_certified += last_bound >= r
        for fwer in FWERS:
            thresholds[f"LTT {fwer}"][i] = select_threshold_ltt(
                conf, err, fwer=fwer, **kw
            ).threshold

    tolerance = delta + 3 * math.sqrt(delta * (1 - delta) / reps)
    violation = {}
    coverage = {}
    print(f"\noracle coverage 0.400; violation tolerance {tolerance:.4f}")
    for name in methods:
        violation[name] = np.mean([true_risk(t) > r for t in thresholds[name]])
        coverage[name] = np.mean([true_coverage(t) for t in thresholds[name]])
        print(
            f"{name:26s} violation {violation[name]:.4f} coverage {coverage[name]:.4f}"
        )
    print(f"paper's last iterate not certified in {last_not_certified}/{reps} runs")

    for name in methods:
        if name != "SGR paper, last iterate":  # no guarantee for it
            assert violation[name] <= tolerance, name
        assert coverage[name] < 0.4, name
    # power sanity: the main methods certify a useful coverage
    assert coverage["SGR best feasible"] > 0.1
    assert coverage["LTT fixed_sequence"] > 0.1
    # with the same search path, the last iterate is never more conservative
    # than the best feasible one: it differs only when it was not certified
    paper_last = thresholds["SGR paper, last iterate"]
    paper_best = thresholds["SGR paper, best feasible"]
    assert np.all(paper_last <= paper_best)
    assert np.sum(paper_last < paper_best) == last_not_certified
    assert last_not_certified > 0


# --------------------------------------------------------------------------
# fallback chain graph, hybrid, Holm grid, dispatch table, best achievable
# --------------------------------------------------------------------------


def _graph_reference(p_values, initial, delta_total=None):
    """Bretz et al. (2009) Algorithm 1 for the chain graph, step by step.

    Repeatedly reject any hypothesis whose p-value is at most its current
    level; a rejected hypothesis passes its level to its successor (or, if
    that one is already rejected, further down the chain; past the end it
    is lost).
    """
    level = np.array(initial, dtype=float)
    rejected = np.zeros(len(p_values), dtype=bool)
    changed = True
    while changed:
        changed = False
        for i in range(len(p_values)):
            if not rejected[i] and level[i] > 0 and p_values[i] <= level[i]:
                rejected[i] = True
                nxt = i + 1
                while nxt < len(p_values) and rejected[nxt]:
                    nxt += 1
                if nxt < len(p_values):
                    level[nxt] += level[i]
                level[i] = 0.0
                changed = True
    return rejected


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(0, 29), st.floats(0.001, 0.05)), max_size=4),
)
def test_chain_graph_matches_sequential_graph_algorithm(p_values, entries):
    """The one-pass chain equals the step-by-step graphical procedure."""
    p_values = np.array(p_values)
    entries = [(s % len(p_values), lev) for s, lev in entries]
    initial = np.zeros(len(p_values))
    for s, lev in entries:
        initial[s] += lev
    rejected, _ = _fwer.chain_with_entries(
        p_values, [s for s, _ in entries], [lev for _, lev in entries]
    )
    np.testing.assert_array_equal(rejected, _graph_reference(p_values, initial))


def test_chain_graph_hand_example():
    """A failed run keeps its level; the next entry starts with its own only."""
    p = np.array([0.01, 0.02, 0.5, 0.03, 0.02, 0.001, 0.04])
    rejected, held = _fwer.chain_with_entries(p, [0, 3, 5], [0.025, 0.0125, 0.0125])
    # run 1 at 0.025: rejects 0, 1, fails at 2; entry 3 at 0.0125 fails;
    # entry 5 at 0.0125 rejects 5, passes 0.0125 to 6 which fails (0.04)
    assert rejected.tolist() == [True, True, False, False, False, True, False]
    assert held.tolist() == [0.025, 0.025, 0.025, 0.0125, 0.0, 0.0125, 0.0125]


def test_chain_graph_merges_levels_when_a_run_reaches_an_entry():
    """A run that passes the next entry carries the sum of both levels."""
    p = np.array([0.01, 0.02, 0.03, 0.04])
    rejected, held = _fwer.chain_with_entries(p, [0, 2], [0.025, 0.025])
    assert rejected.all()
    assert held.tolist() == [0.025, 0.025, 0.05, 0.05]


def _power_reference(m, r, level, risk=0.5, power=0.8):
    """First n <= m / 2 whose level test passes w.p. >= power at ``risk * r``."""
    # every (n, k) with k <= n at once: the largest k whose tail passes, per n
    n = np.arange(1, m // 2 + 1)[:, None]
    k = np.arange(m // 2 + 1)[None, :]
    passes = (k <= n) & (stats.binom.cdf(k, n, r) <= level)
    has_pass = passes.any(axis=1)
    k_max = np.where(has_pass, passes.shape[1] - 1 - np.argmax(passes[:, ::-1], 1), 0)
    powered = has_pass & (stats.binom.cdf(k_max, n[:, 0], risk * r) >= power)
    return int(n[np.argmax(powered), 0]) if powered.any() else None


def _ltt_graph_reference(conf, err, r, delta, first_share=0.5, power=True):
    """Brute force: distinct values, entries by hand, graph by Bretz's steps."""
    thresholds = np.unique(conf)[::-1]
    n = np.array([(conf >= t).sum() for t in thresholds])
    k = np.array([err[conf >= t].sum() for t in thresholds])
    p = stats.binom.cdf(k, n, r)
    m = len(conf)

    def first(level):
        for e in (2, 1, 0):
            c = np.arange(e + 1, m + 1)
            counts = c[stats.binom.cdf(e, c, r) <= level]
            if counts.size and (counts[0] <= m / 2 or e == 0):
                return int(counts[0])
        return None

    n1 = first(delta * first_share)
    if n1 is None or 2 * n1 > m:
        n1 = first(delta)
        entries = [] if n1 is None else [(n1, delta)]
    else:
        counts = [n1]
        while 2 * counts[-1] <= m:
            counts.append(2 * counts[-1])
        rest = delta * (1 - first_share) / (len(counts) - 1)
        entries = [(n1, delta * first_share)] + [(c, rest) for c in counts[1:]]
    if power and len(entries) > 1:
        # the floor entry: delta / 4, paid by the doubling entries after the
        # first (which hold delta / 2 between them)
        n_floor = _power_reference(m, r, delta / 4, risk=0.5)
        if n_floor is not None:
            entries = [entries[0]] + [(c, level / 2) for c, level in entries[1:]]
            entries.append((n_floor, delta / 4))
    if power and entries:
        # the weak-model entry: delta / 4, paid by all
        n_weak = _power_reference(m, r, delta / 4, risk=0.8)
        if n_weak is not None:
            entries = [(c, level * 3 / 4) for c, level in entries]
            entries.append((n_weak, delta / 4))
    if power and len(entries) > 1:
        # the halving entries: SGR's level at m / 2 and m / 4, paid by the
        # entries after the first (at most 80% of their level)
        others = sum(level for _, level in entries[1:])
        take = min(2 * delta / math.ceil(math.log2(m)), 0.8 * others)
        entries = entries[:1] + [
            (c, level * (1 - take / others)) for c, level in entries[1:]
        ]
        entries += [(m // 2, take / 2), (m // 4, take / 2)]
    initial = np.zeros(len(thresholds))
    for count, level in entries:
        idx = np.flatnonzero(n >= count)
        if idx.size:
            initial[idx[0]] += level
    rejected = _graph_reference(p, initial)
    if not rejected.any():
        return np.inf
    return thresholds[np.flatnonzero(rejected)[-1]]


def _floor_data(seed, m=600, floor=0.05):
    """An error floor among the most confident, errors rising below 0.5."""
    rng = np.random.default_rng(seed)
    conf = np.round(rng.uniform(size=m), 3)
    p_err = np.maximum(floor, floor + 0.8 * (0.5 - conf))
    return conf, (rng.uniform(size=m) < p_err).astype(int)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("r", [0.08, 0.12])
def test_ltt_graph_matches_brute_force(seed, r):
    """Entries, candidates and graph agree with a step-by-step reference."""
    conf, err = _floor_data(seed)
    res = certify.select_threshold_ltt_graph(conf, err, target_risk=r, delta=0.05)
    assert res.threshold == _ltt_graph_reference(conf, err, r, 0.05)
    if res.feasible:
        _check_result(res, conf, err, r)


def test_ltt_graph_power_entry_only_up_to_half_the_data():
    """No power entry beyond m / 2: it would leave too little to test."""
    n_floor = _power_reference(4000, 0.1, 0.05 / 4)
    assert _binomial.power_count(2000, 0.1, 0.05 / 4, 0.05, 0.8) == n_floor
    assert _binomial.power_count(n_floor - 1, 0.1, 0.05 / 4, 0.05, 0.8) is None
    counts, levels = _select._graph_entries(2 * n_floor - 1, 0.1, 0.05, 0.5)
    assert n_floor not in counts and sum(levels) == pytest.approx(0.05)
    counts, _ = _select._graph_entries(2 * n_floor, 0.1, 0.05, 0.5)
    assert counts[-3] == n_floor  # before the two halving entries


@pytest.mark.parametrize(
    # 4 draws in the default suite, 36 more in the slow one (0.4 s each)
    "seed",
    [s if s < 4 else pytest.param(s, marks=pytest.mark.slow) for s in range(40)],
)
def test_ltt_graph_certifies_where_sgr_first_test_passes(seed):
    """The halving entry at m / 2 holds SGR's level: SGR's first test passing
    means ltt_graph accepts at least those samples."""
    rng = np.random.default_rng(seed)
    m = int(rng.choice([200, 1000, 3000]))
    conf = np.round(rng.uniform(size=m), 3)
    floor = rng.uniform(0.0, 0.12)
    err = (rng.uniform(size=m) < floor + 0.5 * (1 - conf) ** 2).astype(int)
    r = float(rng.uniform(0.08, 0.2))
    # SGR's first test: the smallest tie group holding at least m / 2 samples
    values = np.unique(conf)[::-1]
    n = np.array([(conf >= t).sum() for t in values])
    j = np.flatnonzero(n >= m // 2)[0]
    k = err[conf >= values[j]].sum()
    sgr_first = stats.binom.cdf(k, n[j], r) <= 0.05 / math.ceil(math.log2(m))
    res = certify.select_threshold_ltt_graph(conf, err, target_risk=r, delta=0.05)
    if sgr_first:
        assert res.n_accepted >= n[j]
    assert res.threshold == _ltt_graph_reference(conf, err, r, 0.05)


def test_ltt_graph_power_entries_validated():
    """power_entries is a boolean."""
    conf, err = _floor_data(0)
    with pytest.raises(TypeError, match="power_entries must be True or False"):
        _select._ltt_graph_selection(
            conf, err, target_risk=0.1, delta=0.05, power_entries=((0.5, 0.2),)
        )
    off = _select._ltt_graph_selection(
        conf, err, target_risk=0.1, delta=0.05, power_entries=False
    )
    assert off.threshold == _ltt_graph_reference(conf, err, 0.1, 0.05, power=False)


def test_ltt_graph_certifies_past_a_failed_first_test():
    """Three errors among the top 60 stop LTT; a later entry certifies."""
    conf = np.linspace(1.0, 0.0, 1000)
    err = np.zeros(1000, dtype=int)
    err[[5, 20, 40]] = 1  # in the top 60: the first test fails
    err[np.arange(700, 1000, 2)] = 1  # errors rise below the top 700
    r, delta = 0.1, 0.05
    ltt = certify.RISK_METHODS["ltt"](conf, err, target_risk=r, delta=delta)
    assert not ltt.feasible
    res = certify.select_threshold_ltt_graph(conf, err, target_risk=r, delta=delta)
    assert res.feasible and res.n_accepted > 700
    assert res.threshold == _ltt_graph_reference(conf, err, r, delta)


def test_ltt_graph_single_entry_is_ltt():
    """When 2 n_1 > m ltt_graph is fixed-sequence LTT from ltt_candidates."""
    for seed in range(5):
        conf, err = _tied_data(seed, m=60)
        kw = {"target_risk": 0.1, "delta": 0.05}
        assert len(_select._graph_entries(60, 0.1, 0.05, 0.5)[0]) == 1
        expected = certify.RISK_METHODS["ltt"](conf, err, **kw)
        res = certify.select_threshold_ltt_graph(conf, err, **kw)
        assert res == expected


def test_sgr_ltt_is_the_larger_of_two_half_level_selections():
    """The hybrid returns SGR or LTT at delta / 2, whichever covers more."""
    for seed in range(5):
        conf, err = _floor_data(seed)
        kw = {"target_risk": 0.1}
        sgr = select_threshold_sgr(conf, err, delta=0.025, **kw)
        grid = certify.ltt_candidates(conf, target_risk=0.1, delta=0.025)
        ltt = select_threshold_ltt(conf, err, delta=0.025, thresholds=grid, **kw)
        res = certify.select_threshold_sgr_ltt(conf, err, delta=0.05, **kw)
        assert res == (ltt if ltt.coverage > sgr.coverage else sgr)


def test_holm_candidates_hand_values():
    """At most 20 thresholds, from the zero-error count at delta / 20 to all."""
    conf = np.linspace(0, 1, 1001)
    grid = certify.holm_candidates(conf, target_risk=0.1, delta=0.05)
    n_min = math.ceil(math.log(0.05 / 20) / math.log(0.9))  # 0.9 ** n <= 0.0025
    assert len(grid) == 20
    assert (conf >= grid.max()).sum() == n_min
    assert grid.min() == 0.0


def test_risk_methods_table():
    """Every entry has the documented signature and the default is listed."""
    conf, err = _floor_data(1)
    assert certify.DEFAULT_RISK_METHOD in certify.RISK_METHODS
    assert {"ltt", "ltt_holm", "sgr"} <= set(certify.RISK_METHODS)
    for name, select in certify.RISK_METHODS.items():
        res = select(conf, err, target_risk=0.12, delta=0.05, thresholds=None)
        assert isinstance(res, ThresholdSelection), name
        assert res.feasible, name
        _check_result(res, conf, err, 0.12)
    grid = certify.ltt_candidates(conf, target_risk=0.12, delta=0.05)
    assert certify.RISK_METHODS["ltt"](
        conf, err, target_risk=0.12, delta=0.05
    ) == select_threshold_ltt(conf, err, target_risk=0.12, delta=0.05, thresholds=grid)


@pytest.mark.parametrize("method", ["ltt_graph", "ltt", "sgr"])
@pytest.mark.parametrize("seed", range(3))
def test_best_achievable_risk_is_feasible_and_tight(method, seed):
    """Feasible at the value returned, infeasible just below it."""
    conf, err = _floor_data(seed, m=400)
    select = certify.RISK_METHODS[method]
    best = certify.best_achievable_risk(conf, err, delta=0.05, method=method)
    assert select(conf, err, target_risk=best, delta=0.05).feasible
    assert not select(conf, err, target_risk=best - 2e-4, delta=0.05).feasible


def test_best_achievable_risk_zero_errors_closed_form():
    """All correct, LTT: the whole set passes at r = 1 - delta ** (1 / m)."""
    conf = np.linspace(0, 1, 50)
    best = certify.best_achievable_risk(
        conf, np.zeros(50, dtype=int), delta=0.05, method="ltt"
    )
    assert best == pytest.approx(1 - 0.05 ** (1 / 50), abs=1e-4)


def test_best_achievable_risk_nan_when_nothing_can_be_certified():
    """One wrong sample supports no certificate at any target."""
    assert math.isnan(certify.best_achievable_risk([0.9], [1], delta=0.05))


def test_best_achievable_risk_rejects_unknown_method():
    """An unknown method name is a clear ValueError."""
    with pytest.raises(ValueError, match="method must be one of"):
        certify.best_achievable_risk([0.9, 0.8], [0, 0], delta=0.05, method="x")


@pytest.mark.slow
def test_violation_rate_error_floor_and_confident_cluster():
    """Every method keeps P(true risk > r) <= delta on non-monotone risks.

    Error floor: c ~ U(0, 1), P(error | c) = 0.045 + 0.6 max(0, 0.8 - c), so
    the risk among the 20 % most confident is already 0.045; r = 0.089.
    Cluster: P(error | c) = 0.5 (1 - c) ** 2 but 0.4 above c = 0.97 (a
    confidently wrong cluster); r = 0.1. The true selective risk at ``t`` is
    computed by quadrature of the exact error probability.
    """
    from scipy import integrate

    scenarios = {
        "floor": (lambda c: 0.045 + 0.6 * np.maximum(0.0, 0.8 - c), 0.089),
        "cluster": (lambda c: np.where(c > 0.97, 0.4, 0.5 * (1 - c) ** 2), 0.1),
    }
    m, delta, reps = 1000, 0.05, 1000
    tolerance = delta + 3 * math.sqrt(delta * (1 - delta) / reps)
    for name, (eta, r) in scenarios.items():
        rng = np.random.default_rng(2024)
        grid = np.linspace(0, 1, 200_001)
        cum = integrate.cumulative_trapezoid(eta(grid)[::-1], grid, initial=0)[::-1]

        def true_risk(t, grid=grid, cum=cum):
            if np.isinf(t):
                return 0.0
            i = np.searchsorted(grid, t)
            return cum[i] / max(1 - grid[i], 1e-12)

        thresholds = {k: np.empty(reps) for k in certify.RISK_METHODS}
        for i in range(reps):
            conf = rng.uniform(size=m)
            err = (rng.uniform(size=m) < eta(conf)).astype(int)
            for k, select in certify.RISK_METHODS.items():
                thresholds[k][i] = select(
                    conf, err, target_risk=r, delta=delta
                ).threshold
        for k, ts in thresholds.items():
            violation = np.mean([true_risk(t) > r for t in ts])
            assert violation <= tolerance, (name, k, violation)
        # the default certifies something far more often than single-start LTT
        assert np.mean(np.isfinite(thresholds["ltt_graph"])) > 0.5
        assert np.mean(np.isfinite(thresholds["ltt_graph"])) >= np.mean(
            np.isfinite(thresholds["ltt"])
        ), name


# --------------------------------------------------------------------------
# the one FWER engine against straightforward implementations
# --------------------------------------------------------------------------


def _holm_by_hand(p, delta):
    """Holm (1979): sort, test the i-th smallest at delta / (M - i), stop."""
    rejected = np.zeros(len(p), dtype=bool)
    for i, j in enumerate(np.argsort(p, kind="stable")):
        if p[j] > delta / (len(p) - i):
            break
        rejected[j] = True
    return rejected


def _fixed_sequence_by_hand(p, delta):
    rejected = np.zeros(len(p), dtype=bool)
    for i, value in enumerate(p):
        if value > delta:
            break
        rejected[i] = True
    return rejected


def _bonferroni_by_hand(p, delta):
    return np.array([value <= delta / len(p) for value in p], dtype=bool)


def _graphs(n_hyp):
    """Transition matrices of the chain, complete and empty graphs."""
    chain = np.eye(n_hyp, k=1)
    complete = (np.ones((n_hyp, n_hyp)) - np.eye(n_hyp)) / max(n_hyp - 1, 1)
    return chain, complete, np.zeros((n_hyp, n_hyp))


@pytest.mark.parametrize("seed", range(300))
def test_fwer_engine_reproduces_holm_fixed_sequence_and_bonferroni(seed):
    """One graph procedure, three classical procedures, random p-values."""
    rng = np.random.default_rng(seed)
    n_hyp = int(rng.integers(1, 15))
    delta = float(rng.choice([0.01, 0.05, 0.1, 0.3]))
    # a mix of clearly small, borderline and large p-values
    p = rng.choice([0.0005, 0.003, 0.01, 0.03, 0.2, 0.7]) * rng.uniform(0.2, 1.5, n_hyp)
    p = np.minimum(p, 1.0)
    chain, complete, empty = _graphs(n_hyp)
    first = [delta] + [0.0] * (n_hyp - 1)
    even = [delta / n_hyp] * n_hyp

    expected = _fixed_sequence_by_hand(p, delta)
    np.testing.assert_array_equal(_fwer.fixed_sequence(p, delta)[0], expected)
    np.testing.assert_array_equal(_fwer.graph_procedure(p, first, chain)[0], expected)

    expected = _holm_by_hand(p, delta)
    rejected, held = _fwer.holm(p, delta)
    np.testing.assert_array_equal(rejected, expected)
    np.testing.assert_array_equal(_fwer.graph_procedure(p, even, complete)[0], expected)
    # the level at which the i-th smallest p-value was rejected is delta / (M - i)
    order = np.argsort(p, kind="stable")
    for i, j in enumerate(order[: rejected.sum()]):
        assert held[j] == delta / (n_hyp - i)

    expected = _bonferroni_by_hand(p, delta)
    np.testing.assert_array_equal(_fwer.bonferroni(p, delta)[0], expected)
    np.testing.assert_array_equal(_fwer.graph_procedure(p, even, empty)[0], expected)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1), min_size=1, max_size=12),
    st.lists(st.tuples(st.integers(0, 11), st.floats(0.001, 0.05)), max_size=4),
)
def test_fwer_chain_is_the_general_graph_algorithm(p_values, entries):
    """The one-pass chain equals Bretz's algorithm on the chain's matrix."""
    p_values = np.array(p_values)
    initial = np.zeros(len(p_values))
    for s, lev in entries:
        initial[s % len(p_values)] += lev
    chain = np.eye(len(p_values), k=1)
    fast, _ = _fwer.graph_procedure(p_values, list(initial), "chain")
    general, _ = _fwer.graph_procedure(p_values, list(initial), chain)
    np.testing.assert_array_equal(fast, general)


def test_fwer_engine_validates_its_graph():
    with pytest.raises(ValueError, match="graph must be"):
        _fwer.graph_procedure(np.array([0.1]), [0.05], "star")
    with pytest.raises(ValueError, match="equal initial levels"):
        _fwer.graph_procedure(np.array([0.1, 0.2]), [0.01, 0.04], "complete")
    with pytest.raises(ValueError, match="levels for"):
        _fwer.graph_procedure(np.array([0.1, 0.2]), [0.05], "chain")


def test_general_graph_hand_example():
    """Bretz et al. (2009): a rejected node's level moves along the edges."""
    p = np.array([0.02, 0.04, 0.2])
    graph = np.array([[0, 0.5, 0.5], [0, 0, 1.0], [0, 0, 0]])
    rejected, held = _fwer.graph_procedure(p, [0.025, 0.025, 0.0], graph)
    # 0 passes at 0.025 and hands 0.0125 to each; 1 then holds 0.0375 < 0.04
    assert rejected.tolist() == [True, False, False]
    assert held.tolist() == pytest.approx([0.025, 0.0375, 0.0125])


# --------------------------------------------------------------------------
# the renamed default
# --------------------------------------------------------------------------


def test_fallback_is_a_deprecated_name_of_ltt_graph():
    conf, err = _floor_data(0)
    with pytest.warns(FutureWarning, match="renamed method='ltt_graph'.*0.4"):
        old = certify.best_achievable_risk(conf, err, delta=0.05, method="fallback")
    assert old == certify.best_achievable_risk(conf, err, delta=0.05)
    assert certify.DEFAULT_RISK_METHOD == "ltt_graph"
    assert "fallback" not in certify.RISK_METHODS


# --------------------------------------------------------------------------
# pinned outputs: a refactoring must not move a threshold or a bound
# --------------------------------------------------------------------------

_PINNED = [
    ("floor", "ltt_graph", 0.163, 0.14867563431642536, 519),
    ("floor", "ltt", 0.131, 0.1497985445885086, 533),
    ("floor", "ltt_holm", 0.171, 0.1478163529741909, 511),
    ("floor", "sgr", 0.175, 0.14822732516073311, 509),
    ("floor", "sgr_ltt", 0.194, 0.1489972876186032, 496),
    ("floor", "ltt_holm_all", 0.226, 0.14966724523936664, 479),
    ("floor", "ltt_bonferroni_all", 0.227, 0.1499259500856472, 478),
    ("tied", "ltt_graph", 0.4, 0.09420760225148904, 193),
    ("tied", "ltt", np.inf, np.nan, 0),
    ("tied", "ltt_holm", 0.5, 0.09783239254041128, 163),
    ("tied", "sgr", 0.4, 0.09982280853224156, 193),
    ("tied", "sgr_ltt", np.inf, np.nan, 0),
    ("tied", "ltt_holm_all", 0.525, 0.09850179770538356, 156),
    ("tied", "ltt_bonferroni_all", 0.525, 0.09942103369045252, 156),
]


@pytest.mark.parametrize("data, method, threshold, bound, n_accepted", _PINNED)
def test_selections_keep_their_pinned_outputs(
    data, method, threshold, bound, n_accepted
):
    """Values of 0.2.0 (before and after the move to ``certify``)."""
    conf, err = _floor_data(0) if data == "floor" else _tied_data(0)
    target = 0.15 if data == "floor" else 0.1
    if method.endswith("_all"):  # LTT over every distinct value
        fwer = method.removeprefix("ltt_").removesuffix("_all")
        res = select_threshold_ltt(conf, err, target_risk=target, delta=0.05, fwer=fwer)
    else:
        res = certify.RISK_METHODS[method](conf, err, target_risk=target, delta=0.05)
    assert res.threshold == threshold
    assert res.n_accepted == n_accepted
    if np.isnan(bound):
        assert np.isnan(res.risk_bound)
    else:
        assert res.risk_bound == pytest.approx(bound, rel=1e-12)


# --------------------------------------------------------------------------
# certification from counts on a fixed grid
# --------------------------------------------------------------------------


def _counts_on(grid, conf, err):
    accepted = np.array([(conf >= t).sum() for t in grid])
    errors = np.array([err[conf >= t].sum() for t in grid])
    return accepted, errors


@given(pairs=samples, r=target_risks, delta=deltas, seed=st.integers(0, 1000))
@settings(max_examples=60, deadline=None)
def test_from_counts_equals_per_row_selection(pairs, r, delta, seed):
    """On the same grid, counts and per-row confidences select the same."""
    conf, err = _unzip(pairs)
    grid = np.random.default_rng(seed).uniform(0, 1, 7)
    accepted, errors = _counts_on(grid, conf, err)
    per_row = {
        "ltt_graph": certify.select_threshold_ltt_graph,
        "ltt": certify.RISK_METHODS["ltt"],
        "ltt_holm": certify.RISK_METHODS["ltt_holm"],
    }
    for method, select in per_row.items():
        expected = select(conf, err, target_risk=r, delta=delta, thresholds=grid)
        got = certify.select_threshold_from_counts(
            grid[::-1],  # any order
            accepted[::-1],
            errors[::-1],
            n_calibration=conf.shape[0],
            target_risk=r,
            delta=delta,
            method=method,
        )
        assert got == expected, method


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"method": "sgr"}, ValueError, "cannot certify from counts"),
        ({"accepted": [5, 3]}, ValueError, "not counts of one calibration set"),
        ({"errors": [3, 1]}, ValueError, "not counts of one calibration set"),
        ({"n_calibration": 3}, ValueError, "at most n_calibration"),
        ({"accepted": [2.5, 5]}, ValueError, "integer counts"),
        ({"thresholds": [0.5, 0.5]}, ValueError, "distinct"),
        ({"errors": [1]}, ValueError, "one count per threshold"),
    ],
)
def test_from_counts_validates_inputs(kwargs, exc, match):
    """Counts that no calibration set gives are refused, saying why."""
    args = {
        "thresholds": [0.9, 0.5],
        "accepted": [3, 5],
        "errors": [0, 1],
        "n_calibration": 6,
        "target_risk": 0.2,
        "delta": 0.1,
        **kwargs,
    }
    with pytest.raises(exc, match=match):
        certify.select_threshold_from_counts(**args)


@pytest.mark.slow
def test_counts_mode_violation_rate():
    """The counts mode (partitions counted on a fixed grid, summed) is valid.

    Confidence c ~ U(0.5, 1) and error ~ Bernoulli(1 - c): the selective risk
    at t is (1 - t) / 2, the oracle threshold for r = 0.1 is 0.8 with
    coverage 0.4. The grid is fixed before any draw; each calibration set of
    2000 rows is counted in 4 partitions whose counts are summed, as on Dask.
    """
    from selective_clf._counting import grid_counts, merge_grid_counts

    m, r, delta, reps = 2000, 0.1, 0.05, 2000
    rng = np.random.default_rng(2026)
    grid = np.linspace(0.5, 1.0, 101)
    results = {method: [] for method in certify.GRID_METHODS}
    for _ in range(reps):
        conf = rng.uniform(0.5, 1.0, m)
        err = rng.uniform(size=m) < 1 - conf
        parts = [
            grid_counts(conf[s], err[s], grid) for s in np.array_split(np.arange(m), 4)
        ]
        counts = parts[0]
        for part in parts[1:]:
            counts = merge_grid_counts(counts, part)
        for method in certify.GRID_METHODS:
            results[method].append(
                certify.select_threshold_from_counts(
                    grid,
                    counts.accepted[0],
                    counts.errors[0],
                    n_calibration=m,
                    target_risk=r,
                    delta=delta,
                    method=method,
                ).threshold
            )
    tolerance = delta + 3 * math.sqrt(delta * (1 - delta) / reps)
    print(f"\ncounts mode, {reps} reps of {m} rows; tolerance {tolerance:.4f}")
    for method, thresholds in results.items():
        thresholds = np.array(thresholds)
        violation = np.mean((1 - np.minimum(thresholds, 1.0)) / 2 > r)
        coverage = np.mean(np.where(np.isinf(thresholds), 0, 2 * (1 - thresholds)))
        print(f"{method:10s} violation {violation:.4f} coverage {coverage:.4f}")
        assert violation <= tolerance, method
        assert 0.15 < coverage < 0.4, method  # holm pays for 101 candidates


@pytest.mark.parametrize("method", ["ltt_graph", "ltt", "ltt_holm"])
@pytest.mark.parametrize("seed", range(4))
def test_certified_thresholds_contains_each_selection(method, seed):
    """On a method's own grid, the lowest certified threshold is its selection."""
    from selective_clf.certify import (
        RISK_METHODS,
        certified_thresholds,
        holm_candidates,
    )

    rng = np.random.default_rng(seed)
    n = int(rng.integers(100, 1500))
    confidence = rng.uniform(size=n).round(3)
    p_error = np.maximum(0.03, 0.03 + rng.uniform(0.2, 1.0) * (0.6 - confidence))
    if seed % 2:  # a confidently wrong cluster: the set is not upward closed
        p_error = np.where(confidence > 0.95, 0.3, p_error)
    error = (rng.uniform(size=n) < p_error).astype(int)
    target, delta = 0.1, 0.05
    selection = RISK_METHODS[method](confidence, error, target_risk=target, delta=delta)
    grid = (
        holm_candidates(confidence, target_risk=target, delta=delta)
        if method == "ltt_holm"
        else np.unique(confidence)
    )
    result = certified_thresholds(
        confidence,
        error,
        target_risk=target,
        delta=delta,
        thresholds=grid,
        method=method,
    )
    assert (np.diff(result.thresholds) < 0).all()
    if not selection.feasible:
        assert not result.certified.any()
        return
    lowest = result.thresholds[result.certified].min()
    assert lowest == selection.threshold
    at = result.thresholds == lowest
    assert result.risk_bound[at][0] == pytest.approx(selection.risk_bound)
    assert np.isnan(result.risk_bound[~result.certified]).all()


@pytest.mark.parametrize("method", ["ltt_graph", "ltt", "ltt_holm"])
@pytest.mark.parametrize("seed", range(3))
def test_every_group_set_of_one_group_is_its_own_set(method, seed):
    """certified_for_every_group with one group is certified_thresholds."""
    from selective_clf.certify import certified_for_every_group, certified_thresholds

    rng = np.random.default_rng(seed)
    confidence = rng.uniform(size=800).round(3)
    error = (rng.uniform(size=800) < 0.25 * (1 - confidence)).astype(int)
    grid = (
        certify.holm_candidates(confidence, target_risk=0.08, delta=0.1)
        if method == "ltt_holm"
        else np.unique(confidence)
    )
    kwargs = dict(delta=0.1, thresholds=grid, method=method)
    one = certified_thresholds(confidence, error, target_risk=0.08, **kwargs)
    every = certified_for_every_group(
        [confidence], [error], target_risk=[0.08], **kwargs
    )
    assert one.certified.any() or method == "ltt_holm"
    np.testing.assert_array_equal(every.certified, one.certified)
    np.testing.assert_allclose(every.risk_bound[0], one.risk_bound)


def test_every_group_p_value_is_the_largest_group_p_value():
    """Fixed sequence on a grid: a candidate passes iff every group's test does."""
    from selective_clf.certify import certified_for_every_group

    rng = np.random.default_rng(0)
    confidences = [rng.uniform(size=n).round(2) for n in (600, 300)]
    errors = [
        (rng.uniform(size=c.shape[0]) < s * (1 - c)).astype(int)
        for c, s in zip(confidences, (0.3, 0.6), strict=True)
    ]
    grid = np.linspace(0.95, 0.05, 19)
    targets, delta = [0.1, 0.2], 0.1
    result = certified_for_every_group(
        confidences,
        errors,
        target_risk=targets,
        delta=delta,
        thresholds=grid,
        method="ltt",
        robust_start=False,
    )
    expected = np.zeros(grid.shape[0], dtype=bool)
    for j, t in enumerate(grid):  # by hand, with scipy
        ns = [int((c >= t).sum()) for c in confidences]
        if any((1 - r) ** n > delta for n, r in zip(ns, targets, strict=True)):
            continue  # untestable in some group: skipped
        ks = [int(e[c >= t].sum()) for c, e in zip(confidences, errors, strict=True)]
        p = max(
            stats.binom.cdf(k, n, r) for k, n, r in zip(ks, ns, targets, strict=True)
        )
        if p > delta:
            break
        expected[j] = True
    assert expected.any() and not expected.all()
    np.testing.assert_array_equal(result.certified, expected)
