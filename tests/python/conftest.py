"""Shared fixtures: the embedded pack, one engine, a small synthetic province."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kcbx

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2019-11-15"


@pytest.fixture(scope="session")
def pack() -> kcbx.RulePack:
    return kcbx.RulePack.default()


@pytest.fixture(scope="session")
def engine(pack: kcbx.RulePack) -> kcbx.Engine:
    return kcbx.Engine(pack)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """students.csv, events.csv, officials.csv for 3000 synthetic students."""
    d = tmp_path_factory.mktemp("sample")
    kcbx.generate(3000, seed=7, as_of=AS_OF, out=d)
    return d


@pytest.fixture(scope="session")
def sample(sample_dir: Path) -> kcbx.Sample:
    return kcbx.Sample(*(kcbx.read_csv(sample_dir / f"{n}.csv")
                         for n in ("students", "events", "officials")))


@pytest.fixture(scope="session")
def students(sample: kcbx.Sample):
    """The students as a text pyarrow Table."""
    return sample.students


def cli_path() -> str | None:
    """The kcbx command: $KCBX_CLI, else build/kcbx, else on PATH."""
    env = os.environ.get("KCBX_CLI")
    if env and Path(env).exists():
        return env
    built = ROOT / "build" / "kcbx"
    if built.exists():
        return str(built)
    return shutil.which("kcbx")
