"""Latency of an exported selective classifier: onnxruntime against scikit-learn.

Usage::

    python benchmarks/bench_onnx.py            # the numbers in docs/deploying.rst
    python benchmarks/bench_onnx.py --quick    # smoke run for CI

Needs the ``onnx`` extra (``pip install -e ".[onnx]"``). For each model, a
``SelectiveClassifier`` with a threshold is fitted on 20 features, exported
with ``skl2onnx.to_onnx`` and timed, in the same run and on the same rows:

- ``predict`` of scikit-learn on float64 rows;
- ``InferenceSession.run`` of onnxruntime on the same rows as float32 (the
  cast is done beforehand, as a service receiving float32 would).

For one row it reports the median of many calls (the per-request latency of
a service); for 10,000 rows the best of a few calls. Both run on one thread
(``threadpoolctl`` for scikit-learn's OpenMP, ``intra_op_num_threads=1``
for onnxruntime) so that the ratio compares the two runtimes, not the
number of free cores. The ratio is scikit-learn's time over onnxruntime's:
above 1 means onnxruntime is faster. The labels of the two are compared on
the 10,000 rows and the count of differing rows printed.
"""

import argparse
import datetime
import os
import platform
import time

import numpy as np
import onnxruntime as ort
import skl2onnx
import sklearn
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import selective_clf
import selective_clf.onnx  # noqa: F401  (registers the converters)
from selective_clf import SelectiveClassifier


def models(quick):
    n_trees = 20 if quick else 100
    return {
        "scaler + logistic regression": make_pipeline(
            StandardScaler(), LogisticRegression()
        ),
        f"random forest ({n_trees} trees)": RandomForestClassifier(
            n_estimators=n_trees, max_depth=10, random_state=0
        ),
        f"hist gradient boosting ({n_trees} iter)": HistGradientBoostingClassifier(
            max_iter=n_trees, random_state=0
        ),
    }


def interleaved_times(funcs, repeat):
    """Time each of ``funcs`` ``repeat`` times, alternating between them.

    Alternating calls spread any change of machine load over all of them.
    """
    times = np.empty((len(funcs), repeat))
    for i in range(repeat):
        for j, func in enumerate(funcs):
            start = time.perf_counter()
            func()
            times[j, i] = time.perf_counter() - start
    return times


def time_both(clf, session, X64, X32, repeat):
    """Latency of scikit-learn and onnxruntime on the same rows.

    One row: the median call (per-request latency). More rows: the best
    call (throughput without interference).
    """
    feeds = {session.get_inputs()[0].name: X32}
    times = interleaved_times(
        [lambda: clf.predict(X64), lambda: session.run(None, feeds)], repeat
    )
    if len(X64) == 1:
        return np.median(times, axis=1)
    return times.min(axis=1)


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run for CI")
    args = parser.parse_args()
    n_batch = 10_000
    single_repeat, batch_repeat = (50, 2) if args.quick else (1000, 10)

    X, y = make_classification(
        n_samples=5000 + n_batch,
        n_features=20,
        n_informative=10,
        n_classes=3,
        random_state=0,
    )
    X_train, y_train, X_test = X[:5000], y[:5000], X[5000:]
    X_test32 = X_test.astype(np.float32)

    print(f"date: {datetime.date.today()}")
    print(
        f"machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}"
    )
    print(
        f"versions: selective_clf {selective_clf.__version__}, scikit-learn "
        f"{sklearn.__version__}, skl2onnx {skl2onnx.__version__}, onnxruntime "
        f"{ort.__version__}, numpy {np.__version__}"
    )
    print("one thread each; ratio = scikit-learn time / onnxruntime time\n")
    header = (
        f"{'model':<36} {'rows':>6} {'scikit-learn':>13} {'onnxruntime':>12} "
        f"{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    with threadpool_limits(limits=1):
        for name, base in models(args.quick).items():
            clf = SelectiveClassifier(base, threshold=0.6).fit(X_train, y_train)
            onx = skl2onnx.to_onnx(clf, X_test32[:1])
            session = ort.InferenceSession(
                onx.SerializeToString(), options, providers=["CPUExecutionProvider"]
            )
            input_name = session.get_inputs()[0].name
            label = session.run(["label"], {input_name: X_test32})[0]
            differ = int((label != clf.predict(X_test)).sum())

            for rows in (1, n_batch):
                repeat = single_repeat if rows == 1 else batch_repeat
                t_skl, t_ort = time_both(
                    clf, session, X_test[:rows], X_test32[:rows], repeat
                )
                print(
                    f"{name:<36} {rows:>6} {t_skl * 1e3:>10.3f} ms "
                    f"{t_ort * 1e3:>9.3f} ms {t_skl / t_ort:>6.1f}x"
                )
            print(f"{'':<36} labels differing on {n_batch} rows: {differ}")


if __name__ == "__main__":
    main()
