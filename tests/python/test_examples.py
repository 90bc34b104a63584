"""The Python examples run end to end on small inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

EXAMPLES = ROOT / "examples" / "python"


def run(args: list[str], cwd: Path) -> str:
    p = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_classify_and_plot(tmp_path: Path) -> None:
    out = run([str(EXAMPLES / "classify_and_plot.py"), "--students", "3000", "--out", "ex"], tmp_path)
    assert "students classified" in out and "consolidation_rate" in out
    png = tmp_path / "ex" / "dropouts_by_county.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_from_duckdb(tmp_path: Path) -> None:
    out = run([str(EXAMPLES / "from_duckdb.py"), "--students", "3000"], tmp_path)
    assert "dropout" in out
