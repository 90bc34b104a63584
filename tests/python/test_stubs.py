"""The .pyi stubs match the module (mypy.stubtest), and every public name
has a docstring."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kcbx
from conftest import ROOT

HERE = Path(__file__).parent


def test_stubtest(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    env = dict(os.environ, MYPY_CACHE_DIR=str(tmp_path / "mypy-cache"))
    p = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "kcbx", "--mypy-config-file", str(ROOT / "pyproject.toml"),
         "--allowlist", str(HERE / "stubtest_allowlist.txt")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env)
    assert p.returncode == 0, p.stdout + p.stderr


def test_docstrings() -> None:
    for name in kcbx.__all__:
        obj = getattr(kcbx, name)
        if name == "__version__":
            continue
        assert inspect.getdoc(obj), name
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if attr.startswith("_") or not callable(member):
                    continue
                assert inspect.getdoc(member), f"{name}.{attr}"
