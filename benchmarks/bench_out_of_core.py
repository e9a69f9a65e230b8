"""Certify a reject threshold out of core, on Dask: time and peak memory.

``X`` is ``n x 20`` float64 drawn lazily by ``dask.array`` in chunks of
250,000 rows (20M rows are 3.2 GB), its binary label computed block by
block from ``X`` (a linear score plus an interaction the model cannot see),
so labels and features are consistent without ever holding ``X``. A
``LogisticRegression`` is trained on 200,000 in-memory rows drawn apart,
then ``SelectiveClassifierCV(FrozenEstimator(model), target_risk=0.05)``
is fitted on the Dask collections, each configuration in a fresh
subprocess:

- ``counts``: ``thresholds`` = 1000 quantiles of the model's confidences on
  its training sample (no calibration label involved): each block returns
  its counts on that grid, summed in a tree (bounded memory), threaded
  scheduler;
- ``per-row``: ``thresholds="auto"``: one confidence, prediction and error
  flag per row gathered, exact path, threaded scheduler;
- ``counts, LocalCluster``: as ``counts`` on ``distributed.LocalCluster``
  (2 worker processes x 1 thread);
- ``alternative``: what a user writes without this support: ``map_blocks``
  of ``predict_proba``, gather the probabilities and the labels, certify in
  memory with :func:`selective_clf.certify.select_threshold_ltt_graph`.

Every run uses 2 workers. Peak memory is ``ru_maxrss`` of the run's process
(the driver) and, for the cluster, of its largest worker (``RUSAGE_CHILDREN``
after the cluster is closed). At the smallest size the fitted thresholds
are compared with an in-memory fit on the same rows (``X.compute()``).

Run ``python benchmarks/bench_out_of_core.py`` (about 10 minutes on 2
cores; sizes 5M, 10M, 20M and 1M for the in-memory check) or ``--quick``
(under 30 s, 300,000 rows). Output is Markdown, published in
docs/user_guide/cluster.rst; ``--stamp`` also stamps that page with the
package files the runs imported (``benchmarks/_provenance.py``).
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import _provenance
import numpy as np

N_FEATURES = 20
PAGE = _provenance.DOCS / "user_guide" / "cluster.rst"
COMMAND = "python benchmarks/bench_out_of_core.py --stamp"
CHUNK_ROWS = 250_000
TARGET_RISK = 0.05
DELTA = 0.05
CONFIGS = ("counts", "per-row", "counts, LocalCluster", "alternative")


def labels(X):
    """Binary labels computed from the rows of ``X`` (one block)."""
    w = np.linspace(-1.0, 1.0, X.shape[1])
    score = X @ w + 1.5 * X[:, 0] * X[:, 1] + 0.5 * np.sin(3 * X[:, 2])
    return (score > 0).astype(np.int64)


def lazy_data(n_rows, seed=0):
    """``X`` (n_rows x 20) and ``y`` as Dask arrays, nothing computed."""
    import dask.array as da

    X = da.random.default_rng(seed).standard_normal(
        (n_rows, N_FEATURES), chunks=(CHUNK_ROWS, N_FEATURES)
    )
    y = X.map_blocks(labels, drop_axis=1, dtype=np.int64)
    return X, y


def trained_model():
    """A LogisticRegression on 200,000 in-memory rows, and its grid."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(12345)
    X = rng.standard_normal((200_000, N_FEATURES))
    model = LogisticRegression().fit(X, labels(X))
    confidence = model.predict_proba(X).max(axis=1)
    # a grid from the confidences of the training rows: no calibration label
    grid = np.unique(np.quantile(confidence, np.linspace(0, 1, 1000)))
    return model, grid


def run(config, n_rows, check):
    """One configuration in this (fresh) process; returns a dict."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import dask
    from sklearn.frozen import FrozenEstimator

    from selective_clf import SelectiveClassifierCV
    from selective_clf.certify import select_threshold_ltt_graph

    model, grid = trained_model()
    X, y = lazy_data(n_rows)
    thresholds = "auto" if config == "per-row" else grid
    clf = SelectiveClassifierCV(
        FrozenEstimator(model), target_risk=TARGET_RISK, delta=DELTA, thresholds=grid
    )
    clf.set_params(thresholds=thresholds)
    start = time.perf_counter()
    result = {"config": config, "rows": n_rows}
    if config == "counts, LocalCluster":
        from distributed import Client, LocalCluster

        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster),
        ):
            clf.fit(X, y)
        result["threshold"] = float(clf.threshold_)
        result["coverage"] = clf.coverage_
    elif config == "alternative":
        with dask.config.set(scheduler="threads", num_workers=2):
            proba = X.map_blocks(
                model.predict_proba, chunks=(X.chunks[0], (2,)), dtype=np.float64
            )
            proba, y_true = dask.compute(proba, y)
        confidence = proba.max(axis=1)
        errors = model.classes_[proba.argmax(axis=1)] != y_true
        selection = select_threshold_ltt_graph(
            confidence, errors, target_risk=TARGET_RISK, delta=DELTA, thresholds=grid
        )
        result["threshold"] = float(selection.threshold)
        result["coverage"] = selection.coverage
    else:
        with dask.config.set(scheduler="threads", num_workers=2):
            clf.fit(X, y)
        result["threshold"] = float(clf.threshold_)
        result["coverage"] = clf.coverage_
    result["seconds"] = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux
    result["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["worker_rss_mib"] = children if config == "counts, LocalCluster" else None
    result["files"] = _provenance.imported_files()
    if check:
        X_mem, y_mem = dask.compute(X, y)
        memory = SelectiveClassifierCV(
            FrozenEstimator(model),
            target_risk=TARGET_RISK,
            delta=DELTA,
            thresholds=thresholds,
        ).fit(X_mem, y_mem)
        result["same_as_in_memory"] = bool(
            memory.threshold_ == result["threshold"]
            and memory.coverage_ == result["coverage"]
        )
    return result


def spawn(config, n_rows, check):
    """Run one configuration in a fresh interpreter; parse its JSON line."""
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--run",
            config,
            "--rows",
            str(n_rows),
            *(["--check"] if check else []),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300,000 rows, < 30 s")
    parser.add_argument("--run", choices=CONFIGS, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--stamp",
        action="store_true",
        help=f"stamp {PAGE.name} with the measured files (paste the table first)",
    )
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run(args.run, args.rows, args.check)))
        return
    sizes = [300_000] if args.quick else [1_000_000, 5_000_000, 10_000_000, 20_000_000]
    check_size = sizes[0]
    print(
        f"Certify target_risk={TARGET_RISK} (delta={DELTA}) on n x {N_FEATURES} "
        f"float64 drawn lazily in chunks of {CHUNK_ROWS:,} rows; 2 workers.\n"
    )
    print(
        "| rows | configuration | seconds | peak RSS driver (MiB) "
        "| peak RSS worker (MiB) | threshold | coverage | same as in memory |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    files = set()
    for n_rows in sizes:
        for config in CONFIGS:
            check = n_rows == check_size and config != "alternative"
            r = spawn(config, n_rows, check)
            files.update(r["files"])
            worker = "" if r["worker_rss_mib"] is None else f"{r['worker_rss_mib']:.0f}"
            same = {True: "yes", False: "**no**"}.get(r.get("same_as_in_memory"), "")
            print(
                f"| {n_rows:,} | {config} | {r['seconds']:.1f} | {r['rss_mib']:.0f} "
                f"| {worker} | {r['threshold']:.6f} | {r['coverage']:.4f} | {same} |",
                flush=True,
            )
    if args.stamp and not args.quick:
        _provenance.write_stamp(PAGE, COMMAND, sorted(files))


if __name__ == "__main__":
    main()
