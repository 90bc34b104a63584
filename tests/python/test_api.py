"""Round trips of every public call, for every kind of table."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)
import pytest

import kcbx
from conftest import AS_OF, ROOT, cli_path

STATUSES = ["in_school", "suspected_dropout", "dropout", "out_of_school", "not_counted",
            "completed", "not_applicable"]


def test_rule_pack_constructors(pack: kcbx.RulePack) -> None:
    assert pack.name == "guizhou"
    assert pack.version == "1.0.0"
    assert pack.jurisdiction == "520000"
    assert pack.file == "<embedded:guizhou>"
    assert len(pack.content_hash) == 16
    assert pack.id == f"guizhou 1.0.0 #{pack.content_hash}"
    assert pack.key == "student_id"
    assert "guizhou" in kcbx.RulePack.embedded_names()
    loaded = kcbx.RulePack.load(str(ROOT / "rules" / "guizhou.yaml"))
    assert loaded.source == (ROOT / "rules" / "guizhou.yaml").read_text(encoding="utf-8")
    assert loaded.content_hash == pack.content_hash
    same = kcbx.RulePack.from_string(pack.source, "copy.yaml")
    assert same.file == "copy.yaml" and same.content_hash == pack.content_hash
    assert kcbx.RulePack.check(pack.source) == []
    assert "guizhou" in repr(pack)


def test_rule_pack_schema(pack: kcbx.RulePack) -> None:
    fields = {f["name"]: f for f in pack.fields}
    assert fields["student_id"] == {"name": "student_id", "alias": "学籍号", "type": "string", "format": "",
                                    "required": True, "unique": True, "values": []}
    assert fields["id_number"]["format"] == "id_number"
    assert fields["registry"]["type"] == "enum" and "enrolled" in fields["registry"]["values"]
    assert fields["birth_date"]["type"] == "date"
    assert pack.levels[:4] == ["prefecture", "county", "township", "village"]


def test_engine_properties(engine: kcbx.Engine, pack: kcbx.RulePack) -> None:
    assert engine.pack == pack
    assert engine.threads == 0 and engine.batch_rows == 1024
    assert engine.output_columns() == [
        "status", "rule", "clause", "eligible_aid", "eligible_aid_rule", "eligible_aid_clause",
        "age", "suspected_since", "dropout_since"]
    assert kcbx.Engine("guizhou").pack == pack
    assert kcbx.Engine(str(ROOT / "rules" / "guizhou.yaml"), threads=1).threads == 1
    with pytest.raises(ValueError):
        kcbx.Engine(pack, threads=-1)
    with pytest.raises(TypeError):
        kcbx.Engine(42)  # type: ignore[arg-type]


def test_classify_pyarrow(engine: kcbx.Engine, students: pa.Table) -> None:
    result, rejects = engine.classify(students, AS_OF, with_rejects=True)
    assert isinstance(result, pa.Table) and isinstance(rejects, pa.Table)
    assert result.num_rows + rejects.num_rows == students.num_rows
    assert result.column_names == ["student_id"] + engine.output_columns()
    schema = result.schema
    assert schema.field("student_id").type == pa.string()
    assert pa.types.is_dictionary(schema.field("status").type)
    assert schema.field("age").type == pa.int64()
    assert schema.field("suspected_since").type == pa.date32()
    assert schema.field("dropout_since").type == pa.date32()
    assert set(result["status"].to_pylist()) <= set(STATUSES)
    assert result["student_id"].to_pylist() == [
        s for s in students["student_id"].to_pylist() if s not in set(rejects["student_id"].to_pylist())]
    assert rejects.column_names == ["row", "student_id", "column", "reason"]
    # A record batch in, a record batch out.
    batch = students.combine_chunks().to_batches()[0]
    out = engine.classify(batch, AS_OF, with_rejects=True)[0]
    assert isinstance(out, pa.RecordBatch)
    assert pa.Table.from_batches([out]).equals(result)


def test_classify_pandas(engine: kcbx.Engine, students: pa.Table) -> None:
    expected = engine.classify(students, AS_OF, with_rejects=True)[0]
    df = students.to_pandas()
    result, rejects = engine.classify(df, AS_OF, with_rejects=True)
    assert isinstance(result, pd.DataFrame) and isinstance(rejects, pd.DataFrame)
    assert isinstance(result["status"].dtype, pd.CategoricalDtype)
    assert list(result["status"].cat.categories) == STATUSES
    assert result["age"].dtype == np.int64
    assert result["dropout_since"].dtype == pd.ArrowDtype(pa.date32())
    assert result["student_id"].tolist() == expected["student_id"].to_pylist()
    assert result["status"].astype(str).tolist() == expected["status"].cast(pa.string()).to_pylist()
    assert pa.array(result["dropout_since"]).to_pylist() == expected["dropout_since"].to_pylist()


def test_classify_polars(engine: kcbx.Engine, students: pa.Table) -> None:
    expected = engine.classify(students, AS_OF, with_rejects=True)[0]
    df = pl.from_arrow(students)
    result, rejects = engine.classify(df, AS_OF, with_rejects=True)
    assert isinstance(result, pl.DataFrame) and isinstance(rejects, pl.DataFrame)
    assert result.schema["status"] == pl.Categorical
    assert result.schema["dropout_since"] == pl.Date
    assert result["student_id"].to_list() == expected["student_id"].to_pylist()
    assert result["status"].cast(pl.String).to_list() == expected["status"].cast(pa.string()).to_pylist()
    assert result["dropout_since"].to_list() == expected["dropout_since"].to_pylist()


def test_classify_arrow_capsule_objects(engine: kcbx.Engine, students: pa.Table) -> None:
    import duckdb

    expected = engine.classify(students, AS_OF, with_rejects=True)[0]
    con = duckdb.connect()
    rel = con.sql("select * from students")
    assert engine.classify(rel, AS_OF, with_rejects=True)[0].equals(expected)

    class StreamOnly:
        def __init__(self, t: pa.Table) -> None:
            self.t = t

        def __arrow_c_stream__(self, requested_schema=None):  # noqa: ANN001, ANN204
            return self.t.__arrow_c_stream__(requested_schema)

    assert engine.classify(StreamOnly(students), AS_OF, with_rejects=True)[0].equals(expected)


def test_classify_mapping_of_numpy_arrays(engine: kcbx.Engine) -> None:
    columns = {
        "student_id": np.array(["a", "b", "c"]),
        "registry": np.array(["enrolled", "left", "在籍"]),
        "birth_date": np.array(["2010-01-01", "2009-05-05", "2012-02-29"], dtype="datetime64[D]"),
        "last_attended": np.array(["2019-09-01", "NaT", "NaT"], dtype="datetime64[ns]"),
        "poor": np.array([True, False, True]),
        "grade": np.array([4, 5, 2], dtype=np.int32),
    }
    result = engine.classify(columns, dt.date(2019, 11, 15))
    assert isinstance(result, pa.Table)
    assert result["status"].cast(pa.string()).to_pylist() == ["dropout", "dropout", "in_school"]
    assert result["age"].to_pylist() == [9, 10, 7]
    assert result["dropout_since"].to_pylist() == [dt.date(2019, 10, 10), None, None]


def test_as_of_forms(engine: kcbx.Engine) -> None:
    record = {"student_id": ["a"], "registry": ["enrolled"], "birth_date": ["2010-01-01"]}
    t = pa.table(record)
    for as_of in ("2019-11-15", dt.date(2019, 11, 15), dt.datetime(2019, 11, 15, 8),
                  pd.Timestamp("2019-11-15"), np.datetime64("2019-11-15")):
        assert engine.classify(t, as_of)["age"].to_pylist() == [9]
    with pytest.raises(ValueError, match="as_of"):
        engine.classify(t, "2019-02-30")
    with pytest.raises(TypeError, match="as_of"):
        engine.classify(t, 20191115)


def test_levels(engine: kcbx.Engine, students: pa.Table) -> None:
    result = engine.classify(students, AS_OF, levels=["county", "township", "school"],
                             with_rejects=True)[0]
    county = result["county"].cast(pa.string()).to_pylist()
    township = result["township"].cast(pa.string()).to_pylist()
    assert all(len(c) == 6 for c in county)
    assert all(t.startswith(c) and len(t) == 9 for c, t in zip(county, township))
    with pytest.raises(ValueError, match="no level 'province'"):
        engine.classify(students, AS_OF, levels=["province"])


def test_status_only_and_no_outputs(engine: kcbx.Engine, students: pa.Table) -> None:
    full = engine.classify(students, AS_OF)
    lean = engine.classify(students, AS_OF, all_tables=False, outputs=False)
    assert lean.column_names == ["student_id", "status", "rule", "clause"]
    for name in lean.column_names:
        assert lean[name].to_pylist() == full[name].to_pylist(), name
    no_outputs = engine.classify(students, AS_OF, outputs=False, levels=["county"])
    assert "age" not in no_outputs.column_names and "eligible_aid" in no_outputs.column_names
    assert no_outputs["county"].to_pylist() == engine.classify(students, AS_OF, levels=["county"])["county"].to_pylist()
    first_table = engine.classify(students, AS_OF, all_tables=False)
    assert first_table.column_names == ["student_id", "status", "rule", "clause", "age", "suspected_since",
                                        "dropout_since"]
    assert first_table["age"].to_pylist() == full["age"].to_pylist()


def test_explain(engine: kcbx.Engine) -> None:
    record = {"student_id": "G1", "registry": "enrolled", "birth_date": dt.date(2010, 3, 1),
              "last_attended": "2019-09-01", "id_number": None, "poor": False, "aid": ["two_free"]}
    e = engine.explain(record, "2019-10-10")
    assert e["format"] == "kcbx.explanation/1" and e["accepted"]
    assert e["as_of"] == "2019-10-10"
    d = e["decisions"][0]
    assert (d["table"], d["value"], d["alias"], d["rule"], d["clause"]) == (
        "status", "dropout", "辍学", "absent_over_month", "D4")
    assert any(t["rule"] == "absent_over_month" and t["result"] == "true" for t in e["tried"])
    values = {v["name"]: v for v in e["values"]}
    assert values["suspected_after"]["kind"] == "parameter"
    assert values["suspected_after"]["source"].startswith("<embedded:guizhou>:")
    assert e["outputs"]["dropout_since"] == "2019-10-10"
    assert json.loads(engine.explain(record, "2019-10-10", format="json"))["decisions"][0]["value"] == "dropout"
    assert "dropout" in engine.explain(record, "2019-10-10", format="text")
    with pytest.raises(ValueError):
        engine.explain(record, "2019-10-10", format="xml")


def test_status_counts_and_read_csv_kinds(engine: kcbx.Engine, students: pa.Table, tmp_path) -> None:  # noqa: ANN001
    """status_counts answers in the input's kind, a RecordBatch too;
    read_csv refuses a kind it does not make."""
    batch = students.combine_chunks().to_batches()[0]
    assert isinstance(engine.status_counts(batch, AS_OF), pa.RecordBatch)
    assert isinstance(engine.status_counts(students, AS_OF), pa.Table)
    path = tmp_path / "s.csv"
    path.write_text("student_id,registry,birth_date\na,enrolled,2010-01-01\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kind must be"):
        kcbx.read_csv(path, kind="numpy")


def test_explain_a_row_of_a_datetime_frame(engine: kcbx.Engine) -> None:
    """A row of a DataFrame explains as classify reads it: NaT is no date
    (a null), and a record a pack check refuses is named by its key."""
    df = pd.DataFrame({"student_id": ["G3"], "registry": ["enrolled"],
                       "birth_date": pd.to_datetime(["2010-03-01"]), "last_attended": pd.to_datetime([None])})
    e = engine.explain(df.iloc[0].to_dict(), "2019-10-10")
    assert e["accepted"], e["rejects"]
    assert e["decisions"][0]["value"] == engine.classify(df, "2019-10-10")["status"][0] == "in_school"
    refused = engine.explain({"student_id": "G3", "registry": "enrolled"}, "2019-10-10")
    assert not refused["accepted"]
    assert refused["rejects"][0]["student_id"] == "G3"
    # A required field left out is the record's missing value, as a blank.
    left_out = engine.explain({"student_id": "G3", "birth_date": "2010-03-01"}, "2019-10-10")
    blank = engine.explain({"student_id": "G3", "birth_date": "2010-03-01", "registry": ""}, "2019-10-10")
    assert left_out["rejects"] == blank["rejects"]
    assert left_out["rejects"][0]["row"] == 1 and left_out["rejects"][0]["column"] == "registry"


def test_text_python_cannot_encode_is_a_reject_not_a_leak(engine: kcbx.Engine) -> None:
    """A lone surrogate in a cell (text decoded with surrogateescape) is the
    record's reject; pybind11's TypeError would have printed every cell,
    the ID numbers unmasked. A path of such text is read as its bytes."""
    got = engine.explain({"student_id": "G1", "registry": "enrolled", "birth_date": "2010-01-01",
                          "guardian": "李四 520102198001011236", "name": "\ud800"}, "2019-10-10")
    assert not got["accepted"]
    assert got["rejects"][0]["reason"].startswith("invalid UTF-8 in field")
    with pytest.raises(kcbx.RulesError, match="no such file") as e:
        kcbx.Engine("\udcff-missing.yaml")
    assert "520102198001011236" not in str(e.value)
    with pytest.raises(ValueError, match="cannot open the file"):
        kcbx.read_csv("\udcff-missing.csv")
    with pytest.raises(ValueError, match="cannot open the file"):
        kcbx.read_csv(b"/nonexistent-dir/bytes.csv")


def test_explain_masks_id_numbers_and_rejects(engine: kcbx.Engine) -> None:
    ok = engine.explain({"student_id": "G1", "registry": "enrolled", "id_number": "520102201003151236"},
                        "2019-10-10")
    shown = {v["name"]: v["value"] for v in ok["values"]}
    assert "520102201003151236" not in json.dumps(ok)
    bad = engine.explain({"student_id": "G1", "registry": "enrolled", "id_number": "520102201003151237"},
                         "2019-10-10")
    assert not bad["accepted"]
    assert bad["rejects"][0]["column"] == "id_number"
    assert "520102201003151237" not in json.dumps(bad)
    assert shown.get("id_number", "").startswith("520102") or "id_number" not in shown


def test_cases(engine: kcbx.Engine, sample: kcbx.Sample, sample_dir) -> None:  # noqa: ANN001
    c = engine.cases(sample.students, AS_OF, events=sample.events, officials=sample.officials)
    assert isinstance(c, kcbx.Cases)
    assert c.cases.num_rows > 0
    assert c.cases.schema.field("due").type == pa.date32()
    rows = list(zip(c.cases["status"].to_pylist(), c.cases["closed"].to_pylist()))
    assert {s for s, closed in rows if not closed} <= {"suspected_dropout", "dropout", "out_of_school"}
    # A child whose case a return closed is in school again (SPEC Statuses, M3.3).
    assert "in_school" in {s for s, closed in rows if closed}
    assert any(p for p in c.cases["person"].to_pylist())
    by_path = engine.cases(sample.students, AS_OF, events=sample_dir / "events.csv",
                           officials=str(sample_dir / "officials.csv"))
    assert by_path.cases.equals(c.cases)
    assert by_path.accountability.equals(c.accountability)
    plain = engine.cases(sample.students.to_pandas(), AS_OF)
    assert isinstance(plain.cases, pd.DataFrame)
    assert set(plain.cases["person"]) == {""}
    assert list(c.rejects.column_names) == ["file", "row", "student_id", "column", "reason"]


GRADE6 = pd.DataFrame({
    "student_id": ["P1", "P2", "P3", "", "P5"],
    "id_number": ["", "", "", "11010519491231002X", ""],
    "name": ["甲", "乙", "丙", "丁", "戊"],
    "school_id": ["S1", "S1", "S1", "S2", "S2"],
    "receiving_school": ["第一中学", "第一中学", "第一中学", "第一中学", ""],
})
GRADE7 = pd.DataFrame({
    "student_id": ["P1", "P2", "P3", ""],
    "id_number": ["", "", "", "11010519491231002x"],
    "school_id": ["第一中学", "第一中学", "第二中学", "第一中学"],
    "registered_on": [dt.date(2019, 8, 30), dt.date(2019, 9, 5), dt.date(2019, 8, 31), dt.date(2019, 8, 31)],
})


def test_transfer(engine: kcbx.Engine, tmp_path) -> None:  # noqa: ANN001
    """S1 from Python as from the command: every grade-6 pupil's outcome,
    the S1.4 and S1.5 dates, rejects by position, ID numbers masked."""
    t = engine.transfer(GRADE6, GRADE7, "2019-09-01", dt.date(2019, 9, 10))
    assert isinstance(t, kcbx.Transfer)
    rows = t.rows
    assert isinstance(rows, pd.DataFrame)
    assert list(rows["outcome"]) == ["registered", "late", "registered_elsewhere", "registered"]
    assert rows["student_id"].iloc[3] == "110105********002X"  # listed by its ID number, masked
    assert rows["matched_by"].iloc[3] == "id_number"
    late = rows.iloc[1]
    assert late["notify_due"] == dt.date(2019, 9, 4)  # S1.4: 3 days after the deadline
    assert late["notify_overdue_days"] == 1
    assert late["inspection_due"] == dt.date(2019, 9, 16)  # S1.5: 15 days
    assert (late["notify_clause"], late["inspection_clause"]) == ("S1.4", "S1.5")
    # P5 has no receiving school: rejected at its position in the table.
    assert t.rejects[["file", "row"]].values.tolist() == [["grade6", 4]]
    assert t.summary == {"grade6_read": 5, "grade6_rejected": 1, "grade7_read": 4, "grade7_rejected": 0}
    assert not t.notes
    assert engine.transfer(GRADE6, GRADE7, "2019-09-01", "2019-09-10", mask=False).rows[
        "student_id"].iloc[3] == "11010519491231002X"

    # Files: the grade-7 one saved by another system in GB18030, rejects
    # numbered by line, pyarrow tables out; the command writes the same rows.
    g6, g7 = tmp_path / "g6.csv", tmp_path / "g7.csv"
    GRADE6.to_csv(g6, index=False)
    GRADE7.to_csv(g7, index=False, encoding="gb18030")
    f = engine.transfer(g6, str(g7), "2019-09-01", "2019-09-10", grade7_encoding="gb18030")
    assert f.rows.to_pandas()["outcome"].tolist() == list(rows["outcome"])
    assert f.rejects["row"].to_pylist() == [6]
    # Not said to be GB18030, its school names are not text: every row rejected.
    assert engine.transfer(g6, g7, "2019-09-01", "2019-09-10").summary["grade7_rejected"] == 4
    cli = cli_path()
    if cli:
        out = subprocess.run([cli, "transfer", "--grade6", str(g6), "--grade7", str(g7), "--grade7-encoding",
                              "gb18030", "--registration-deadline", "2019-09-01", "--as-of", "2019-09-10",
                              "--all"], capture_output=True, text=True, check=True).stdout
        assert pd.read_csv(io.StringIO(out), keep_default_na=False)["outcome"].tolist() == list(rows["outcome"])
    with pytest.raises(ValueError, match="registration_deadline"):
        engine.transfer(GRADE6, GRADE7, "2019-13-01", "2019-09-10")


def test_transfer_names_who_a_lost_pupils_return_falls_to(engine: kcbx.Engine, tmp_path) -> None:  # noqa: ANN001
    """S1.6: both schools' principals and the head of the pupil's township
    (the Guizhou pack's transfer roles), from tables or files, as the command."""
    grade6 = pd.DataFrame({"student_id": ["P1", "P5", "P7"], "name": ["甲", "戊", "庚"],
                           "school_id": ["S1", "S2", "S3"], "receiving_school": ["J1", "J1", "J1"]})
    grade7 = pd.DataFrame({"student_id": ["P1"], "school_id": ["J1"], "registered_on": ["2019-08-30"]})
    officials = pd.DataFrame({"role": ["principal", "principal", "township_head", "principal"],
                              "person": ["赵校长", "李校长", "王乡长", "钱校长"],
                              "jurisdiction": ["S2", "J1", "520102001", "S2"]})  # S2 twice: rejected
    students = pd.DataFrame({"student_id": ["P5"], "registry": ["enrolled"], "birth_date": ["2007-03-01"],
                             "division_code": ["520102001001"], "school_id": ["S2"]})
    t = engine.transfer(grade6, grade7, "2019-09-01", "2019-09-10", officials=officials, students=students)
    assert list(t.rows["responsible"]) == [
        "", "校长 赵校长 (S2); 校长 李校长 (J1); 乡镇长 王乡长 (520102001)", "校长 (none) (S3); 校长 李校长 (J1); 乡镇长 (none)"]
    assert list(t.rows["lost_clause"]) == ["", "S1.6", "S1.6"]
    assert t.rejects[["file", "row"]].values.tolist() == [["officials", 3]]
    assert "responsible" not in engine.transfer(grade6, grade7, "2019-09-01", "2019-09-10").rows.columns
    with pytest.raises(ValueError, match="students is read for officials"):
        engine.transfer(grade6, grade7, "2019-09-01", "2019-09-10", students=students)
    # A record the pack refuses (born after the evaluation date) is rejected
    # as by classify, and is no one's home.
    unborn = students.assign(birth_date=["2025-03-01"])
    u = engine.transfer(grade6, grade7, "2019-09-01", "2019-09-10", officials=officials, students=unborn)
    assert u.rows["responsible"].iloc[1].endswith("乡镇长 (none)")
    assert u.rejects[["file", "row", "column"]].values.tolist() == [["students", 0, "birth_date"],
                                                                      ["officials", 3, "jurisdiction"]]
    cli = cli_path()
    if cli:
        paths = {}
        for name, df in (("g6", grade6), ("g7", grade7), ("off", officials), ("st", students)):
            paths[name] = tmp_path / f"{name}.csv"
            df.to_csv(paths[name], index=False)
        out = subprocess.run([cli, "transfer", "--grade6", str(paths["g6"]), "--grade7", str(paths["g7"]),
                              "--registration-deadline", "2019-09-01", "--as-of", "2019-09-10", "--officials",
                              str(paths["off"]), "--students", str(paths["st"])],
                             capture_output=True, text=True, check=True).stdout
        lost = pd.read_csv(io.StringIO(out), keep_default_na=False)
        assert list(lost["responsible"]) == list(t.rows["responsible"])[1:]
        assert list(lost["lost_clause"]) == ["S1.6", "S1.6"]


def test_run_report(engine: kcbx.Engine, sample: kcbx.Sample, sample_dir) -> None:  # noqa: ANN001
    report = engine.run(sample.students, AS_OF, events=sample.events, officials=sample.officials)
    assert isinstance(report, kcbx.Report)
    assert {"summary", "indicators", "calendar", "rejects"} <= set(report.tables)
    assert {"village", "township", "county", "prefecture", "poor"} <= set(report.ledgers)
    assert {"village", "township", "county", "prefecture"} <= set(report.totals)
    assert {"problems", "responsibility", "closures", "accountability", "aid_gaps"} <= set(report.lists)
    assert report.indicators.schema.field("judged_on").type == pa.date32()
    assert report.headers["indicators"]["indicator"] == "指标"
    assert report.summary["format"].startswith("kcbx.run/")
    # The summary table holds what summary.csv holds: the run's date and
    # pack as text beside the counts (its value column is text then).
    rows = {(r["section"], r["item"]): r["value"] for r in report.tables["summary"].to_pylist()}
    assert rows[("run", "as_of")] == AS_OF
    assert rows[("run", "pack")] == engine.pack.id
    assert rows[("students", "read")] == str(report.summary["students"]["read"])
    # A number column of numbers only stays numbers.
    assert pa.types.is_integer(report.indicators.schema.field("numerator").type)
    assert report.cases is not None and report.cases.cases.num_rows > 0
    # The accountability columns of kcbx cases --accountability.
    assert report.cases.accountability.column_names[-4:] == ["role_alias", "person", "post", "supervisors"]
    totals = report.totals["county"].to_pandas().set_index("jurisdiction")
    # Without events the run counts the statuses classify gives; with them,
    # a child whose case a return closed is in school again (M3.3).
    plain = engine.run(sample.students, AS_OF, with_cases=False)
    plain_totals = plain.totals["county"].to_pandas().set_index("jurisdiction")
    counts = engine.status_counts(sample.students, AS_OF, "county").to_pandas()
    for (county, status), n in counts.set_index(["county", "status"])["count"].items():
        assert plain_totals.loc[county, status] == n
    cases = report.cases.cases
    back = {i for i, s, closed in zip(cases["student_id"].to_pylist(), cases["status"].to_pylist(),
                                      cases["closed"].to_pylist()) if closed and s == "in_school"}
    assert back
    assert totals["in_school"].sum() - plain_totals["in_school"].sum() == len(back)
    assert totals["records"].sum() == plain_totals["records"].sum()
    # Paths give the same tables.
    by_path = engine.run(sample_dir / "students.csv", AS_OF, events=sample_dir / "events.csv",
                         officials=sample_dir / "officials.csv", with_cases=False)
    assert by_path.cases is None
    for name in ("totals_county", "indicators", "ledger_village"):
        assert by_path.tables[name].equals(report.tables[name]), name
    as_pandas = engine.run(sample.students.to_pandas(), AS_OF, with_cases=False)
    assert isinstance(as_pandas.totals["county"], pd.DataFrame)


def test_status_counts(engine: kcbx.Engine, students: pa.Table) -> None:
    counts = engine.status_counts(students, AS_OF, "county")
    result = engine.classify(students, AS_OF, with_rejects=True)[0]
    assert counts.column_names == ["county", "status", "count"]
    assert sum(counts["count"].to_pylist()) == result.num_rows
    assert isinstance(engine.status_counts(pl.from_arrow(students), AS_OF), pl.DataFrame)


def test_generate_and_read_csv(sample_dir) -> None:  # noqa: ANN001
    a = kcbx.generate(200, seed=3)
    b = kcbx.generate(200, seed=3, kind="pandas")
    assert a.students.num_rows == 200
    assert isinstance(b.students, pd.DataFrame)
    assert a.students.to_pandas().equals(b.students)
    assert kcbx.generate(200, seed=3).students.equals(a.students)
    t = kcbx.read_csv(sample_dir / "students.csv")
    assert all(f.type == pa.string() for f in t.schema)
    assert isinstance(kcbx.read_csv(sample_dir / "students.csv", kind="polars"), pl.DataFrame)


def test_generate_another_province() -> None:
    # Yunnan's counties, by its prefix or by a pack's jurisdiction (Kunming).
    yunnan = kcbx.generate(300, province="53").students
    assert all(c.startswith("53") for c in yunnan["division_code"].to_pylist())
    pack = kcbx.RulePack.from_string('meta: {name: km, extends: guizhou, jurisdiction: "530100"}\n', "km.yaml")
    kunming = kcbx.generate(300, rules=pack).students
    assert all(c.startswith("5301") for c in kunming["division_code"].to_pylist())
    with pytest.raises(ValueError, match="unknown province '99'"):
        kcbx.generate(10, province="99")
    with pytest.raises(ValueError, match="not both"):
        kcbx.generate(10, province="53", rules=pack)


def test_generated_events_follow_the_packs_cases() -> None:
    """Events come only for the children a pack opens a case for, from the
    day it does: with suspicion after 10 days none starts before day 11 of
    an absence, and the pack's own cases apply every event."""
    ten = kcbx.RulePack.from_string(
        'meta: {name: ten, extends: guizhou, jurisdiction: "520000"}\n'
        "parameters:\n  suspected_after: {override: true, values: [{from: 1900-01-01, value: 10 days}]}\n",
        "ten.yaml")
    for rules in (None, ten):
        sample = kcbx.generate(20000, seed=5, rules=rules)
        report = kcbx.Engine(rules).cases(sample.students, AS_OF, events=sample.events)
        assert report.rejects.num_rows == 0, report.rejects.to_pylist()[:3]
        assert sample.events.num_rows > 100
    students = sample.students.to_pandas().set_index("student_id")
    events = sample.events.to_pandas()
    events = events.join(students[["registry", "last_attended"]], on="student_id")
    enrolled = events[events["registry"] == "enrolled"]
    assert len(enrolled) > 100
    days = (pd.to_datetime(enrolled["date"]) - pd.to_datetime(enrolled["last_attended"])).dt.days
    assert days.min() >= 11
    needs = kcbx.RulePack.from_string(
        'meta: {name: x, extends: guizhou}\nfields:\n  hukou_type: {type: string, required: true}\n', "x.yaml")
    with pytest.raises(ValueError, match="cannot read: no column there fills its required field 'hukou_type'"):
        kcbx.generate(10, rules=needs)


def test_to_typed_matches_text(engine: kcbx.Engine, students: pa.Table) -> None:
    typed = kcbx.to_typed(students)
    assert typed.schema.field("birth_date").type == pa.date32()
    assert typed.schema.field("poor").type == pa.bool_()
    assert pa.types.is_dictionary(typed.schema.field("registry").type)
    text_result, text_rejects = engine.classify(students, AS_OF, with_rejects=True)
    typed_result, typed_rejects = engine.classify(typed, AS_OF, with_rejects=True)
    assert typed_result.equals(text_result)
    assert typed_rejects.equals(text_rejects)
    # and through pandas (datetime64, bool, categorical columns)
    df = typed.to_pandas()
    df["birth_date"] = pd.to_datetime(df["birth_date"])
    assert kcbx.Engine().classify(df, AS_OF, with_rejects=True)[0]["status"].astype(str).tolist() == \
        text_result["status"].cast(pa.string()).to_pylist()


def test_version() -> None:
    assert kcbx.__version__ == "0.1.0"
    assert set(kcbx.__all__) <= set(dir(kcbx))


def test_a_table_listed_in_outputs_is_one_column(pack: kcbx.RulePack) -> None:
    # A pack may list a table among its outputs (for the CLI's CSV); the
    # result still has one column of each name, and the counts follow the
    # first table's name whatever it is.
    ext = kcbx.RulePack.from_string(
        "meta: {name: listed, version: 1.0.0, extends: guizhou}\n"
        "outputs: [age, eligible_aid, status]\n", "listed.yaml")
    engine = kcbx.Engine(ext)
    columns = engine.output_columns()
    assert len(columns) == len(set(columns))
    # (an extension's outputs join the base's)
    assert columns[-3:] == ["age", "suspected_since", "dropout_since"]
    assert engine.output_columns(False) == ["status", "rule", "clause", "age", "suspected_since",
                                            "dropout_since", "eligible_aid"]
    df = pd.DataFrame({"student_id": ["a", "b"], "registry": ["enrolled", "left"],
                       "birth_date": ["2010-01-01", "2010-01-01"], "division_code": ["520102101001", ""]})
    result = engine.classify(df, "2019-11-15")
    assert list(result.columns) == ["student_id"] + columns
    assert result["status"].astype(str).tolist() == ["in_school", "dropout"]


MINI_PACK = """meta: {name: mini, version: 0.1.0}
clauses:
  Y1: {zh: 在校, en: at school}
  Y2: {zh: 辍学, en: dropped out}
fields:
  xuehao: {alias: 学籍号, type: string, required: true, unique: true}
  quhua: {type: string}
  xueji:
    type: enum
    required: true
    values: {zaiji: 在籍, tuixue: 退学}
tables:
  zhuangtai:
    hit_policy: first
    values: {zaixiao: 在校, chuoxue: 辍学}
    rows:
      - {id: in, when: xueji = zaiji, then: zaixiao, clause: Y1}
      - {id: out, when: "true", then: chuoxue, clause: Y2}
levels:
  county: {field: quhua, prefix: 6}
"""


def test_status_counts_follow_the_packs_own_names() -> None:
    # Another province's pack: its own key and first-table names.
    engine = kcbx.Engine(kcbx.RulePack.from_string(MINI_PACK, "mini.yaml"))
    df = pd.DataFrame({"学籍号": ["a", "b", "c"], "quhua": ["530102001", "530102002", "530103001"],
                       "xueji": ["zaiji", "tuixue", "在籍"]})
    counts = engine.status_counts(df, "2020-01-01")
    assert list(counts.columns) == ["county", "zhuangtai", "count"]
    assert counts.values.tolist() == [["530102", "chuoxue", 1], ["530102", "zaixiao", 1],
                                      ["530103", "zaixiao", 1]]


def test_rejects_name_the_key_column_after_the_pack() -> None:
    engine = kcbx.Engine(kcbx.RulePack.from_string(MINI_PACK, "mini.yaml"))
    df = pd.DataFrame({"xuehao": ["a", "a"], "quhua": ["530102001", "530102001"],
                       "xueji": ["zaiji", "zaiji"]})
    result, rejects = engine.classify(df, "2020-01-01", with_rejects=True)
    assert list(result.columns)[0] == "xuehao"
    assert list(rejects.columns) == ["row", "xuehao", "column", "reason"]
    assert rejects["xuehao"].tolist() == ["a"]


def test_large_buffers_are_kept_reused_and_released(engine: kcbx.Engine) -> None:
    if os.environ.get("KCBX_BUFFER_CACHE_MB", "").strip() == "0":
        pytest.skip("KCBX_BUFFER_CACHE_MB=0 keeps nothing")
    # 400,000 rows: result columns of 1.6 MB and more come from the buffer
    # cache. A call on other data in between leaves its values in the kept
    # buffers: the repeat must not read any of them.
    big = kcbx.to_typed(kcbx.generate(400_000, seed=3, as_of=AS_OF).students)
    first = engine.classify(big, AS_OF)
    other = engine.classify(big.slice(1000), "2024-06-30")
    assert not other["status"].equals(first["status"].slice(1000))
    del other
    assert kcbx.kept_memory_bytes() > 0
    again = engine.classify(big, AS_OF)
    assert again.equals(first)
    del again, first
    kcbx.release_memory()
    assert kcbx.kept_memory_bytes() == 0
    assert engine.classify(big.slice(0, 10), AS_OF).num_rows == 10


def test_collect_tables_code_width_follows_the_pack() -> None:
    # How many sets a collect table can give is the pack's: 8 rows make up
    # to 255 rule sets (int16 codes, whatever this input holds), and as
    # many clause lists (a list follows from the rows matched); 2 values
    # fit int8 (the first table's rule and clause columns are rule and
    # clause). Every chunk of a result gets the same types.
    rows = "\n".join(f"      - {{id: r{i}, when: n >= {i}, then: {'a' if i % 2 else 'b'}, clause: Y1}}"
                     for i in range(8))
    text = ("meta: {name: many, version: 0.1.0}\n"
            "clauses:\n  Y1: {zh: 一, en: one}\n"
            "fields:\n  k: {type: string, required: true, unique: true}\n  n: {type: int}\n"
            "tables:\n  marks:\n    hit_policy: collect\n    values: [a, b]\n    rows:\n" + rows + "\n")
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "many.yaml"))
    t = pa.table({"k": ["x", "y", "z"], "n": [0, 3, 7]})
    result = engine.classify(t, AS_OF)
    assert result.schema.field("marks").type == pa.dictionary(pa.int8(), pa.string())
    assert result.schema.field("rule").type == pa.dictionary(pa.int16(), pa.string())
    assert result.schema.field("clause").type == pa.dictionary(pa.int16(), pa.string())
    assert result["rule"].to_pylist() == ["r0", "r0;r1;r2;r3", "r0;r1;r2;r3;r4;r5;r6;r7"]
    assert result["marks"].to_pylist() == ["b", "a;b", "a;b"]
    assert engine.classify(t.slice(0, 1), AS_OF).schema == result.schema


def test_collect_table_labels_for_many_distinct_sets() -> None:
    # Seven rows, each on a yes/no field of its own: 127 possible rule sets,
    # and 20,000 records with random answers hold all of them. Each
    # record's labels must be its own set's (the label table grows past
    # its first size several times), in row order, as the CLI writes them.
    rows = "\n".join(f"      - {{id: r{i}, when: f{i}, then: {'abc'[i % 3]}, clause: C{i % 2}}}"
                     for i in range(7))
    fields = "\n".join(f"  f{i}: {{type: bool}}" for i in range(7))
    text = ("meta: {name: sets, version: 0.1.0}\n"
            "clauses:\n  C0: {zh: 零, en: zero}\n  C1: {zh: 一, en: one}\n"
            "fields:\n  k: {type: string, required: true, unique: true}\n" + fields + "\n"
            "tables:\n  marks:\n    hit_policy: collect\n    values: [a, b, c]\n    rows:\n" + rows + "\n")
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "sets.yaml"))
    rng = np.random.default_rng(5)
    answers = rng.random((20_003, 7)) < 0.5  # not a multiple of 8: the bitmap's tail too
    t = pa.table({"k": [f"s{i}" for i in range(len(answers))],
                  **{f"f{i}": pa.array(answers[:, i]) for i in range(7)}})
    result = engine.classify(t, AS_OF)
    rules = result["rule"].to_pylist()
    marks = result["marks"].to_pylist()
    clauses = result["clause"].to_pylist()
    assert len(set(rules) - {None}) == 127
    for rec, rule, mark, clause in zip(answers, rules, marks, clauses):
        hit = [i for i in range(7) if rec[i]]
        if not hit:
            assert (rule, mark, clause) == (None, None, None)
            continue
        assert rule == ";".join(f"r{i}" for i in hit)
        assert mark == ";".join(v for v in "abc" if any("abc"[i % 3] == v for i in hit))
        assert clause == ";".join(dict.fromkeys(f"C{i % 2}" for i in hit))


def test_keys_holding_id_numbers_are_masked_in_every_table(engine: kcbx.Engine) -> None:
    """A student number written as "G" + the ID number is masked in the
    result, the cases and the run's cases as the command masks it; mask=False
    (the command's --no-mask) shows it. A student number that is no ID
    number stays readable."""
    raw = "G520102201003151236"
    df = pd.DataFrame({"student_id": [raw, "G520102000000000001"], "registry": ["left", "left"],
                       "birth_date": ["2010-03-15", "2010-03-15"], "last_attended": ["2019-09-01"] * 2})
    shown = ["G520102********1236", "G520102000000000001"]
    assert engine.classify(df, AS_OF)["student_id"].tolist() == shown
    assert engine.classify(df, AS_OF, mask=False)["student_id"].tolist() == [raw, "G520102000000000001"]
    assert engine.cases(df, AS_OF).cases["student_id"].tolist() == shown
    report = engine.run(df, AS_OF)
    assert report.cases.cases["student_id"].tolist() == shown
    assert engine.run(df, AS_OF, mask=False).cases.cases["student_id"].tolist()[0] == raw
    for name, table in report.tables.items():
        assert raw[1:] not in table.to_csv(), name
    # With a row rejected (the result's rows are then a subset of the
    # input's), still one key column, masked: from pandas and from Arrow.
    bad = pd.concat([df, pd.DataFrame({"student_id": ["X"], "registry": ["enroled"]})], ignore_index=True)
    for table in (bad, pa.Table.from_pandas(bad, preserve_index=False)):
        out, rejects = engine.classify(table, AS_OF, all_tables=False, outputs=False, with_rejects=True)
        assert len(rejects) == 1
        names = list(out.columns) if isinstance(out, pd.DataFrame) else out.column_names
        assert names.count("student_id") == 1, names
        keys = out["student_id"].tolist() if isinstance(out, pd.DataFrame) else out["student_id"].to_pylist()
        assert keys == shown, keys


def test_keys_holding_id_numbers_are_masked_in_a_large_table(engine: kcbx.Engine) -> None:
    """A table large enough to be converted on two threads: the keys that
    hold an ID number are masked wherever they are, after rows the
    conversion rejects (a registry no value of the pack) and after rows the
    pack's checks reject (a birth date that is not the ID number's), from
    pandas and from Arrow."""
    df = kcbx.to_typed(kcbx.generate(20000, seed=3, as_of=AS_OF).students).to_pandas()
    df["registry"] = df["registry"].astype(str)
    rows = len(df)
    with_id = df["id_number"].notna() & (df["id_number"].str.len() == 18)
    places = [i for i in (5, 4999, 5000, 10001, 15000, 19998, rows - 1) if with_id[i]]
    assert len(places) >= 5
    for i in places:
        df.loc[i, "student_id"] = "G" + df.loc[i, "id_number"]
    for i in (3, 4000, 12000):  # rejected when converted
        df.loc[i, "registry"] = "vanished"
    checked = [i for i in (4500, 9000, 17000) if with_id[i] and pd.notna(df.loc[i, "birth_date"])]
    for i in checked:  # rejected by the check birth_matches_id
        df.loc[i, "birth_date"] = df.loc[i, "birth_date"] - pd.Timedelta(days=1)
    df.loc[checked[0], "student_id"] = "G" + df.loc[checked[0], "id_number"]
    for table in (df, pa.Table.from_pandas(df, preserve_index=False)):
        out, rejects = engine.classify(table, AS_OF, with_rejects=True)
        assert len(out) + len(rejects) == rows
        assert len(rejects) == 3 + len(checked)
        keys = out["student_id"].tolist() if isinstance(out, pd.DataFrame) else out["student_id"].to_pylist()
        masked = [k for k in keys if "********" in k]
        assert len(masked) == len(places), masked
        for i in places:
            assert "G" + df.loc[i, "id_number"] not in keys
        assert all(k.startswith("G52") for k in masked)
        for i in range(0, rows, 997):  # the others are as they were
            if i not in places and i not in (3, 4000, 12000) and i not in checked:
                assert df.loc[i, "student_id"] in keys


def test_run_rejects_are_numbered_by_position_for_a_table(engine: kcbx.Engine) -> None:
    """A table is handed to the engine as CSV text: its rejects give the
    row's 0-based position, as classify's do, not a line of that text (a
    name holding line breaks moved them)."""
    df = pd.DataFrame({"student_id": ["a", "b", "c", "d"], "name": ["x", "two\nlines", "y", "z"],
                       "registry": ["enrolled", "enrolled", "studying", "enrolled"],
                       "birth_date": ["2010-01-01", "2010-01-01", "2010-01-01", "2010-02-30"]})
    _, rejects = engine.classify(df, AS_OF, with_rejects=True)
    assert rejects["row"].tolist() == [2, 3]
    report = engine.run(df, AS_OF)
    assert report.rejects["row"].tolist() == [2, 3]
    assert report.cases.rejects["row"].tolist() == [2, 3]
    # A row a reason names is a position too.
    dup = pd.concat([df.iloc[:2], df.iloc[[1]]], ignore_index=True)
    reasons = engine.run(dup, AS_OF).rejects["reason"].tolist()
    assert reasons == ["duplicate student_id (first on row 1)"], reasons


def test_run_reads_every_column_type_classify_reads(engine: kcbx.Engine, sample: kcbx.Sample) -> None:
    """A table run() is given is written as CSV for the engine: string
    views (what Polars holds) and a set field as lists (what str.split
    gives) come out as the same report as plain text."""
    students = sample.students
    plain = engine.run(students, AS_OF, with_cases=False)
    views = students.cast(pa.schema([pa.field(f.name, pa.string_view() if f.type == pa.string() else f.type)
                                     for f in students.schema]))
    i = students.schema.get_field_index("aid")
    lists = students.set_column(i, "aid", pa.compute.split_pattern(students["aid"], ";"))
    for table in (views, lists, pl.from_arrow(lists)):
        report = engine.run(table, AS_OF, with_cases=False)
        for name in ("totals_county", "ledger_village", "aid_gaps", "rejects"):
            got = report.tables[name]
            got = got.to_arrow().to_pylist() if isinstance(got, pl.DataFrame) else got.to_pylist()
            assert got == plain.tables[name].to_pylist(), name


def test_a_column_left_empty_fits_any_field(engine: kcbx.Engine) -> None:
    """pandas reads a column left empty in a CSV file as float64 NaN; it is
    a column of nulls, whatever the field's type."""
    df = pd.DataFrame({"student_id": ["a", "b"], "registry": ["enrolled", "enrolled"],
                       "birth_date": ["2010-01-01", "2010-01-01"],
                       "dropout_reason": [float("nan")] * 2, "last_attended": [float("nan")] * 2})
    assert engine.classify(df, AS_OF)["status"].tolist() == ["in_school", "in_school"]
    # A float that is no whole number is no text: that row is rejected.
    _res, rej = engine.classify(df.assign(dropout_reason=[1.5, float("nan")]), AS_OF, with_rejects=True)
    assert rej["column"].tolist() == ["dropout_reason"]
    assert rej["reason"].tolist() == ["'1.5' is not text or a whole number"]
    t = pa.table({"student_id": ["a"], "registry": ["enrolled"], "birth_date": ["2010-01-01"],
                  "dropout_reason": pa.array([None], pa.float64())})
    assert engine.classify(t, AS_OF)["status"].to_pylist() == ["in_school"]


def test_run_of_a_file_numbers_the_cases_rejects_by_file_line(engine: kcbx.Engine, tmp_path) -> None:  # noqa: ANN001
    """Report.cases of a CSV path: rejects by file line, as the run's own,
    and a record the reader cannot split is among them."""
    path = tmp_path / "s.csv"
    path.write_text("student_id,name,registry,birth_date\n"
                    "a,\"two\nlines\",enrolled,2010-01-01\n"
                    "b,x,studying,2010-01-01\n"
                    "c,y\n"
                    "d,z,enrolled,2010-01-01\n", encoding="utf-8")
    report = engine.run(path, AS_OF)
    run_rows = sorted(r["row"] for r in report.rejects.to_pylist())
    cases_rows = sorted(r["row"] for r in report.cases.rejects.to_pylist() if r["file"] == "students")
    assert run_rows == cases_rows == [4, 5]


def test_a_whole_number_key_holding_an_id_number_is_masked() -> None:
    """A pack whose key is a whole number: an 18-digit ID number there is
    shown masked (the key column is then text), as the command shows it."""
    engine = kcbx.Engine(kcbx.RulePack.from_string(
        MINI_PACK.replace("xuehao: {alias: 学籍号, type: string,", "xuehao: {alias: 学籍号, type: int,"), "int.yaml"))
    t = pa.table({"xuehao": pa.array([520102201003151236, 7], pa.int64()), "xueji": ["zaiji", "tuixue"]})
    assert engine.classify(t, AS_OF)["xuehao"].to_pylist() == ["520102********1236", "7"]
    assert engine.classify(t, AS_OF, mask=False)["xuehao"].to_pylist() == [520102201003151236, 7]
    plain = pa.table({"xuehao": pa.array([1, 7], pa.int64()), "xueji": ["zaiji", "tuixue"]})
    assert engine.classify(plain, AS_OF)["xuehao"].to_pylist() == [1, 7]


def test_per_file_encodings(engine: kcbx.Engine, sample_dir, tmp_path) -> None:  # noqa: ANN001
    """A GB18030 export from Excel beside a UTF-8 events log and roster, as
    the command's --events-encoding and --officials-encoding: the run is
    the one of the UTF-8 files."""
    students = tmp_path / "students-gb.csv"
    students.write_bytes((sample_dir / "students.csv").read_text(encoding="utf-8").encode("gb18030"))
    officials = (sample_dir / "officials.csv").read_text(encoding="utf-8")
    assert any(ord(ch) > 127 for ch in officials)  # names the encoding changes
    events, roster = sample_dir / "events.csv", sample_dir / "officials.csv"
    want = engine.run(sample_dir / "students.csv", AS_OF, events=events, officials=roster)
    got = engine.run(students, AS_OF, events=events, officials=roster, encoding="gb18030",
                     events_encoding="utf-8", officials_encoding="utf-8")
    for name in ("responsibility", "accountability", "rejects"):
        assert got.tables[name].equals(want.tables[name]), name
    assert got.cases.cases.equals(want.cases.cases)
    # One encoding for all reads the UTF-8 roster as GB18030: its names change.
    wrong = engine.run(students, AS_OF, events=events, officials=roster, encoding="gb18030")
    assert not wrong.tables["responsibility"].equals(want.tables["responsibility"])
    with pytest.raises(ValueError, match="unknown or unsupported encoding"):
        engine.run(students, AS_OF, events=events, officials=roster, officials_encoding="no-such-encoding")


def test_datetimes_are_read_as_the_day_they_name_in_every_method(engine: kcbx.Engine) -> None:
    """pandas datetimes (pd.read_csv(parse_dates=...)) are dates to run as
    to classify; a timezone-aware one is the day in its own time zone, in
    classify, cases, run and explain alike (00:30 in Shanghai on 5 October
    is 4 October in UTC)."""
    for last in (pd.Timestamp("2019-10-05"), pd.Timestamp("2019-10-05 00:30", tz="Asia/Shanghai")):
        df = pd.DataFrame({"student_id": ["A"], "registry": ["enrolled"], "birth_date": ["2010-03-01"],
                           "last_attended": pd.Series([last]), "division_code": ["520102001001"]})
        mapping = {c: df[c] for c in df.columns}
        for table in (df, pa.Table.from_pandas(df, preserve_index=False), mapping):
            out = engine.classify(table, "2019-10-13")
            since = out["suspected_since"][0]
            since = since.as_py() if hasattr(since, "as_py") else since
            assert str(since)[:10] == "2019-10-13", (last, type(table), since)
        assert str(engine.cases(df, "2019-10-13").cases["opened"][0])[:10] == "2019-10-13"
        report = engine.run(df, "2019-10-13")
        assert report.summary["students"]["rejected"] == 0, report.rejects
        assert report.summary["students"]["accepted"] == 1
        record = {k: v[0] for k, v in df.to_dict("list").items()}
        assert engine.explain(record, "2019-10-13")["outputs"]["suspected_since"] == "2019-10-13"


def test_school_calendar_moves_suspicion() -> None:
    """A pack counting absence in school days: its holidays and make-up
    days (school_calendar) move suspicion, from a DataFrame as in C++."""
    text = """meta: {name: school-days, version: 1.0.0, extends: guizhou}
parameters:
  suspected_after_school_days: {type: int, unit: school days, clause: D3, value: 5}
derive:
  suspected_since:
    override: true
    expr: if absence_excused then null else add_school_days(last_attended, suspected_after_school_days + 1)
    clause: D3
school_calendar:
  holidays: [2019-10-01..2019-10-07]
  make_up_days: [2019-09-29, 2019-10-12]
"""
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "school_days.yaml"))
    df = pd.DataFrame({"student_id": ["A", "B"], "registry": ["enrolled", "enrolled"],
                       "birth_date": ["2008-01-01", "2008-01-01"],
                       "last_attended": ["2019-09-27", "2019-09-30"]})
    out = engine.classify(df, "2019-10-11")
    # A: 09-29 (make-up Sunday), 09-30, 10-08..10-11; B: 10-08..10-11, 10-12 (make-up Saturday), 10-14.
    assert [str(d)[:10] for d in out["suspected_since"]] == ["2019-10-11", "2019-10-14"]
    assert list(out["status"].astype(str)) == ["suspected_dropout", "in_school"]


def test_one_registry_per_person_from_a_dataframe() -> None:
    """`unique: true` on the ID-number field (一人一籍): the same number on a
    second row is a duplicate, whatever the check character's case."""
    text = """meta: {name: strict, version: 1.0.0, extends: guizhou}
fields:
  id_number: {override: true, alias: 身份证号, type: string, format: id_number, unique: true}
"""
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "strict.yaml"))
    df = pd.DataFrame({"student_id": ["A1", "A2", "A3"], "registry": ["enrolled"] * 3,
                       "id_number": ["11010519491231002X", "11010519491231002x", "110105194912310029"],
                       "last_attended": ["2019-11-10"] * 3})
    out, rejects = engine.classify(df, "2019-11-15", with_rejects=True)
    assert list(out["student_id"]) == ["A1"]
    assert list(rejects["column"]) == ["id_number", "id_number"]
    assert rejects["reason"].iloc[0] == "duplicate id_number (first on row 0)"
    assert "check digit does not match" in rejects["reason"].iloc[1]


def test_whole_number_output_with_missing_values_stays_whole() -> None:
    # An int output null for some records (no last day at school): the
    # pandas column keeps whole numbers (int64[pyarrow], <NA>), not float64.
    pack = kcbx.RulePack.from_string(
        "meta: {name: days, extends: guizhou}\n"
        "derive:\n  away: {expr: 'days_between(last_attended, as_of)', clause: D3}\n"
        "outputs: [away]\n", "days.yaml")
    engine = kcbx.Engine(pack)
    df = pd.DataFrame({"student_id": ["A", "B"], "registry": ["enrolled", "enrolled"],
                       "birth_date": ["2010-03-01", "2010-03-01"], "last_attended": ["2019-11-05", None]})
    out = engine.classify(df, "2019-11-15")
    assert str(out["away"].dtype) == "int64[pyarrow]"
    assert out["away"].iloc[0] == 10 and pd.isna(out["away"].iloc[1])
    full = engine.classify(df.iloc[:1], "2019-11-15")
    assert full["away"].dtype == np.int64 and full["away"].iloc[0] == 10


def test_arrow_backed_timezone_dates_are_the_day_they_name(engine: kcbx.Engine) -> None:
    """timestamp[us, tz=Asia/Shanghai][pyarrow] is read as datetime64[ns, tz]
    is: the day in its own time zone, not the UTC day before."""
    base = pd.DataFrame({"student_id": ["A1"], "registry": ["enrolled"],
                         "birth_date": ["2013-11-16"], "last_attended": ["2019-11-08"]})
    local = {c: pd.to_datetime(base[c]).dt.tz_localize("Asia/Shanghai") for c in ("birth_date", "last_attended")}
    arrow = base.assign(**{c: v.astype(pd.ArrowDtype(pa.timestamp("us", "Asia/Shanghai"))) for c, v in local.items()})
    want = engine.classify(base, "2019-11-15")[["status", "age"]].iloc[0].tolist()
    assert want == ["not_applicable", 5]
    assert engine.classify(arrow, "2019-11-15")[["status", "age"]].iloc[0].tolist() == want


def test_run_reads_an_object_column_of_several_types_as_text(engine: kcbx.Engine) -> None:
    """read_excel gives an int for most ID numbers and a str for those
    ending in X: run reads such a column as its text, as classify does."""
    df = pd.DataFrame({"student_id": ["S1", "S2"], "registry": ["enrolled", "enrolled"],
                       "birth_date": ["2010-01-01", "2010-01-01"],
                       "id_number": pd.Series([520102201001010018, "52010220100101019X"], dtype=object)})
    report = engine.run(df, "2019-11-15", with_cases=False)
    assert report.summary["students"]["read"] == 2


def test_pandas_results_can_be_written_into(engine: kcbx.Engine, sample: kcbx.Sample) -> None:
    """A result is a DataFrame like any: its columns are not Arrow's
    read-only buffers."""
    out = engine.classify(sample.students.to_pandas(), AS_OF)
    first = out.index[0]
    out.loc[first, "status"] = "dropout"
    out.loc[first, "age"] = 99
    assert out.loc[first, "status"] == "dropout" and out.loc[first, "age"] == 99


def test_generate_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        kcbx.generate(3, kind="pandsa")
