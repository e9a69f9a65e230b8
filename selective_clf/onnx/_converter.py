"""skl2onnx parser, shape calculator and converter for the selective classifiers.

The graph reproduces ``predict`` of a fitted selective classifier:

1. the wrapped ``estimator_`` is parsed and converted by skl2onnx's own
   converters, which give its label and its response ``R`` (probabilities,
   or decision scores when ``response_method_ == "decision_function"``);
2. the confidence is computed from ``R`` with ONNX operators
   (``"max_proba"``, ``"margin"`` or ``"entropy"``), a binary score ``s``
   being first written as the two columns ``(-s, s)`` as in ``predict``;
3. each row is compared with the threshold of its predicted class, in
   double precision, and the label of a row whose confidence is below it, or
   NaN, is replaced by ``reject_label_``.

The outputs are ``label``, ``probabilities`` (or ``scores``) and
``confidence``.

The base's final classifier is parsed under an alias of ours, whose converter
calls skl2onnx's converter for that classifier. The alias keeps skl2onnx from
adding a ZipMap (the response is read as a tensor), and lets the converter
ask for raw scores (``raw_scores=True``) for a probabilistic classifier used
through its decision function, without touching the options the user passed
to ``to_onnx``.
"""

import numpy as np
from skl2onnx import get_model_alias, update_registered_converter
from skl2onnx._parse import _parse_sklearn
from skl2onnx.algebra.onnx_ops import (
    OnnxAdd,
    OnnxCast,
    OnnxClip,
    OnnxConcat,
    OnnxDiv,
    OnnxGather,
    OnnxGreater,
    OnnxGreaterOrEqual,
    OnnxIdentity,
    OnnxLabelEncoder,
    OnnxLog,
    OnnxMul,
    OnnxNeg,
    OnnxNot,
    OnnxReduceMaxApi18,
    OnnxReduceSumApi11,
    OnnxTopK,
    OnnxWhere,
)
from skl2onnx.common._registration import (
    get_converter,
    get_shape_calculator,
    register_converter,
    register_shape_calculator,
)
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
    guess_numpy_type,
)
from skl2onnx.proto import onnx_proto
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.ensemble import (
    AdaBoostClassifier,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
)
from sklearn.linear_model import RidgeClassifier, RidgeClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC, LinearSVC, NuSVC
from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

from .._classifier import SelectiveClassifier
from .._decision import final_estimator, fitted_thresholds, unwrap
from .._tuning import SelectiveClassifierCV

OUTPUT_NAMES = {
    "predict_proba": ("label", "probabilities", "confidence"),
    "decision_function": ("label", "scores", "confidence"),
}

# Aliases under which the base's final classifier is parsed: its response as
# skl2onnx writes it by default, or its raw decision scores.
_BASE_ALIAS = "SelectiveClfBaseClassifier"
_BASE_RAW_SCORES_ALIAS = "SelectiveClfBaseClassifierRawScores"

# Classifiers whose binary probabilities skl2onnx 1.20 converts wrongly.
_WRONG_BINARY_PROBA = (LinearDiscriminantAnalysis,)

# Classifiers whose skl2onnx 1.20 graph is wrong for float64 (double) inputs:
# the tree ensembles declare double probabilities that their operator writes
# as float, so onnxruntime refuses to load the graph; the linear ones raise
# NotImplementedError ("post_transform 'NONE' is not supported with double").
# Measured on the bases of tests/test_onnx.py; the same models convert and
# match predict with a float32 sample.
_NO_DOUBLE_INPUT = (
    DecisionTreeClassifier,
    ExtraTreeClassifier,
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    AdaBoostClassifier,
    LinearSVC,
    RidgeClassifier,
    RidgeClassifierCV,
)


def _unfreeze(estimator):
    """Return ``estimator`` without the FrozenEstimator that skl2onnx lacks."""
    return unwrap(estimator, through=("frozen",)).final


# The classifier at the end of the base's pipelines (and frozen wrappers).
_final_step = final_estimator


def _wants_raw_scores(model):
    """Whether the base's response must be switched to its decision scores."""
    return model.response_method_ == "decision_function" and hasattr(
        _final_step(model.estimator_), "predict_proba"
    )


def _check_convertible(scope, model, inputs=()):
    """Refuse what the graph cannot reproduce, naming the fix."""
    if getattr(model, "novelty_detector_", None) is not None:
        raise NotImplementedError(
            "novelty_detector is not supported by the ONNX export yet: the graph "
            "would accept the rows the detector rejects. Export a model without "
            "novelty_detector, or convert model.novelty_detector_ separately "
            "with skl2onnx and reject its outliers (label -1) next to the ONNX "
            "runtime."
        )
    if callable(model.confidence):
        raise ValueError(
            "A SelectiveClassifier with a callable confidence cannot be exported "
            "to ONNX: the graph computes the confidence with ONNX operators and "
            "only knows confidence='max_proba', 'margin' and 'entropy'. Use one "
            "of those, or export model.estimator_ and apply your confidence "
            "next to the ONNX runtime."
        )
    final = _final_step(model.estimator_)
    if (
        model.response_method_ == "decision_function"
        and isinstance(final, (SVC, NuSVC))
        and final.decision_function_shape == "ovo"
        and len(model.classes_) > 2
    ):
        raise ValueError(
            f"{type(final).__name__}(decision_function_shape='ovo') gives one "
            "score per pair of classes, not one per class, so no confidence per "
            "class can be exported. Use decision_function_shape='ovr' (the "
            "default)."
        )
    if (
        isinstance(final, _WRONG_BINARY_PROBA)
        and len(model.classes_) == 2
        and model.response_method_ == "predict_proba"
    ):
        # skl2onnx writes softmax(-s, s) = expit(2 s) where scikit-learn's
        # predict_proba is expit(s): the probabilities, the confidence and so
        # the rejections differ (0.15 apart at most on the tests' data).
        raise ValueError(
            "skl2onnx converts the probabilities of a binary "
            "LinearDiscriminantAnalysis wrongly (expit(2 * score) instead of "
            "expit(score)): the graph would reject other rows than predict. Use "
            "response_method='decision_function' (its scores convert exactly, "
            "with a threshold on the score scale), or another base such as "
            "LogisticRegression."
        )
    if any(isinstance(variable.type, DoubleTensorType) for variable in inputs) and (
        isinstance(final, _NO_DOUBLE_INPUT)
    ):
        raise ValueError(
            f"skl2onnx cannot convert {type(final).__name__} for float64 inputs: "
            "its graph fails to load in onnxruntime or to convert. Convert with "
            "a float32 sample, to_onnx(model, X[:1].astype(np.float32)), and feed "
            "float32 rows to the graph."
        )
    # skl2onnx's list of the options its converter for ``final`` accepts.
    allowed = scope._get_allowed_options(final, fail=False) or {}
    if _wants_raw_scores(model) and "raw_scores" not in allowed:
        raise ValueError(
            "response_method_='decision_function', but skl2onnx's converter for "
            f"{type(final).__name__} cannot output decision scores (it has no "
            "'raw_scores' option). Use response_method='predict_proba'."
        )


def _parse_base(scope, estimator, inputs, custom_parsers, alias):
    """Parse the base: its first pipeline steps as usual, its classifier by alias.

    Returns
    -------
    outputs : list of Variable
        The classifier's label and response.
    """
    estimator = _unfreeze(estimator)
    if isinstance(estimator, Pipeline):
        for _, step in estimator.steps[:-1]:
            if step is not None and not (
                isinstance(step, str) and step == "passthrough"
            ):
                inputs = _parse_sklearn(
                    scope, _unfreeze(step), inputs, custom_parsers=custom_parsers
                )
        return _parse_base(scope, estimator.steps[-1][1], inputs, custom_parsers, alias)
    return _parse_sklearn(scope, estimator, inputs, alias=alias)


def _base_shape_calculator(operator):
    """Run skl2onnx's shape calculator of the base's classifier."""
    alias = get_model_alias(type(operator.raw_operator))
    get_shape_calculator(alias)(operator)


def _base_converter(scope, operator, container):
    """Run skl2onnx's converter of the base's classifier."""
    alias = get_model_alias(type(operator.raw_operator))
    get_converter(alias)(scope, operator, container)


def _base_raw_scores_converter(scope, operator, container):
    """Run skl2onnx's converter of the base's classifier with raw_scores=True.

    The option is added to a copy of the container's options for this one
    call: the dict the user passed to ``to_onnx`` is not modified.
    """
    model = operator.raw_operator
    user_options = container.options
    options = dict(user_options or {})
    options[id(model)] = {**(options.get(id(model)) or {}), "raw_scores": True}
    container.options = options
    try:
        _base_converter(scope, operator, container)
    finally:
        container.options = user_options


def selective_classifier_parser(scope, model, inputs, custom_parsers=None):
    """Declare the base's operators and the selective classifier's three outputs.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The scope of the conversion.

    model : SelectiveClassifier or SelectiveClassifierCV
        The fitted model.

    inputs : list of Variable
        The graph's inputs, passed to the base estimator.

    custom_parsers : dict, default=None
        Parsers given to ``to_onnx``, used for the base's pipeline steps.

    Returns
    -------
    outputs : list of Variable
        ``label``, ``probabilities`` (or ``scores``) and ``confidence``.
    """
    _check_convertible(scope, model, inputs)
    this_operator = scope.declare_local_operator(get_model_alias(type(model)), model)
    # Our outputs are declared first so that they get the plain names; the
    # base's own label and response become ``label1`` and the like. Their
    # types are set by the shape calculator.
    label_type = (
        StringTensorType() if model.classes_.dtype.kind in "OUS" else Int64TensorType()
    )
    names = OUTPUT_NAMES[model.response_method_]
    outputs = [
        scope.declare_local_variable(names[0], label_type),
        scope.declare_local_variable(names[1], FloatTensorType()),
        scope.declare_local_variable(names[2], FloatTensorType()),
    ]
    alias = _BASE_RAW_SCORES_ALIAS if _wants_raw_scores(model) else _BASE_ALIAS
    base_outputs = _parse_base(scope, model.estimator_, inputs, custom_parsers, alias)
    this_operator.inputs.extend(base_outputs[:2])
    this_operator.outputs.extend(outputs)
    return outputs


def selective_classifier_shape_calculator(operator):
    """Set the types and shapes of the three outputs from the base's outputs.

    Parameters
    ----------
    operator : skl2onnx.common._topology.Operator
        The operator, whose inputs are the base's label and response.
    """
    label, response = operator.inputs
    n_rows = label.type.shape[0] if label.type.shape else None
    n_classes = len(operator.raw_operator.classes_)
    tensor_type = type(response.type)
    operator.outputs[0].type = type(label.type)([n_rows])
    operator.outputs[1].type = tensor_type([n_rows, n_classes])
    operator.outputs[2].type = tensor_type([n_rows])


def _response_matrix(model, response, opv):
    """Return the response ``R`` of ``predict``: a binary score as ``(-s, s)``."""
    if model.response_method_ != "decision_function" or len(model.classes_) != 2:
        return response
    # skl2onnx writes a binary score as one column s (LinearSVC and most
    # linear models), as (-s, s) (raw scores of probabilistic models), or as
    # (s, -s) (libsvm's SVC and NuSVC).
    column = 0 if isinstance(_final_step(model.estimator_), (SVC, NuSVC)) else -1
    score = OnnxGather(
        response, np.array([column], dtype=np.int64), axis=1, op_version=opv
    )
    return OnnxConcat(OnnxNeg(score, op_version=opv), score, axis=1, op_version=opv)


def _confidence(model, response, dtype, opv):
    """Compute the confidence of each row from ``R``, as ``_confidence.py`` does."""
    n_classes = len(model.classes_)
    if model.confidence == "max_proba":
        return OnnxReduceMaxApi18(response, axes=[1], keepdims=0, op_version=opv)
    if model.confidence == "margin":
        top_two = OnnxTopK(
            response, np.array([2], dtype=np.int64), axis=1, op_version=opv
        )[0]
        first, second = (
            OnnxGather(top_two, np.array(k, dtype=np.int64), axis=1, op_version=opv)
            for k in (0, 1)
        )
        return OnnxAdd(first, OnnxNeg(second, op_version=opv), op_version=opv)
    # entropy: 1 + sum_k p_k log p_k / log(K), with 0 log 0 = 0.
    zero, one = np.array(0, dtype=dtype), np.array(1, dtype=dtype)
    proba = OnnxClip(response, zero, one, op_version=opv)
    p_log_p = OnnxWhere(
        OnnxGreater(proba, zero, op_version=opv),
        OnnxMul(proba, OnnxLog(proba, op_version=opv), op_version=opv),
        zero,
        op_version=opv,
    )
    total = OnnxReduceSumApi11(p_log_p, axes=[1], keepdims=0, op_version=opv)
    return OnnxAdd(
        one,
        OnnxDiv(total, np.array(np.log(n_classes), dtype=dtype), op_version=opv),
        op_version=opv,
    )


def _row_threshold(model, threshold, label, label_is_string, opv, ml_opv):
    """Return the threshold of each row's predicted class, in double precision."""
    if np.all(threshold == threshold[0]):
        return np.array(threshold[0], dtype=np.float64)
    classes = np.asarray(model.classes_)
    index = np.arange(len(classes), dtype=np.int64)
    if label_is_string:
        keys = {"keys_strings": [str(c) for c in classes]}
    else:
        keys = {"keys_int64s": [int(c) for c in classes]}
    class_index = OnnxLabelEncoder(
        label,
        **keys,
        values_int64s=index.tolist(),
        default_int64=-1,
        op_version=ml_opv,
    )
    return OnnxGather(threshold.astype(np.float64), class_index, op_version=opv)


def _reject_label_constant(model, label_is_string):
    """Return ``reject_label_`` as a one-element tensor of the label's type."""
    reject_label = model.reject_label_
    if label_is_string:
        return np.array([str(reject_label)])
    if float(reject_label) != int(reject_label):
        raise ValueError(
            f"reject_label_={reject_label!r} is not an integer, but skl2onnx "
            "writes these classes as int64 labels. Use an integer reject_label."
        )
    return np.array([int(reject_label)], dtype=np.int64)


def selective_classifier_converter(scope, operator, container):
    """Write the confidence and the reject rule after the base's graph.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        The scope of the conversion.

    operator : skl2onnx.common._topology.Operator
        The operator, whose inputs are the base's label and response.

    container : skl2onnx.common._container.ModelComponentContainer
        The graph being built.
    """
    model = operator.raw_operator
    opv = container.target_opset
    # LabelEncoder with int64 or string keys and int64 values is version 2 of
    # ai.onnx.ml; skl2onnx refuses a model that asks for a later version.
    ml_opv = 2
    label, base_response = operator.inputs
    out_label, out_response, out_confidence = operator.outputs
    dtype = guess_numpy_type(base_response.type)
    label_is_string = isinstance(label.type, StringTensorType)

    response = _response_matrix(model, base_response, opv)
    OnnxIdentity(
        response, op_version=opv, output_names=[out_response.full_name]
    ).add_to(scope, container)
    confidence = _confidence(model, response, dtype, opv)
    OnnxIdentity(
        confidence, op_version=opv, output_names=[out_confidence.full_name]
    ).add_to(scope, container)

    threshold = fitted_thresholds(model)
    if threshold is None:
        OnnxIdentity(label, op_version=opv, output_names=[out_label.full_name]).add_to(
            scope, container
        )
        return
    threshold = np.asarray(threshold, dtype=np.float64)
    accepted = OnnxGreaterOrEqual(
        OnnxCast(confidence, to=onnx_proto.TensorProto.DOUBLE, op_version=opv),
        _row_threshold(model, threshold, label, label_is_string, opv, ml_opv),
        op_version=opv,
    )
    # Not(confidence >= threshold) also rejects a NaN confidence.
    OnnxWhere(
        OnnxNot(accepted, op_version=opv),
        _reject_label_constant(model, label_is_string),
        label,
        op_version=opv,
        output_names=[out_label.full_name],
    ).add_to(scope, container)


def register():
    """Register the converters of the selective classifiers with skl2onnx."""
    for alias, converter in (
        (_BASE_ALIAS, _base_converter),
        (_BASE_RAW_SCORES_ALIAS, _base_raw_scores_converter),
    ):
        register_converter(alias, converter, overwrite=True)
        register_shape_calculator(alias, _base_shape_calculator, overwrite=True)
    for cls in (SelectiveClassifier, SelectiveClassifierCV):
        update_registered_converter(
            cls,
            f"SelectiveClf{cls.__name__}",
            selective_classifier_shape_calculator,
            selective_classifier_converter,
            parser=selective_classifier_parser,
        )
