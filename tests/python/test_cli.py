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


def test_read_csv_splits_records_as_the_command(cli: str, engine: kcbx.Engine, sample_dir: Path,
                                                tmp_path: Path) -> None:
    """Records the command rejects before any field is read (a short row,
    a long one, bytes that are not UTF-8, a quote never closed) are
    rejects of read_csv with the command's line and reason; the rest of the
    file is read, and classify rejects what the command rejects besides.
    pyarrow's reader stopped at the first such record."""
    text = (sample_dir / "students.csv").read_bytes().splitlines(keepends=True)
    header, first, second = text[0], text[1], text[2]
    cells = first.rstrip(b"\r\n").split(b",")
    quoted = second.rstrip(b"\r\n").split(b",")
    quoted[1] = b'"two\nlines, one name"'  # a quoted line break keeps later lines right
    body = [
        b",".join(cells[:3]) + b"\n",                       # too few cells
        first.rstrip(b"\r\n") + b",extra\n",                 # too many
        b",".join([b"X-utf8", b"\xff\xfe"] + cells[2:]) + b"\n",  # not UTF-8
        b",".join(quoted) + b"\n",
        b",".join([b"X-dup"] + cells[1:]) + b"\n",
        b",".join([b"X-dup"] + cells[1:]) + b"\n",          # a duplicate key: classify's reject
        b",".join([b"X-open", b'"never closed'] + cells[2:]) + b"\n",
    ]
    path = tmp_path / "broken.csv"
    path.write_bytes(header + b"".join(body))
    rej_path = tmp_path / "rej.csv"
    run = subprocess.run([cli, "classify", "--students", str(path), "--as-of", AS_OF,
                          "--out", str(tmp_path / "out.csv"), "--rejects", str(rej_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    cli_rej = kcbx.read_csv(rej_path)

    with pytest.warns(kcbx.RejectedRowsWarning, match="4 records"):
        table = kcbx.read_csv(path)
    table, unread = kcbx.read_csv(path, with_rejects=True)
    assert table.num_rows == 3 and unread.column_names == ["line", "reason"]
    result, rejects = engine.classify(table, AS_OF, with_rejects=True)
    assert result.num_rows == 2 and rejects.num_rows == 1
    lines = {int(r["row"]): r["reason"] for r in cli_rej.to_pylist()}
    assert {int(r["line"]): r["reason"] for r in unread.to_pylist()} == \
        {line: why for line, why in lines.items() if "X-dup" not in why and "first on row" not in why}
    assert len(lines) == unread.num_rows + rejects.num_rows == 5
    assert lines[2].startswith("the record has 3 cells")
    assert "never closed" in lines[9]


def test_read_csv_refuses_a_file_without_header(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="the file is empty"):
        kcbx.read_csv(empty)
    with pytest.raises(ValueError, match="unknown or unsupported encoding"):
        kcbx.read_csv(empty, encoding="utf-16")
    header_only = tmp_path / "header.csv"
    header_only.write_bytes(b"student_id,registry")  # no final line break
    assert kcbx.read_csv(header_only).num_rows == 0


def test_events_of_a_rejected_student_name_its_row(cli: str, engine: kcbx.Engine, sample_dir: Path,
                                                   tmp_path: Path) -> None:
    """An event of a child whose record was refused is rejected naming that
    row, by `kcbx cases`, `kcbx run` and Engine.cases alike; a child not in
    the file at all stays an unknown student."""
    students = bad_rows(sample_dir / "students.csv")
    events = tmp_path / "events.csv"
    events.write_text("student_id,date,type,person,note\n"
                      "X-date,2019-10-20,home_visit,老师,\n"
                      "NOBODY,2019-10-20,home_visit,老师,\n", encoding="utf-8")
    line = next(i for i, r in enumerate(csv.reader(students.open(encoding="utf-8")), 1) if r[0] == "X-date")
    want = f"the student's record was rejected (row {line} of the students): no case is evaluated for it"

    def reasons(path: Path) -> dict[str, str]:
        return {r["student_id"]: r["reason"] for r in csv.DictReader(path.open(encoding="utf-8-sig"))
                if r["file"] == "events"}

    rej = tmp_path / "rejects.csv"
    run = subprocess.run([cli, "cases", "--students", str(students), "--events", str(events), "--as-of", AS_OF,
                          "--out", str(tmp_path / "cases.csv"), "--rejects", str(rej)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    got = reasons(rej)
    assert got["X-date"] == want
    assert got["NOBODY"].startswith("unknown student")

    out = tmp_path / "run"
    run = subprocess.run([cli, "run", "--students", str(students), "--events", str(events), "--as-of", AS_OF,
                          "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert reasons(out / "rejects.csv")["X-date"] == want

    table = kcbx.read_csv(students)
    c = engine.cases(table, AS_OF, events=events)
    rejects = c.rejects.to_pandas()
    by_id = dict(zip(rejects["student_id"], rejects["reason"]))
    assert by_id["NOBODY"].startswith("unknown student")
    assert by_id["X-date"].startswith("the student's record was rejected (row ")
