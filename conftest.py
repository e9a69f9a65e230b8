"""Collect the optional ONNX subpackage only where its dependencies are installed.

``pytest --doctest-modules`` imports every module of ``selective_clf``;
``selective_clf.onnx`` imports skl2onnx, which comes with the ``onnx`` extra.
"""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("skl2onnx") is None:
    collect_ignore.append("selective_clf/onnx")
