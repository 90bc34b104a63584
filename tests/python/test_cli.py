"""The module and the `kcbx classify` command agree on the same CSV."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest

import kcbx
from conftest import AS_OF, cli_path


def bad_rows(path: Path) -> Path:
    """The sample with a few broken records appended."""
    rows = list(csv.reader(path.open(encoding="utf-8")))
    header, first = rows[0], rows[1]
    col = {name: i for i, name in enumerate(header)}

    def variant(sid: str, **changes: str) -> list[str]:
        r = list(first)
        r[col["student_id"]] = sid
        for k, v in changes.items():
            r[col[k]] = v
        return r

    extra = [
        variant("X-date", birth_date="2010-13-01"),
        variant("X-id", id_number="520102201003151237", birth_date=""),
        variant(first[col["student_id"]]),                      # duplicate key
        variant("X-enum", registry="studying"),
        variant("X-bool", poor="perhaps"),
        variant("X-late", birth_date="2030-01-01", id_number=""),
        variant("X-chinese", registry="退学", poor="是"),
    ]
    out = path.with_name("students_bad.csv")
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerows(rows + extra)
    return out


@pytest.fixture(scope="module")
def cli() -> str:
    path = cli_path()
    if path is None:
        pytest.skip("the kcbx command is not built (scripts/build.sh builds build/kcbx)")
    return path


def test_same_results_as_cli(cli: str, engine: kcbx.Engine, sample_dir: Path, tmp_path: Path) -> None:
    students = bad_rows(sample_dir / "students.csv")
    out, rej = tmp_path / "out.csv", tmp_path / "rejects.csv"
    run = subprocess.run([cli, "classify", "--students", str(students), "--as-of", AS_OF,
                          "--out", str(out), "--rejects", str(rej)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    cli_out = kcbx.read_csv(out)
    cli_rej = kcbx.read_csv(rej)

    table = kcbx.read_csv(students)
    result, rejects = engine.classify(table, AS_OF, with_rejects=True)
    assert result.num_rows == cli_out.num_rows
    # The command writes the first table's columns; the module all tables.
    assert cli_out.column_names == ["student_id"] + engine.output_columns(all_tables=False)
    assert set(cli_out.column_names) <= set(result.column_names)
    for name in cli_out.column_names:
        mine = result[name]
        if pa.types.is_dictionary(mine.type) or pa.types.is_date(mine.type) or \
                pa.types.is_integer(mine.type):
            mine = mine.cast(pa.string())
        assert [v or "" for v in mine.to_pylist()] == cli_out[name].to_pylist(), name

    # Rejects: the same records, columns and reasons; rows are file lines
    # there (header = 1) and 0-based positions here.
    assert rejects.num_rows == cli_rej.num_rows > 0
    assert [r + 2 for r in rejects["row"].to_pylist()] == [int(x) for x in cli_rej["row"].to_pylist()]
    for name in ("student_id", "column"):
        assert rejects[name].to_pylist() == cli_rej[name].to_pylist(), name
    first_on = re.compile(r"first on row (\d+)")
    mine = [first_on.sub(lambda m: f"first on row {int(m.group(1)) + 2}", r)
            for r in rejects["reason"].to_pylist()]
    assert mine == cli_rej["reason"].to_pylist()
