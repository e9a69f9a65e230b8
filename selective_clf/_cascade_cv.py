"""A deferral cascade whose stage thresholds are tuned together, for a cost or a risk.

:class:`SelectiveCascade` runs the stages; this module tunes them: one model
per stage and fold (:mod:`._oof`), what the cascade does at every combination
of stage thresholds counted once (:func:`._counting.cascade_counts`), the
cost of each, and with ``target_risk`` the chains of combinations certified
through the one family-wise engine (:func:`.certify.certify_chains`).
"""

from itertools import product
from math import ceil
from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.utils import Bunch, indexable
from sklearn.utils.metadata_routing import MethodMapping, process_routing
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import column_or_1d

from ._cascade import SelectiveCascade
from ._certificate import build_certificate, calibration_record, hash_data
from ._classifier import DEFAULT_REJECTION_COST, SelectiveClassifier
from ._compat import (
    Interval,
    RealNotInt,
    _check_sample_weight,
    _fit_context,
    _routing_enabled,
)
from ._counting import cascade_counts
from ._decision import is_frozen
from ._oof import (
    fit_stages_and_collect,
    get_splitter,
    make_splits,
    split_groups,
    stage_decisions,
    warn_missing_classes,
    warn_protocol,
)
from ._validation import check_fit_target
from .certify import certify_chains, check_thresholds
from .exceptions import GuaranteeWarning, _warn

DEFAULT_GRID_SIZE = 20

#: With ``target_risk``: the share of ``delta`` held by the chain of the last
#: stage alone (every earlier stage defers every row), so that the certified
#: cascade is never far below its last stage certified alone.
LAST_STAGE_ALONE_SHARE = 0.5
#: With ``target_risk`` and an int ``thresholds``: the candidate thresholds of
#: each earlier stage, besides ``inf``, are those at which it alone would
#: decide these shares of the calibration rows (its most confident rows).
EARLY_STAGE_SHARES = (0.1, 0.3)
#: Name of the splitter in the metadata router of SelectiveCascadeCV.
_SPLITTER = "splitter"


class SelectiveCascadeCV(SelectiveCascade):
    """Cascade whose stage thresholds are tuned together, for a cost or a risk.

    Each stage is a :class:`SelectiveClassifier`; its own ``threshold`` is
    ignored. One model per stage is fitted per fold, the out-of-fold
    confidences of every stage are collected once, and every combination of
    candidate thresholds ``(t_1, ..., t_k)`` is evaluated on them: a row is
    decided by the first stage whose confidence reaches its threshold, and
    rejected if none does. The cost of a combination, per row, is::

        (errors + sum_s stage_costs[s] * rows reaching stage s
                + rejection_cost * rows rejected by all) / n_rows

    so a slow stage can be priced by its compute and the rows left over by
    the price of a human review. Objectives:

    - ``rejection_cost`` alone: the combination with the lowest cost.
    - ``target_risk=r``: only combinations whose selective risk (errors
      among the rows accepted by any stage) is certified at most ``r`` with
      probability ``1 - delta`` are eligible; among those whose coverage is
      within ``coverage_tolerance`` of the largest, the one with the lowest
      stage price (without ``stage_costs``: the fewest rows reaching the
      stages after the first) or, when ``rejection_cost`` is also given,
      the lowest cost.

    The fitted cascade predicts like a :class:`SelectiveCascade` whose stage
    ``i`` accepts a row when its confidence is at least ``thresholds_[i]``.

    Parameters
    ----------
    stages : list of (str, SelectiveClassifier) tuples
        The stages in the order rows visit them. Their ``estimator``,
        ``confidence`` and ``response_method`` are used, their ``threshold``
        is not. A stage wrapping a :class:`~sklearn.frozen.FrozenEstimator`
        is used as is.

    stage_costs : array-like of shape (n_stages,), default=None
        Price of running each stage on one row, in units of the cost of one
        error. ``None`` means zero for every stage.

    rejection_cost : float in [0, 1], default=None
        Price of a row every stage rejects (e.g. a human review), an error
        costing 1. An objective on its own; with ``target_risk`` it picks the
        cheapest certified combination. Also used by :meth:`score` (0.5 when
        not given).

    target_risk : float in (0, 1), default=None
        Objective: the highest acceptable error rate among the rows any stage
        accepts, certified with probability ``1 - delta`` by the graphical
        procedure of ``method="ltt_graph"`` (see Notes).

    delta : float in (0, 1), default=0.05
        Allowed probability that the certified risk bound fails.

    coverage_tolerance : float in [0, 1), default=0.01
        With ``target_risk`` and no ``rejection_cost``: certified
        combinations whose coverage is at least ``1 - coverage_tolerance``
        times the largest certified coverage are equally good, and the one
        sending the fewest rows to the later stages (the lowest stage price)
        is chosen among them. 0 picks the largest coverage.

    thresholds : int or list of array-like, default=20
        Candidate thresholds of each stage. An int ``g``: ``g`` quantiles of
        the stage's out-of-fold confidences (computed without the labels),
        the lowest replaced by ``-inf`` (accept all), plus ``inf`` (defer
        all). A list: one array of candidates per stage, used as given. The
        number of combinations is the product of the grid sizes. With
        ``target_risk`` the certified family is built differently (see
        Notes): an int then gives each earlier stage the candidates ``inf``
        and those at which it alone would decide 10% or 30% of the
        calibration rows, and the last stage every distinct confidence of the
        rows reaching it; a list gives the candidates of each stage
        (``inf`` is added to the earlier stages'), as given.

    cv : int, float, cross-validation generator or iterable, default=5
        How out-of-fold confidences are made. An int gives a stratified
        k-fold; a float in (0, 1) one stratified holdout split of that size
        (the calibration set). Ignored when every stage wraps a
        :class:`~sklearn.frozen.FrozenEstimator`: all data given to
        :meth:`fit` is then calibration data.

    refit : bool, default=True
        Whether the final stages are refitted on all data. ``refit=False``
        keeps the stages trained on the training part of a single split.

    n_jobs : int, default=None
        Number of folds fitted in parallel, through joblib.

    random_state : int, RandomState instance or None, default=None
        Seed of the holdout split when ``cv`` is a float.

    reject_label : "auto", int, float or str, default="auto"
        The label given to rows every stage rejected, as in
        :class:`SelectiveCascade`.

    verbose : int, default=0
        Progress messages, as in
        :class:`~sklearn.model_selection.GridSearchCV`: ``>0`` prints the
        chosen thresholds with the certificate; higher values are passed to
        joblib, which reports the fits of the stages per split.

    Attributes
    ----------
    stages_ : list of (str, SelectiveClassifier) tuples
        The fitted stages, with ``threshold=None``: the cascade applies
        ``thresholds_``, not the stages' own thresholds.

    thresholds_ : ndarray of shape (n_stages,)
        The tuned threshold of each stage. ``-inf`` accepts every row that
        reaches the stage, ``inf`` defers them all (with ``target_risk``,
        every threshold is ``inf`` when nothing could be certified).

    cost_ : float
        The cost per row at ``thresholds_`` on the out-of-fold data.

    coverage_ : float
        Fraction of out-of-fold rows accepted by some stage.

    risk_ : float
        Error rate among the accepted out-of-fold rows (nan if none).

    stage_reach_ : ndarray of shape (n_stages,)
        Fraction of out-of-fold rows reaching each stage.

    risk_bound_ : float
        With ``target_risk``: the certified upper bound on the cascade's
        selective risk at ``thresholds_`` (nan when nothing was certified).

    certificate_ : Certificate
        The fit's guarantee in one object (objective, target, protocol,
        calibration size and data hash, the threshold of each stage, bound,
        coverage with its interval), printable and exportable to JSON; see
        :class:`~selective_clf.Certificate`.

    cv_results_ : dict of 1-D ndarrays
        One entry per candidate combination (with ``target_risk``: per
        combination of the certified family), so that
        ``pandas.DataFrame(cv_results_)`` loads it: ``"param_<stage>"`` (the
        threshold of each stage), ``"reach_<stage>"`` (the fraction of rows
        reaching each stage), ``"coverage"``, ``"risk"``, ``"stage_cost"``
        (the price part of the cost), ``"cost"`` (with ``rejection_cost``,
        0.5 when not given) and, with ``target_risk``, ``"certified"`` and
        ``"risk_bound"`` (NaN where not certified).

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    reject_label_ : int, float or str
        The label given to rows every stage rejected.

    n_features_in_ : int
        Number of features seen during :term:`fit`, when the first stage
        exposes it.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when exposed.

    See Also
    --------
    SelectiveCascade : A cascade with fixed stage thresholds.
    SelectiveClassifierCV : Tunes the threshold of a single model.

    Notes
    -----
    **The certified family.** Each combination of stage thresholds is a
    null hypothesis "the cascade's selective risk exceeds ``target_risk``",
    tested with the exact binomial p-value of its errors among the
    calibration rows it accepts. The combinations are arranged in chains,
    fixed before the errors are looked at: one chain per *prefix* (a
    threshold for every stage but the last), along which the last stage's
    threshold goes from ``inf`` (the prefix alone) to the least confident
    row, as the default of :class:`SelectiveClassifierCV` does for one
    model. The first prefix defers every row to the last stage, so the last
    stage alone is one of the chains and holds half of ``delta``; the other
    prefixes (the earlier stages deciding their 10% or 30% most confident
    rows) share the other half. Every chain is tested by fixed sequence
    with the entries of the single-model default (``method="ltt_graph"``
    of :class:`SelectiveClassifierCV`), and the chains
    form one graph procedure (Bretz et al., 2009) whose levels sum to
    ``delta``, which controls the family-wise error: every certified
    combination, the chosen one included, holds together with probability
    ``1 - delta``. A cascade therefore certifies about what its last stage
    certifies alone at ``delta / 2``, and more when the earlier stages'
    confident rows are safe; ``benchmarks/bench_cascade.py`` measures it
    against the best stage certified alone.

    **Data protocol of the risk guarantee.** The guarantee needs calibration
    rows that the predicting stages never saw: every
    stage wrapping a :class:`~sklearn.frozen.FrozenEstimator` (all data given
    to :meth:`fit` is calibration data), or a float ``cv`` with
    ``refit=False`` (the stages trained on the rest are kept). Other settings
    fit with a :class:`GuaranteeWarning`. With an int ``thresholds`` the
    candidates are made from the calibration confidences but never from
    their labels; for the textbook guarantee pass grids fixed in advance.

    The number of chains grows as ``3 ** (n_stages - 1)``, each holding a
    smaller share of ``delta``: two or three stages are the useful case.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from sklearn.linear_model import LogisticRegression
    >>> from selective_clf import SelectiveCascadeCV, SelectiveClassifier
    >>> X, y = make_classification(n_samples=1000, random_state=0)
    >>> cascade = SelectiveCascadeCV(
    ...     [("fast", SelectiveClassifier(LogisticRegression())),
    ...      ("slow", SelectiveClassifier(
    ...          HistGradientBoostingClassifier(max_iter=20, random_state=0)))],
    ...     stage_costs=[0.0, 0.01], rejection_cost=0.3, thresholds=10,
    ... ).fit(X, y)
    >>> bool(cascade.stage_reach_[1] < 1), bool(cascade.cost_ < 0.1)
    (True, True)
    """

    _parameter_constraints: dict = {
        "stages": [list],
        "stage_costs": ["array-like", None],
        "rejection_cost": [Interval(Real, 0, 1, closed="both"), None],
        "target_risk": [Interval(Real, 0, 1, closed="neither"), None],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "coverage_tolerance": [Interval(Real, 0, 1, closed="left")],
        "thresholds": [Interval(Integral, 2, None, closed="left"), list],
        "cv": ["cv_object", Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "reject_label": [str, Integral, Real],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        stages,
        *,
        stage_costs=None,
        rejection_cost=None,
        target_risk=None,
        delta=0.05,
        coverage_tolerance=0.01,
        thresholds=DEFAULT_GRID_SIZE,
        cv=5,
        refit=True,
        n_jobs=None,
        random_state=None,
        reject_label="auto",
        verbose=0,
    ):
        self.stages = stages
        self.stage_costs = stage_costs
        self.rejection_cost = rejection_cost
        self.target_risk = target_risk
        self.delta = delta
        self.coverage_tolerance = coverage_tolerance
        self.thresholds = thresholds
        self.cv = cv
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.reject_label = reject_label
        self.verbose = verbose

    # -- checks -----------------------------------------------------------

    def _check_tuning_params(self):
        """Validate the stages and costs; return the stage prices."""
        self._validate_stages()
        for name, estimator in self.stages:
            if not isinstance(estimator, SelectiveClassifier):
                raise ValueError(
                    f"SelectiveCascadeCV tunes the threshold of every stage, so each "
                    f"stage must be a SelectiveClassifier; stage {name!r} is a "
                    f"{type(estimator).__name__}. Use SelectiveCascade for stages "
                    "with thresholds of their own."
                )
        if _SPLITTER in dict(self.stages):
            raise ValueError(
                f"A stage of SelectiveCascadeCV cannot be named {_SPLITTER!r}: the "
                "name routes metadata (groups) to the cv splitter. Rename the stage."
            )
        if self.rejection_cost is None and self.target_risk is None:
            raise ValueError(
                "SelectiveCascadeCV needs an objective: rejection_cost (the price "
                "of a row every stage rejects) and/or target_risk."
            )
        n_stages = len(self.stages)
        if self.stage_costs is None:
            return np.zeros(n_stages)
        costs = np.asarray(self.stage_costs, dtype=np.float64)
        if costs.shape != (n_stages,):
            raise ValueError(
                f"stage_costs must give one price per stage ({n_stages} values); "
                f"got shape {costs.shape}."
            )
        if not np.all(np.isfinite(costs)) or np.any(costs < 0):
            raise ValueError(
                f"stage_costs must be finite and non-negative; got {costs.tolist()}."
            )
        return costs

    def _route_tuning_params(self, fit_params):
        """Metadata for each stage's ``fit`` and for the splitter's ``split``.

        Without metadata routing, ``groups`` goes to the splitter only (as in
        :class:`~sklearn.model_selection.GridSearchCV`) and everything else to
        every stage; with routing, each goes where it is requested.
        """
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
            return routed, routed[_SPLITTER].split
        params, split_params = split_groups(fit_params)
        routed = Bunch(**{name: Bunch(fit=params) for name, _ in self.stages})
        return routed, split_params

    def _grids(self, confidence):
        """Candidate thresholds of each stage."""
        n_stages = confidence.shape[0]
        if isinstance(self.thresholds, Integral):
            levels = np.linspace(0.0, 1.0, self.thresholds)
            grids = []
            for conf in confidence:
                finite = conf[np.isfinite(conf)]
                grid = np.unique(np.quantile(finite, levels)) if finite.size else []
                grid = np.concatenate([[-np.inf], grid[1:], [np.inf]])
                grids.append(grid)
            return grids
        if len(self.thresholds) != n_stages:
            raise ValueError(
                f"thresholds must give one array of candidates per stage "
                f"({n_stages}); got {len(self.thresholds)}."
            )
        return [
            check_thresholds(grid, name=f"thresholds[{s}]")[::-1]
            for s, grid in enumerate(self.thresholds)
        ]

    def _risk_family(self, confidence):
        """Prefixes (earlier stages' thresholds) and last-stage candidates to test.

        Chosen from the confidences only, never from the errors: the first
        prefix defers every row to the last stage (the last stage alone).
        """
        if isinstance(self.thresholds, Integral):
            early = []
            for conf in confidence[:-1]:
                ranked = np.sort(conf[np.isfinite(conf)])[::-1]
                values = [np.inf]
                for share in EARLY_STAGE_SHARES:
                    if ranked.shape[0]:
                        values.append(ranked[max(ceil(share * ranked.shape[0]), 1) - 1])
                early.append(np.unique(values)[::-1])
            return list(product(*early)), None
        grids = self._grids(confidence)
        early = [np.unique(np.append(grid, np.inf))[::-1] for grid in grids[:-1]]
        return list(product(*early)), grids[-1][::-1]

    # -- fitting ----------------------------------------------------------

    @_fit_context(
        # the stages are not validated yet
        prefer_skip_nested_validation=False
    )
    def fit(self, X, y, sample_weight=None, **fit_params):
        """Fit the stages per fold, tune their thresholds together, fit the final ones.

        Parameters
        ----------
        X : {array-like, sparse matrix, dataframe} of shape (n_samples, n_features)
            Training (and calibration) data.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, for the stages' ``fit`` and the cost objective
            (``target_risk`` counts rows: its guarantee is about counts).

        **fit_params : dict
            Parameters for the stages' ``fit``, and ``groups`` for the
            splitter (such as :class:`~sklearn.model_selection.GroupKFold`).
            With metadata routing enabled they are routed where requested;
            otherwise ``groups`` goes to the splitter's ``split`` only, as in
            :class:`~sklearn.model_selection.GridSearchCV`, and the others to
            every stage.

        Returns
        -------
        self : object
            The fitted cascade.
        """
        prices = self._check_tuning_params()
        check_fit_target(y)
        X, y = indexable(X, y)
        y = column_or_1d(y, warn=True)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
            fit_params = {**fit_params, "sample_weight": sample_weight}
        routed, split_params = self._route_tuning_params(fit_params)
        mode, splits = make_splits(
            X,
            y,
            cv=self.cv,
            refit=self.refit,
            random_state=self.random_state,
            frozen=all(is_frozen(stage.estimator) for _, stage in self.stages),
            split_params=split_params,
            what="stages",
        )
        if self.target_risk is not None:
            warn_protocol(mode, len(splits), subject="cascade")

        results = Parallel(n_jobs=self.n_jobs, verbose=self.verbose)(
            delayed(fit_stages_and_collect)(
                self.stages, X, y, train=train, val=val, routed=routed
            )
            for train, val in splits
        )
        if mode != "frozen":
            warn_missing_classes([r[3][0][1].classes_ for r in results], y)
        val = np.concatenate([r[0] for r in results])
        confidence = np.hstack([r[1] for r in results])
        errors = np.hstack([r[2] for r in results])
        weights = None if sample_weight is None else sample_weight[val]
        objective = "rejection_cost" if self.target_risk is None else "target_risk"
        self._calibration = calibration_record(objective, mode, confidence.shape[1])

        if self.target_risk is None:
            # every combination of the stages' grids
            grids = self._grids(confidence)
            prefixes, last = list(product(*grids[:-1])), grids[-1]
        else:
            prefixes, last = self._risk_family(confidence)
        thresholds, counts, sizes = cascade_counts(confidence, errors, prefixes, last)
        weighted = counts
        if weights is not None:
            weighted = cascade_counts(
                confidence, errors, prefixes, last, sample_weight=weights
            )[1]
        table = self._score_table(thresholds, weighted, prices)
        if self.target_risk is not None:
            n_chains = len(sizes)
            levels = [self.delta]
            if n_chains > 1:
                rest = self.delta * (1 - LAST_STAGE_ALONE_SHARE) / (n_chains - 1)
                levels = [self.delta * LAST_STAGE_ALONE_SHARE] + [rest] * (n_chains - 1)
            table["certified"], table["risk_bound"] = certify_chains(
                counts[1].sum(axis=1),
                counts[2],
                sizes,
                levels,
                n_calibration=confidence.shape[1],
                target_risk=self.target_risk,
            )
        best = self._choose(table, prices, n_samples=confidence.shape[1])

        if mode == "refit":
            stages = [
                (
                    name,
                    clone(est).set_params(threshold=None).fit(X, y, **routed[name].fit),
                )
                for name, est in self.stages
            ]
        else:
            stages = results[0][3]
        self.stages_ = stages
        self._set_fitted_attributes()

        self.cv_results_ = table
        if best is None:  # nothing certified: reject everything
            self.thresholds_ = np.full(len(self.stages), np.inf)
            n_stages = len(self.stages)
            human = (
                DEFAULT_REJECTION_COST
                if self.rejection_cost is None
                else self.rejection_cost
            )
            self.cost_ = float(human + prices.sum())
            self.coverage_ = 0.0
            self.risk_ = float("nan")
            self.stage_reach_ = np.ones(n_stages)
        else:
            self.thresholds_ = thresholds[best].copy()
            self.cost_ = float(table["cost"][best])
            self.coverage_ = float(table["coverage"][best])
            self.risk_ = float(table["risk"][best])
            self.stage_reach_ = np.array(
                [table[f"reach_{name}"][best] for name, _ in self.stages]
            )
        self.certificate_ = build_certificate(self, data_hash=hash_data(X, y))
        if self.verbose > 0:
            print(f"[{type(self).__name__}] {self.certificate_}")
        return self

    def _score_table(self, thresholds, weighted, prices):
        """Coverage, risk, prices and cost of every combination, as 1-D columns.

        ``weighted`` is (reach, decided, errors), sums of weights with
        sample weights and counts without.
        """
        reach, decided, n_errors = weighted
        n_samples = reach[0, 0]
        n_accepted = decided.sum(axis=1)
        human = (
            DEFAULT_REJECTION_COST
            if self.rejection_cost is None
            else self.rejection_cost
        )
        stage_cost = (reach @ prices) / n_samples
        with np.errstate(invalid="ignore", divide="ignore"):
            risk = np.where(n_accepted > 0, n_errors / n_accepted, np.nan)
        names = [name for name, _ in self.stages]
        table = {f"param_{name}": thresholds[:, s] for s, name in enumerate(names)}
        table.update(
            {f"reach_{name}": reach[:, s] / n_samples for s, name in enumerate(names)}
        )
        table.update(
            {
                "coverage": n_accepted / n_samples,
                "risk": risk,
                "stage_cost": stage_cost,
                "cost": (n_errors + human * (n_samples - n_accepted)) / n_samples
                + stage_cost,
            }
        )
        return table

    def _choose(self, table, prices, n_samples):
        """Index of the chosen combination, or None if nothing is certified."""
        coverage, cost, stage_cost = (
            table["coverage"],
            table["cost"],
            table["stage_cost"],
        )
        if self.target_risk is None:
            # the lowest cost; ties: the largest coverage
            return int(np.lexsort((-coverage, cost))[0])
        eligible = np.flatnonzero(table["certified"])
        if eligible.shape[0] == 0:
            _warn(
                f"No combination of stage thresholds keeps the cascade's selective "
                f"risk below {self.target_risk} with probability "
                f"{1 - self.delta:.3g} on these {n_samples} calibration rows, so "
                "the cascade rejects everything. Allow a "
                "larger target_risk or delta, or calibrate on more data.",
                GuaranteeWarning,
            )
            self.risk_bound_ = float("nan")
            return None
        if self.rejection_cost is not None:
            keys = (-coverage[eligible], cost[eligible])
        else:
            # within coverage_tolerance of the largest certified coverage, the
            # lowest stage price (without stage_costs: the fewest rows reaching
            # the stages after the first); ties: the largest coverage
            largest = coverage[eligible].max()
            eligible = eligible[
                coverage[eligible] >= (1 - self.coverage_tolerance) * largest
            ]
            if self.stage_costs is None:
                names = [name for name, _ in self.stages[1:]]
                price = sum((table[f"reach_{name}"] for name in names), 0.0)
                price = np.broadcast_to(price, coverage.shape)
            else:
                price = stage_cost
            keys = (-coverage[eligible], price[eligible])
        best = int(eligible[np.lexsort(keys)[0]])
        self.risk_bound_ = float(table["risk_bound"][best])
        return best

    def get_metadata_routing(self):
        """Get metadata routing of this object.

        Returns
        -------
        routing : MetadataRouter
            Routes ``fit`` metadata to each stage's ``fit`` and to the
            splitter's ``split`` (``groups``); this object consumes
            ``sample_weight`` in :meth:`fit` and :meth:`score`.
        """
        router = super().get_metadata_routing()
        router.add(
            **{_SPLITTER: get_splitter(self.cv, random_state=self.random_state)},
            method_mapping=MethodMapping().add(caller="fit", callee="split"),
        )
        return router

    def _stage_decide(self, index, X):
        y_pred, confidence = stage_decisions(self.stages_[index][1], X)
        with np.errstate(invalid="ignore"):
            return y_pred, confidence >= self.thresholds_[index]
