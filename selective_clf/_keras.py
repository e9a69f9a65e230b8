"""KerasProbaClassifier: an already-trained Keras model as a scikit-learn classifier.

Nothing here imports Keras: the adapter only calls the model's ``predict``,
so importing :mod:`selective_clf` never pulls in Keras or a deep-learning
backend.
"""

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets

# Rows of a probability matrix may drift from 1 by float32 rounding.
_ROW_SUM_TOLERANCE = 1e-3


class KerasProbaClassifier(ClassifierMixin, BaseEstimator):
    """Already-trained Keras model seen as a scikit-learn probabilistic classifier.

    The adapter never trains: the model is used as it is. :meth:`fit` only
    checks the labels and records the number of features, and the adapter
    counts as fitted from the start, so it can be wrapped directly in
    :class:`~sklearn.frozen.FrozenEstimator` and handed to
    :class:`~selective_clf.SelectiveClassifier` (a fixed threshold) or
    :class:`~selective_clf.SelectiveClassifierCV` (a threshold tuned, or a
    risk certified, on a calibration set the model never saw).

    :meth:`predict_proba` calls ``model.predict(X, verbose=0)`` and reads the
    output as class probabilities:

    - one column (a sigmoid unit) is ``P(classes[1])`` of a binary problem,
      returned as the two columns ``[1 - p, p]``;
    - ``n_classes`` columns (a softmax layer) are returned as they are,
      after checking that every row sums to 1.

    Keras itself is never imported by this class; any object with a Keras
    style ``predict(X, verbose=0, batch_size=...)`` method works.

    Parameters
    ----------
    model : keras.Model
        The trained model. Its output is a single sigmoid unit (binary) or one
        softmax unit per class. With ``from_logits=True``, the output is the
        pre-activation logits instead.

    classes : array-like of shape (n_classes,), default=None
        The class label of each output unit, in order. For a single sigmoid
        unit, the two labels ``[negative, positive]``. ``None`` means
        ``[0, 1]`` for one output unit and ``0, ..., k - 1`` for ``k`` units
        (read from ``model.output_shape``).

    from_logits : bool, default=False
        Whether the model outputs logits; they are turned into probabilities
        with a sigmoid (one unit) or a softmax (several units).

    batch_size : int, default=None
        Batch size passed to ``model.predict``; ``None`` keeps Keras' default
        (32). A larger batch makes prediction on large data faster.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, in the order of the columns of
        :meth:`predict_proba`. Available without calling :meth:`fit`.

    n_features_in_ : int
        Number of features of the 2D ``X`` seen by :meth:`fit`. Only set by
        :meth:`fit`, and only for 2D inputs.

    See Also
    --------
    sklearn.frozen.FrozenEstimator : Keeps a fitted estimator from being
        refitted or cloned.
    SelectiveClassifierCV : Tunes the reject threshold on calibration data.

    Notes
    -----
    Keras 3 models pickle (through Keras' own saving format), so the adapter,
    and a :class:`~selective_clf.SelectiveClassifier` around it, can be saved
    with :mod:`pickle` or :mod:`joblib`. :func:`~sklearn.base.clone` of the
    bare adapter deep-copies the model (through the same saving format);
    :class:`~sklearn.frozen.FrozenEstimator` avoids that copy.

    Examples
    --------
    The lines are skipped by the doctests, which run without Keras.

    >>> import os  # doctest: +SKIP
    >>> os.environ["KERAS_BACKEND"] = "torch"  # doctest: +SKIP
    >>> import keras  # doctest: +SKIP
    >>> from sklearn.datasets import make_classification  # doctest: +SKIP
    >>> from sklearn.frozen import FrozenEstimator  # doctest: +SKIP
    >>> from sklearn.model_selection import train_test_split  # doctest: +SKIP
    >>> from selective_clf import (  # doctest: +SKIP
    ...     KerasProbaClassifier, SelectiveClassifierCV
    ... )
    >>> keras.utils.set_random_seed(0)  # doctest: +SKIP
    >>> X, y = make_classification(n_samples=1000, random_state=0)  # doctest: +SKIP
    >>> X_train, X_cal, y_train, y_cal = train_test_split(  # doctest: +SKIP
    ...     X, y, random_state=0
    ... )
    >>> model = keras.Sequential([  # doctest: +SKIP
    ...     keras.Input((X.shape[1],)),
    ...     keras.layers.Dense(16, activation="relu"),
    ...     keras.layers.Dense(1, activation="sigmoid"),
    ... ])
    >>> model.compile(optimizer="adam", loss="binary_crossentropy")  # doctest: +SKIP
    >>> _ = model.fit(X_train, y_train, epochs=20, verbose=0)  # doctest: +SKIP

    The trained model, frozen, with a threshold certified on the calibration
    set: selective risk at most 5 % with probability 90 %.

    >>> adapter = KerasProbaClassifier(model, classes=[0, 1])  # doctest: +SKIP
    >>> clf = SelectiveClassifierCV(  # doctest: +SKIP
    ...     FrozenEstimator(adapter), target_risk=0.05, delta=0.1
    ... ).fit(X_cal, y_cal)
    >>> round(clf.coverage_, 3), bool(clf.risk_bound_ <= 0.05)  # doctest: +SKIP
    (0.976, True)
    >>> clf.predict(X_cal[:8])  # doctest: +SKIP
    array([0, 0, 1, 0, 1, 1, 1, 0])
    """

    def __init__(self, model, *, classes=None, from_logits=False, batch_size=None):
        self.model = model
        self.classes = classes
        self.from_logits = from_logits
        self.batch_size = batch_size

    def __sklearn_is_fitted__(self):
        # The model comes trained: the adapter is usable without fit.
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.non_deterministic = False
        return tags

    def _n_outputs(self):
        shape = getattr(self.model, "output_shape", None)
        if not isinstance(shape, tuple) or not shape or shape[-1] is None:
            raise ValueError(
                "classes=None needs the model's output_shape to know the number "
                f"of classes, but the model's output_shape is {shape!r}. Pass "
                "classes explicitly."
            )
        return int(shape[-1])

    @property
    def classes_(self):
        """Class labels, in the order of the columns of :meth:`predict_proba`."""
        if self.classes is not None:
            classes = np.asarray(self.classes)
        else:
            n_outputs = self._n_outputs()
            classes = np.arange(2 if n_outputs == 1 else n_outputs)
        if classes.ndim != 1 or classes.shape[0] < 2:
            raise ValueError(
                "classes must list at least two class labels, one per output "
                f"unit (two for a single sigmoid unit); got {classes.tolist()!r}."
            )
        if np.unique(classes).shape[0] != classes.shape[0]:
            raise ValueError(f"classes must be distinct; got {classes.tolist()!r}.")
        return classes

    def fit(self, X, y=None, **fit_params):
        """Check the labels and record the input width; the model is not trained.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples, as the model takes them. Only their shape is looked at.

        y : array-like of shape (n_samples,), default=None
            Class labels. If given, each must be one of ``classes_``.

        **fit_params : dict
            Ignored; accepted so that meta-estimators can pass metadata.

        Returns
        -------
        self : object
            The adapter.
        """
        classes = self.classes_
        if y is not None:
            check_classification_targets(y)
            unknown = np.setdiff1d(np.unique(np.asarray(y)), classes)
            if unknown.size:
                raise ValueError(
                    f"y has labels {unknown.tolist()!r} that are not in classes "
                    f"{classes.tolist()!r}. The model is already trained and "
                    "cannot learn new classes; pass the classes it was trained "
                    "on, in the order of its output units."
                )
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) == 2:
            self.n_features_in_ = int(shape[1])
        return self

    def _raw_output(self, X):
        kwargs = {"verbose": 0}
        if self.batch_size is not None:
            kwargs["batch_size"] = self.batch_size
        output = np.asarray(self.model.predict(X, **kwargs), dtype=np.float64)
        if output.ndim == 1:
            output = output.reshape(-1, 1)
        if output.ndim != 2:
            raise ValueError(
                "The model must output one row per sample, of shape (n_samples,) "
                f"or (n_samples, n_units); got shape {output.shape}."
            )
        return output

    def predict_proba(self, X):
        """Class probabilities from the model's output.

        Parameters
        ----------
        X : array-like
            Samples, passed unchanged to ``model.predict``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``, rows summing to 1.
        """
        classes = self.classes_
        output = self._raw_output(X)
        n_units = output.shape[1]
        if n_units == 1:
            if classes.shape[0] != 2:
                raise ValueError(
                    f"The model has a single output unit (binary), but classes "
                    f"has {classes.shape[0]} labels; pass the two labels "
                    "[negative, positive]."
                )
            positive = expit(output[:, 0]) if self.from_logits else output[:, 0]
            if not self.from_logits and (
                np.any(positive < 0) or np.any(positive > 1) or np.isnan(positive).any()
            ):
                raise ValueError(
                    "The model's single output is not a probability in [0, 1]: "
                    "give its last layer a sigmoid activation, or pass "
                    "from_logits=True if it outputs logits."
                )
            return np.column_stack([1.0 - positive, positive])
        if n_units != classes.shape[0]:
            raise ValueError(
                f"The model has {n_units} output units but classes has "
                f"{classes.shape[0]} labels; give one label per output unit."
            )
        if self.from_logits:
            return softmax(output, axis=1)
        row_sums = output.sum(axis=1)
        if (
            np.any(output < 0)
            or np.isnan(output).any()
            or np.any(np.abs(row_sums - 1.0) > _ROW_SUM_TOLERANCE)
        ):
            worst = int(np.nanargmax(np.abs(row_sums - 1.0)))
            raise ValueError(
                "The model's outputs are not probabilities: rows must be "
                "non-negative and sum to 1 (a softmax last layer), but row "
                f"{worst} sums to {row_sums[worst]:.6g}. Give the last layer a "
                "softmax activation, or pass from_logits=True if it outputs "
                "logits."
            )
        return output

    def predict(self, X):
        """Most probable class of each sample.

        Parameters
        ----------
        X : array-like
            Samples, passed unchanged to ``model.predict``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            ``classes_[argmax]`` of :meth:`predict_proba`.
        """
        return self.classes_[self.predict_proba(X).argmax(axis=1)]
