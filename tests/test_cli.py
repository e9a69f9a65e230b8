import subprocess
import sys

import numpy as np
import pytest

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
    assert result.stderr.strip() == "error: no such file: nope.csv"
