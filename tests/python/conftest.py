"""Shared fixtures: the embedded pack, one engine, a small synthetic province."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kcbx

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2019-11-15"

# 一人一籍: the Guizhou pack with unique ID numbers (docs/rule-packs.md).
ONE_REGISTRY_PER_PERSON = """meta: {name: strict, version: 1.0.0, extends: guizhou}
fields:
  id_number: {override: true, alias: 身份证号, type: string, format: id_number, unique: true}
"""


def one_registry_frame():  # noqa: ANN201
    """Rows 1, 2 and 4 are duplicates as the engine reads cells: row 1 has
    row 0's key after an ideographic space, row 2 row 0's ID number with x
    for X, row 4 row 3's ID number before a no-break space. The key and the
    ID number are headed by their aliases."""
    import pandas as pd

    return pd.DataFrame({
        "学籍号": ["G1", "\u3000G1", "G2", "G3", "G4", "G5"],
        "registry": ["enrolled"] * 6,
        "身份证号": ["52010220100101019X", "520102201001010018", "52010220100101019x",
                 "520102201001010026", "520102201001010026\u00a0", ""],
        "birth_date": ["2010-01-01"] * 6,  # the ID numbers' own
        "last_attended": ["2019-11-10"] * 6,
    })


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
