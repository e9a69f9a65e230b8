import subprocess
import sys

import numpy as np
import pytest
from sklearn.utils import Bunch

from selective_clf._cli import main, run_demo

pytest.importorskip("matplotlib")


def test_demo_on_bundled_data_prints_table_and_writes_png(tmp_path, capsys):
    """The demo prints the risk–coverage table and writes a non-empty PNG."""
    out = tmp_path / "rc.png"
    assert main(["demo", "--data", "breast_cancer", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "coverage" in printed and "AURC" in printed
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_rows_agree_with_the_estimator():
    """Coverage falls as the threshold rises; 'none' has full coverage."""
    rows = run_demo("wine", output="")
    coverages = [cov for _, cov, _, _ in rows]
    assert coverages[0] == 1.0
    assert all(a >= b for a, b in zip(coverages, coverages[1:], strict=False))


def test_demo_on_csv_with_string_target(tmp_path, capsys):
    """A CSV with numeric features and a string target works."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    labels = np.where(X[:, 0] + rng.normal(scale=0.5, size=120) > 0, "yes", "no")
    lines = ["a,b,c,label"] + [
        f"{x[0]:.4f},{x[1]:.4f},{'' if i == 3 else f'{x[2]:.4f}'},{lab}"
        for i, (x, lab) in enumerate(zip(X, labels, strict=True))
    ]
    path = tmp_path / "data.csv"
    path.write_text("\n".join(lines) + "\n")
    assert main(["demo", "--data", str(path), "--target", "label", "--output", ""]) == 0
    assert "120 samples, 3 features, 2 classes" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, args, message",
    [
        (None, ["--target", "y"], "no such file"),
        ("a,y\n1,0\n2,1\n", ["--target", "z"], "unknown target column 'z'"),
        ("a,y\n1,0\n2,1\n", [], "--target is required"),
        ("a,b,y\n1,red,0\n2,blue,1\n", ["--target", "y"], "'b' is not numeric"),
        ("a,y\n1,0\n2,0\n3,0\n", ["--target", "y"], "single class"),
        ("a,y\n", ["--target", "y"], "no data rows"),
        ("a,y\n1,0.5\n2,1.7\n3,0.2\n", ["--target", "y"], "looks continuous"),
        ("a,y\n1,0\n2,0\n3,1\n", ["--target", "y"], "single sample"),
        ("a,y\n1,0\n2\n", ["--target", "y"], "rows do not all have"),
        ("", ["--target", "y"], "is empty"),
        ("a;b;y\n1;2;0\n3;4;1\n", ["--target", "y"], "separated by semicolons"),
        ("a,y\n1,low\n2,low\n3,high\n", ["--target", "y"], "class 'high' has"),
        ("a,y\n1,\n2,NA\n", ["--target", "y"], "no data rows with a 'y'"),
        ("a,y\n1,5,0\n2,5,1\n", ["--target", "y"], "line 2 has 3 fields"),
    ],
)
def test_bad_input_is_one_line_error(tmp_path, capsys, content, args, message):
    """Bad input ends with a one-line error and exit code 2, no traceback."""
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    code = main(["demo", "--data", str(path), "--output", "", *args])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("error: ") and message in err[-1]
    assert not any("Traceback" in line for line in err)


def test_module_entry_point_exit_code(tmp_path):
    """python -m selective_clf exits non-zero with one line on a missing file."""
    result = subprocess.run(
        [sys.executable, "-m", "selective_clf", "demo", "--data", "nope.csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: no such file: nope.csv")


def test_directory_and_unknown_names_are_explained(tmp_path, capsys):
    """A directory is named as such; a missing name lists the bundled sets."""
    assert main(["demo", "--data", str(tmp_path), "--output", ""]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["demo", "--data", "mnist", "--output", ""]) == 2
    err = capsys.readouterr().err
    assert "no such file: mnist" in err
    assert "digits, breast_cancer, wine, iris" in err


def test_target_with_bundled_data_is_an_error(capsys):
    """--target with a bundled data set is refused instead of ignored."""
    assert main(["demo", "--data", "iris", "--target", "y", "--output", ""]) == 2
    assert "--target is for CSV files" in capsys.readouterr().err


def test_non_utf8_file_is_named(tmp_path, capsys):
    """A Latin-1 file's error names the file and the encoding to use."""
    path = tmp_path / "latin.csv"
    path.write_bytes("a,y\n1,caf\xe9\n2,th\xe9\n".encode("latin-1"))
    assert main(["demo", "--data", str(path), "--target", "y", "--output", ""]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "not UTF-8" in err and "0xe9" in err


def _labelled_csv(path, n=120, missing=()):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    labels = np.where(X[:, 0] + rng.normal(scale=0.5, size=n) > 0, "yes", "no")
    labels = labels.astype(object)
    labels[: 2 * len(missing)] = list(missing) * 2
    rows = [f"{x[0]:.4f},{x[1]:.4f},{lab}" for x, lab in zip(X, labels, strict=True)]
    path.write_text("a,b,label\n" + "\n".join(rows) + "\n")
    return path


def test_empty_and_na_targets_are_dropped_with_a_note(tmp_path, capsys):
    """Rows with an empty or NA label are dropped, said in one line, not a class."""
    path = _labelled_csv(tmp_path / "d.csv", missing=("", "NA"))
    assert main(["demo", "--data", str(path), "--target", "label", "--output", ""]) == 0
    captured = capsys.readouterr()
    assert "dropped 4 rows whose 'label' cell is empty or NA" in captured.err
    assert "116 samples, 2 features, 2 classes" in captured.out


@pytest.mark.parametrize(
    "output, written",
    [
        ("outdir", "outdir.png"),
        ("plots/", "plots/risk_coverage.png"),
        ("a.png", "a.png"),
    ],
)
def test_output_path_is_a_png_and_is_reported(tmp_path, capsys, output, written):
    """--output NAME writes NAME.png, --output DIR/ writes DIR/risk_coverage.png."""
    (tmp_path / "plots").mkdir()
    target = str(tmp_path / output) + ("/" if output.endswith("/") else "")
    assert main(["demo", "--data", "iris", "--output", target]) == 0
    assert (tmp_path / written).stat().st_size > 0
    assert f"plot written to {tmp_path / written}" in capsys.readouterr().out


def test_help_shows_defaults(capsys):
    """demo --help states the default of each option."""
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for default in (
        "(default: digits)",
        "(default: risk_coverage.png)",
        "(default: 0)",
    ):
        assert default in text


def test_plot_legend_names_the_threshold(tmp_path, monkeypatch):
    """The legend says at which threshold the operating point sits."""
    import matplotlib.pyplot as plt

    legends = []
    monkeypatch.setattr(
        plt,
        "close",
        lambda fig: legends.append(
            [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        ),
    )
    run_demo("iris", output=str(tmp_path / "rc.png"))
    assert any(text.startswith("threshold 0.9: coverage") for text in legends[0])


def test_large_file_is_streamed_with_progress(tmp_path, capsys):
    """A file is read in one pass with progress notes and a compact array."""
    from selective_clf._cli import _load_csv

    path = _labelled_csv(tmp_path / "d.csv", n=3000)
    X, y, _ = _load_csv(path, "label", progress_every=0.0)
    assert X.shape == (3000, 2) and X.dtype == np.float64 and X.flags.c_contiguous
    assert set(y.tolist()) == {"yes", "no"}
    assert "reading d.csv: " in capsys.readouterr().err


# -- docs/user_guide/cli.rst shows what the demo prints (issue 20) -------------

import re  # noqa: E402
import shlex  # noqa: E402
from pathlib import Path  # noqa: E402

CLI_PAGE = Path(__file__).resolve().parents[1] / "docs" / "user_guide" / "cli.rst"


def _text_blocks(page):
    """Contents of the ``.. code-block:: <language>`` blocks of an rst page."""
    lines = page.read_text("utf-8").splitlines()
    blocks = []
    for i, line in enumerate(lines):
        if line.startswith(".. code-block::"):
            body = []
            for follower in lines[i + 2 :]:
                if follower and not follower.startswith("   "):
                    break
                body.append(follower[3:])
            blocks.append((line.split("::")[1].strip(), "\n".join(body).strip("\n")))
    return blocks


def _mask_numbers(text):
    return re.sub(r"\d+(\.\d+)?", "#", text)


def _numbers(text):
    return np.array([float(x) for x in re.findall(r"\d+(?:\.\d+)?", text)])


def test_cli_page_shows_the_output_of_the_demo(tmp_path, monkeypatch, capsys):
    """The output block of the CLI page is what `python -m selective_clf demo`
    prints: the same lines, layout and words; the same numbers up to the small
    drift between versions the page warns of (6b9dc6b showed thresholds on the
    risk lines, which the demo does not print)."""
    blocks = _text_blocks(CLI_PAGE)
    commands = [body for kind, body in blocks if kind == "bash"]
    assert commands[0].endswith("python -m selective_clf demo")
    shown = next(body for kind, body in blocks if kind == "text")
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    stdout = capsys.readouterr().out
    printed = "\n".join(line.rstrip() for line in stdout.strip().splitlines())
    shown = "\n".join(line.rstrip() for line in shown.splitlines())
    assert _mask_numbers(printed) == _mask_numbers(shown)
    # decimals (coverages, risks, AURC) within 0.01, counts within 5% or 3
    got, expected = _numbers(printed), _numbers(shown)
    decimal = np.array(["." in x for x in re.findall(r"\d+(?:\.\d+)?", shown)])
    np.testing.assert_allclose(got[decimal], expected[decimal], rtol=0, atol=0.01)
    np.testing.assert_allclose(got[~decimal], expected[~decimal], rtol=0.05, atol=3)
    assert (tmp_path / "risk_coverage.png").stat().st_size > 10_000


def test_cli_page_commands_run(tmp_path, monkeypatch, capsys):
    """Every demo command of the page runs (a CSV of the shape it names)."""
    blocks = _text_blocks(CLI_PAGE)
    commands = [
        line.split("&&")[-1].strip()
        for kind, body in blocks
        if kind == "bash"
        for line in body.splitlines()
    ]
    assert len(commands) == 3
    rng = np.random.default_rng(0)
    rows = ["a,b,label"] + [
        f"{a:.3f},{b:.3f},{'yes' if a + b > 0 else 'no'}"
        for a, b in rng.normal(size=(100, 2))
    ]
    (tmp_path / "measurements.csv").write_text("\n".join(rows) + "\n")
    monkeypatch.chdir(tmp_path)
    # in this process: the entry point itself is run once, by
    # test_module_entry_point_exit_code
    for command in commands:
        args = shlex.split(command)
        assert args[:3] == ["python", "-m", "selective_clf"]
        code = main(args[3:])
        captured = capsys.readouterr()
        assert code == 0, (command, captured.err)
        assert "AURC" in captured.out
    assert (tmp_path / "rc.png").exists()


# -- certify and monitor ----------------------------------------------------


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A fitted LogisticRegression (pickle and skops), calibration and stream CSVs."""
    import pickle

    from sklearn.linear_model import LogisticRegression

    root = tmp_path_factory.mktemp("certify")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 4))
    logit = 3 * X[:, 0] + 2 * X[:, 1]
    y = (rng.random(4000) < 1 / (1 + np.exp(-logit))).astype(int)
    model = LogisticRegression().fit(X[:1000], y[:1000])
    with (root / "model.pkl").open("wb") as handle:
        pickle.dump(model, handle)

    def write(name, X, y, extra=None):
        header = "f0,f1,f2,f3,label" + (",pred" if extra is not None else "")
        lines = [header]
        for i, (x, label) in enumerate(zip(X, y, strict=True)):
            cells = [f"{v:.6f}" for v in x] + [str(label)]
            if extra is not None:
                cells.append(str(extra[i]))
            lines.append(",".join(cells))
        (root / name).write_text("\n".join(lines) + "\n")
        return root / name

    calibration = write("cal.csv", X[1000:2500], y[1000:2500])
    # the stream: 1500 rows like calibration, then the labels of 40% of the
    # rows are flipped (a drift the model cannot see)
    y_stream = y[2500:].copy()
    flip = np.random.default_rng(0).random(1500) < 0.4
    flip[:700] = False
    y_stream[flip] = 1 - y_stream[flip]
    stream = write("stream.csv", X[2500:], y_stream)
    return Bunch(
        root=root, model=model, X=X, y=y, calibration=calibration, stream=stream,
        write=write, y_stream=y_stream,
    )  # fmt: skip


def _certify(saved_model, capsys, *extra):
    out = saved_model.root / "cert.json"
    code = main(
        [
            "certify", "--model", str(saved_model.root / "model.pkl"),
            "--data", str(saved_model.calibration), "--target", "label",
            "--target-risk", "0.05", "--output", str(out), *extra,
        ]
    )  # fmt: skip
    return code, out, capsys.readouterr()


def test_certify_prints_and_writes_the_certificate(saved_model, capsys):
    """certify: the printed certificate, its JSON, the same as in Python."""
    from sklearn.frozen import FrozenEstimator

    from selective_clf import Certificate, SelectiveClassifierCV
    from selective_clf._certificate import hash_file

    code, out, printed = _certify(saved_model, capsys)
    assert code == 0
    cert = Certificate.from_json(out.read_text())
    assert (
        "Selective-risk certificate" in printed.out and "protocol frozen" in printed.out
    )
    assert cert.model_hash == hash_file(saved_model.root / "model.pkl")
    expected = SelectiveClassifierCV(
        FrozenEstimator(saved_model.model), target_risk=0.05
    ).fit(saved_model.X[1000:2500], saved_model.y[1000:2500])
    assert cert.threshold == pytest.approx(expected.threshold_)
    assert cert.n_calibration == 1500


def test_monitor_replays_and_alarms_after_the_drift(saved_model, capsys):
    """monitor --model and --prediction agree and alarm after row 700."""
    from sklearn.frozen import FrozenEstimator

    from selective_clf import Certificate, SelectiveClassifier

    _, out, _ = _certify(saved_model, capsys)
    code = main(
        [
            "monitor", "--certificate", str(out), "--data", str(saved_model.stream),
            "--target", "label", "--model", str(saved_model.root / "model.pkl"),
        ]
    )  # fmt: skip
    by_model = capsys.readouterr().out
    assert code == 1 and "RISK ALARM at data row" in by_model
    row = int(re.search(r"RISK ALARM at data row (\d+)", by_model).group(1))
    assert 700 < row < 1500
    cert = Certificate.from_json(out.read_text())
    clf = SelectiveClassifier(
        FrozenEstimator(saved_model.model), threshold=cert.threshold
    ).fit(saved_model.X[:2], saved_model.y[:2])
    pred = clf.predict(saved_model.X[2500:])
    path = saved_model.write(
        "decisions.csv", saved_model.X[2500:], saved_model.y_stream, pred
    )
    code = main(
        [
            "monitor", "--certificate", str(out), "--data", str(path),
            "--target", "label", "--prediction", "pred",
        ]
    )  # fmt: skip
    by_column = capsys.readouterr().out
    assert code == 1
    assert by_column.splitlines()[1:] == by_model.splitlines()[1:]


def test_monitor_without_drift_stays_quiet(saved_model, capsys):
    """The first 700 stream rows (no drift): no alarm, exit status 0."""
    _, out, _ = _certify(saved_model, capsys)
    path = saved_model.write(
        "quiet.csv", saved_model.X[2500:3200], saved_model.y[2500:3200]
    )
    code = main(
        [
            "monitor", "--certificate", str(out), "--data", str(path),
            "--target", "label", "--model", str(saved_model.root / "model.pkl"),
        ]
    )  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0 and "risk monitor: no alarm" in printed


def test_certify_and_monitor_bad_input(saved_model, capsys, tmp_path):
    """Wrong column, model without scores, another model: one-line errors."""
    import pickle

    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    _, out, _ = _certify(saved_model, capsys)
    model = str(saved_model.root / "model.pkl")
    cal = str(saved_model.calibration)

    def error(args):
        assert main(args) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert not any("Traceback" in line for line in lines)
        return lines[-1]

    base = ["certify", "--model", model, "--data", cal, "--target-risk", "0.05"]
    assert "unknown target column 'lab'" in error([*base, "--target", "lab"])
    assert "columns: ['f0', 'f1', 'f2', 'f3', 'label']" in error(
        [*base, "--target", "lab"]
    )

    class NoScores(LinearSVC):
        decision_function = property()  # hasattr is False

    import selective_clf._cli as cli_module

    no_scores = tmp_path / "noscores.pkl"
    cli_module.NoScores = NoScores  # picklable by a module attribute
    NoScores.__module__, NoScores.__qualname__ = cli_module.__name__, "NoScores"
    fitted = NoScores().fit(saved_model.X[:100], saved_model.y[:100])
    no_scores.write_bytes(pickle.dumps(fitted))
    message = error(["certify", "--model", str(no_scores), "--data", cal,
                     "--target", "label", "--target-risk", "0.05"])  # fmt: skip
    assert "neither predict_proba nor decision_function" in message
    del cli_module.NoScores

    other = tmp_path / "other.pkl"
    other.write_bytes(
        pickle.dumps(
            LogisticRegression(C=0.01).fit(saved_model.X[:500], saved_model.y[:500])
        )
    )
    message = error(["monitor", "--certificate", str(out), "--data",
                     str(saved_model.stream), "--target", "label", "--model",
                     str(other)])  # fmt: skip
    assert "is not the model the certificate describes" in message
    message = error(["monitor", "--certificate", cal, "--data",
                     str(saved_model.stream), "--target", "label", "--model",
                     model])  # fmt: skip
    assert "is not a certificate" in message
    message = error(["monitor", "--certificate", str(out), "--data",
                     str(saved_model.stream), "--target", "label",
                     "--prediction", "nope"])  # fmt: skip
    assert "unknown prediction column 'nope'" in message
    assert "not a pickled model" in error(
        [*base[:2], cal, *base[3:], "--target", "label"]
    )


def test_certify_reads_skops_models(saved_model, capsys, tmp_path):
    """A model saved with skops certifies like the pickled one."""
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump(saved_model.model, path)
    code = main(["certify", "--model", str(path), "--data",
                 str(saved_model.calibration), "--target", "label",
                 "--target-risk", "0.05"])  # fmt: skip
    assert code == 0 and "protocol frozen" in capsys.readouterr().out


def test_version_and_program_name(capsys, monkeypatch):
    """--version prints the version; --help names the command it was run as."""
    from selective_clf import __version__

    with pytest.raises(SystemExit):
        main(["--version"])
    assert __version__ in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["/usr/bin/selective-clf"])
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out.startswith("usage: selective-clf")
    monkeypatch.setattr(sys, "argv", ["/x/selective_clf/__main__.py"])
    with pytest.raises(SystemExit):
        main(["certify", "--help"])
    assert capsys.readouterr().out.startswith("usage: python -m selective_clf certify")
