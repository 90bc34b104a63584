"""The typed-column input path: the same validation as a CSV record, per
column type, and clear errors naming the column."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import kcbx
from conftest import AS_OF


def classify(engine: kcbx.Engine, table, as_of: str = AS_OF):  # noqa: ANN001, ANN201
    return engine.classify(table, as_of, with_rejects=True)


def statuses(result) -> list[str]:  # noqa: ANN001
    if isinstance(result, pd.DataFrame):
        return result["status"].astype(str).tolist()
    return result["status"].cast(pa.string()).to_pylist()


def test_only_required_columns(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({"student_id": ["a", "b"], "registry": ["enrolled", "none"],
                       "birth_date": ["2010-01-01", "2013-01-01"]})
    result, rejects = classify(engine, df)
    assert statuses(result) == ["in_school", "not_counted"]
    assert len(rejects) == 0


def test_chinese_column_names_and_values(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({
        "学籍号": ["x1", "x2"],
        "学籍状态": pd.Categorical(["在籍", "退学"]),
        "出生日期": pd.to_datetime(["2010-01-01", "2009-05-05"]),
        "最后到校日期": [dt.date(2019, 9, 1), None],
        "建档立卡": ["是", "否"],
    })
    result, rejects = classify(engine, df)
    assert result["student_id"].tolist() == ["x1", "x2"]
    assert statuses(result) == ["dropout", "dropout"]
    assert result["rule"].astype(str).tolist() == ["absent_over_month", "left_registry"]
    assert len(rejects) == 0


def test_nulls_in_optional_fields(engine: kcbx.Engine) -> None:
    t = pa.table({
        "student_id": ["a", "b", "c"],
        "registry": ["enrolled", "enrolled", "enrolled"],
        "birth_date": pa.array([dt.date(2010, 1, 1), None, dt.date(2011, 1, 1)]),
        "id_number": ["", "520102201003151236", None],
        "last_attended": pa.array([None, None, dt.date(2019, 11, 10)], pa.date32()),
        "poor": pa.array([None, True, False]),
        "grade": pa.array([None, 4.0, float("nan")]),
        "aid": [None, "两免;营养改善计划", ""],
    })
    result, rejects = classify(engine, t)
    assert rejects.num_rows == 0
    assert statuses(result) == ["in_school", "in_school", "in_school"]
    assert result["age"].to_pylist() == [9, 9, 8]


def test_defaults_for_missing_bool_columns(engine: kcbx.Engine) -> None:
    with_flag = pa.table({"student_id": ["a"], "registry": ["enrolled"], "birth_date": ["2002-01-01"],
                          "poor": [False]})
    without = with_flag.drop_columns(["poor"])
    assert statuses(classify(engine, with_flag)[0]) == statuses(classify(engine, without)[0])


def test_missing_required_column(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({"student_id": ["a"], "birth_date": ["2010-01-01"]})
    with pytest.raises(kcbx.RulesError, match="registry") as e:
        engine.classify(df, AS_OF)
    assert isinstance(e.value, ValueError)
    assert [d.code for d in e.value.diagnostics] == ["missing-column"]
    assert "学籍状态" in e.value.diagnostics[0].message


def test_duplicate_column(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({"student_id": ["a"], "学籍号": ["a"], "registry": ["enrolled"]})
    with pytest.raises(kcbx.RulesError) as e:
        engine.classify(df, AS_OF)
    assert e.value.diagnostics[0].code == "duplicate-column"


@pytest.mark.parametrize("column, values, fragment", [
    ("birth_date", [1.5], "column 'birth_date' has type float64"),
    ("birth_date", [20100101], "column 'birth_date' has type int64"),
    ("registry", [True], "column 'registry' has type bool"),
    ("registry", [3], "column 'registry' has type int64"),
    ("last_attended", [True], "column 'last_attended' has type bool"),
    ("poor", [dt.date(2019, 1, 1)], "column 'poor' has type date32"),
])
def test_wrong_dtype_names_the_column(engine: kcbx.Engine, column: str, values: list,
                                      fragment: str) -> None:
    data = {"student_id": ["a"], "registry": ["enrolled"], "birth_date": ["2010-01-01"]}
    data[column] = values
    with pytest.raises(TypeError, match=fragment):
        engine.classify(pd.DataFrame(data), AS_OF)
    with pytest.raises(TypeError, match=fragment.split(" has")[0]):
        engine.classify(pa.table(data), AS_OF)


def test_unreadable_column_types(engine: kcbx.Engine) -> None:
    t = pa.table({"student_id": ["a"], "registry": ["enrolled"], "birth_date": ["2010-01-01"],
                  "aid": pa.array([{"kind": "two_free"}])})
    with pytest.raises(TypeError, match="column 'aid' has Arrow type struct"):
        engine.classify(t, AS_OF)
    # Cells pyarrow cannot read as one type, and no text: the column named,
    # and an ID number in pyarrow's words masked.
    mixed = pd.DataFrame({"student_id": ["a", b"522629200705162962"], "registry": ["enrolled", "enrolled"],
                          "birth_date": ["2010-01-01"] * 2})
    with pytest.raises(TypeError, match="column 'student_id'") as e:
        engine.classify(mixed, AS_OF)
    assert "522629200705162962" not in str(e.value)


def test_a_set_field_given_as_lists_reads_as_its_text(engine: kcbx.Engine, students: pa.Table) -> None:
    # aid as lists of values (what str.split gives an analyst), in every
    # container the module takes, classifies as the ';'-separated text; a
    # null item is left out and a null list is an empty cell.
    students = students.slice(0, 300)
    expected = engine.classify(students, AS_OF)
    i = students.schema.get_field_index("aid")
    lists = pc.split_pattern(students["aid"], ";")
    as_lists = students.set_column(i, "aid", lists)
    assert engine.classify(as_lists, AS_OF).equals(expected)
    large = students.set_column(i, "aid", lists.cast(pa.large_list(pa.large_string())))
    assert engine.classify(large, AS_OF).equals(expected)
    df = students.to_pandas()
    df["aid"] = [None if v is None else v.split(";") for v in df["aid"]]
    assert engine.classify(df, AS_OF)["status"].tolist() == expected["status"].to_pylist()
    mapping = {c: as_lists[c] for c in as_lists.column_names}
    assert engine.classify(mapping, AS_OF).equals(expected)
    # A slice (df.tail(n), table.slice(k)): its lists start inside the array.
    assert engine.classify(as_lists.slice(7), AS_OF).equals(engine.classify(students.slice(7), AS_OF))
    # The aid table reads the values: a child with both kinds of aid and a
    # null between them keeps both.
    base = {"student_id": ["a", "b"], "registry": ["enrolled"] * 2, "birth_date": ["2010-01-01"] * 2,
            "last_attended": ["2019-09-01"] * 2}
    texts = engine.classify(pa.table({**base, "aid": ["two_free;nutrition", None]}), AS_OF)
    nested = engine.classify(pa.table({**base, "aid": [["two_free", None, "nutrition"], None]}), AS_OF)
    assert nested.equals(texts)


def test_cells_of_several_types_are_read_as_their_text(engine: kcbx.Engine) -> None:
    # read_excel gives an int for most ID numbers and a str for those
    # ending in X; a student number column may mix ints and text likewise.
    df = pd.DataFrame({"student_id": [5, "G7", None], "registry": ["enrolled"] * 3,
                       "birth_date": [dt.date(2010, 1, 1), "2010-01-02", "2010-01-03"],
                       "id_number": [None, 52010220100102001.0, "52010220100103001X"]})
    res, rej = engine.classify(df, AS_OF, with_rejects=True)
    assert res["student_id"].tolist() == ["5"]
    assert rej["row"].tolist() == [1, 2]
    assert rej["column"].tolist() == ["id_number", "student_id"]
    assert "18" in rej["reason"].iloc[0]


def test_codes_read_as_float64_are_their_digits(engine: kcbx.Engine) -> None:
    # pandas reads a column of codes with one empty cell as float64.
    df = pd.DataFrame({"student_id": [1001.0, 1002.0, 1003.0], "registry": ["enrolled"] * 3,
                       "birth_date": ["2010-01-01"] * 3,
                       "division_code": [520102001201.0, np.nan, 520102001201.0],
                       "id_number": [np.nan, np.nan, 5.2010220100101002e17]})
    res, rej = engine.classify(df, AS_OF, with_rejects=True)
    assert res["student_id"].tolist() == ["1001", "1002"]
    assert rej["row"].tolist() == [2]
    reason = rej["reason"].iloc[0]
    assert "too long to keep every digit" in reason and "dtype=str" in reason
    assert "520102201001010" not in reason


def test_pandas_results_keep_the_input_index(engine: kcbx.Engine) -> None:
    # A result joined back to its frame pairs every child with its own
    # status, rejects before it or not, whatever the index.
    df = pd.DataFrame({"student_id": ["a", "b", "c", "d"], "registry": ["enrolled", "bogus", "none", "left"],
                       "birth_date": ["2010-01-01"] * 4}, index=["w", "x", "y", "z"])
    res, rej = engine.classify(df, AS_OF, with_rejects=True)
    assert list(res.index) == ["w", "y", "z"] and list(rej.index) == ["x"]
    joined = df.join(res[["status"]])
    assert joined["status"].tolist()[::2] == ["in_school", "out_of_school"] and joined["status"].isna().tolist() == [False, True, False, False]
    every_7th = pd.concat([df] * 7, ignore_index=True).iloc[::7]
    out = engine.classify(every_7th, AS_OF, with_rejects=True)[0]
    assert list(out.index) == [0, 7, 14]  # row 21 is "bogus"
    prepared = engine.prepare(df)
    assert list(engine.classify(prepared, AS_OF, with_rejects=True)[0].index) == ["w", "y", "z"]
    assert list(prepared.rejects.index) == ["x"]


def test_bad_values_are_rejects_with_reasons(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({
        "student_id": ["ok", "bad-date", "", "bad-id", "ok", "bad-enum", "bad-bool", "bad-int",
                       "born-later"],
        "registry": ["enrolled", "enrolled", "enrolled", "enrolled", "enrolled", "studying",
                     "enrolled", "enrolled", "enrolled"],
        "birth_date": ["2010-01-01", "2010-02-30", "2010-01-01", "", "2010-01-01", "2010-01-01",
                       "2010-01-01", "2010-01-01", "2020-01-01"],
        "id_number": ["", "", "", "520102201003151237", "", "", "", "", ""],
        "poor": ["0", "0", "0", "0", "0", "0", "maybe", "0", "0"],
        "grade": ["4", "4", "4", "4", "4", "4", "4", "4.5", "4"],
    })
    result, rejects = classify(engine, df)
    assert result["student_id"].tolist() == ["ok"]
    got = rejects.to_dict("records")
    assert got == [
        {"row": 1, "student_id": "bad-date", "column": "birth_date",
         "reason": "'2010-02-30' is not a date (YYYY-MM-DD)"},
        {"row": 2, "student_id": "", "column": "student_id", "reason": "required value is missing"},
        {"row": 3, "student_id": "bad-id", "column": "id_number",
         "reason": got[2]["reason"]},
        {"row": 4, "student_id": "ok", "column": "student_id",
         "reason": "duplicate student_id (first on row 0)"},
        {"row": 5, "student_id": "bad-enum", "column": "registry", "reason": got[4]["reason"]},
        {"row": 6, "student_id": "bad-bool", "column": "poor",
         "reason": "'maybe' is not a yes/no value (use 1/0, true/false, yes/no or 是/否)"},
        {"row": 7, "student_id": "bad-int", "column": "grade", "reason": "'4.5' is not a whole number"},
        {"row": 8, "student_id": "born-later", "column": "birth_date",
         "reason": "the birth date is after the evaluation date"},
    ]
    assert "520102201003151237" not in got[2]["reason"] and "check" in got[2]["reason"]
    assert got[4]["reason"].startswith("'studying' is not a value of registry")


def test_typed_values_validated(engine: kcbx.Engine) -> None:
    t = pa.table({
        "student_id": ["a", "b", "c", "d"],
        "registry": ["enrolled"] * 4,
        "birth_date": pa.array([dt.date(2010, 1, 1)] * 4),
        "poor": pa.array([0, 1, 2, None], pa.int8()),
        "grade": pa.array([4.0, 5.0, 6.0, 7.5]),
    })
    result, rejects = classify(engine, t)
    assert result["student_id"].to_pylist() == ["a", "b"]
    assert rejects.to_pylist() == [
        {"row": 2, "student_id": "c", "column": "poor",
         "reason": "'2' is not a yes/no value (use 1/0, true/false, yes/no or 是/否)"},
        {"row": 3, "student_id": "d", "column": "grade", "reason": "'7.5' is not a whole number"},
    ]
    # An ID number typed into a yes/no column as a number is masked in its
    # reason, as the same digits from CSV are; so is a student number
    # holding one (rejects are masked as the CLI masks them).
    t = pa.table({"student_id": ["G520102201003151236"], "registry": ["enrolled"],
                  "birth_date": pa.array([dt.date(2010, 1, 1)]), "poor": pa.array([520102201003151236], pa.int64())})
    _, rejects = classify(engine, t)
    assert rejects["student_id"].to_pylist() == ["G520102********1236"]
    assert rejects["reason"].to_pylist() == [
        "'520102********1236' is not a yes/no value (use 1/0, true/false, yes/no or 是/否)"]


def test_rejected_rows_warn_unless_requested(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({"student_id": ["a", "a"], "registry": ["enrolled", "enrolled"],
                       "birth_date": ["2010-01-01", "2010-01-01"]})
    with pytest.warns(kcbx.RejectedRowsWarning, match="1 rows were rejected"):
        result = engine.classify(df, AS_OF)
    assert len(result) == 1


def test_timestamps_and_chunks(engine: kcbx.Engine) -> None:
    births = pa.chunked_array([
        pa.array([dt.datetime(2010, 1, 1, 23, 59)], pa.timestamp("us")),
        pa.array([None, dt.datetime(1969, 12, 31, 12)], pa.timestamp("us")),
    ])
    t = pa.table({"student_id": ["a", "b", "c"], "registry": ["enrolled", "enrolled", "completed"],
                  "birth_date": births,
                  "id_number": ["", "520102201003151236", ""]})
    result, rejects = classify(engine, t)
    assert rejects.num_rows == 0
    assert result["age"].to_pylist() == [9, 9, 49]


def test_polars_string_views_and_categoricals(engine: kcbx.Engine, students: pa.Table) -> None:
    df = pl.from_arrow(students).with_columns(
        pl.col("registry").cast(pl.Categorical),
        pl.col("birth_date").str.to_date(strict=False),
    )
    expected = engine.classify(students, AS_OF, with_rejects=True)[0]
    result = engine.classify(df, AS_OF, with_rejects=True)[0]
    assert result["status"].cast(pl.String).to_list() == expected["status"].cast(pa.string()).to_pylist()


def test_sliced_arrow_input(engine: kcbx.Engine, students: pa.Table) -> None:
    whole = engine.classify(students, AS_OF, with_rejects=True)[0]
    part = engine.classify(students.slice(1000, 500), AS_OF, with_rejects=True)[0]
    ids = set(part["student_id"].to_pylist())
    expect = whole.filter(pa.array([s in ids for s in whole["student_id"].to_pylist()]))
    # (collect-table dictionaries hold the sets seen, so compare values)
    assert part.to_pylist() == expect.to_pylist()


def test_empty_table(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({"student_id": pd.Series([], dtype=str), "registry": pd.Series([], dtype=str)})
    result, rejects = classify(engine, df)
    assert len(result) == 0 and len(rejects) == 0
    assert list(result.columns) == ["student_id"] + engine.output_columns()


def test_unknown_columns_ignored(engine: kcbx.Engine) -> None:
    df = pd.DataFrame({"student_id": ["a"], "registry": ["enrolled"], "birth_date": ["2010-01-01"],
                       "shoe_size": [36.5]})
    assert statuses(classify(engine, df)[0]) == ["in_school"]


@pytest.mark.parametrize("string_type", [pa.string(), pa.large_string()])
def test_result_keys_outlive_the_input(engine: kcbx.Engine, string_type: pa.DataType) -> None:
    # With no row rejected the result's keys may share the input's buffers;
    # they must stay valid after the input is gone, and be the trimmed keys
    # whenever a key had to be trimmed.
    import gc

    n = 20000  # past the size where the result is built on threads
    ids = [f"S{i:07d}" for i in range(n)]
    table = pa.table({"student_id": pa.array(ids, string_type),
                      "registry": ["enrolled"] * n,
                      "birth_date": pa.array([dt.date(2010, 1, 1)] * n)})
    sliced = table.slice(7, n - 7)  # an offset into the buffers
    result = engine.classify(sliced, AS_OF)
    # Shared, not copied: the same character data.
    assert (result["student_id"].chunks[0].buffers()[2].address
            == table["student_id"].chunks[0].buffers()[2].address)
    del table, sliced
    gc.collect()
    pa.Table.from_pylist([{"x": "y" * 64}] * 50000)  # reuse freed memory if any
    assert result["student_id"].to_pylist() == ids[7:]
    result.validate(full=True)

    padded = pa.table({"student_id": [" a", "b ", "c"], "registry": ["enrolled"] * 3,
                       "birth_date": pa.array([dt.date(2010, 1, 1)] * 3)})
    assert engine.classify(padded, AS_OF)["student_id"].to_pylist() == ["a", "b", "c"]


def test_categoricals_use_small_codes(engine: kcbx.Engine, students: pa.Table) -> None:
    result = engine.classify(students, AS_OF)
    assert result.schema.field("status").type == pa.dictionary(pa.int8(), pa.string())
    df = engine.classify(students.to_pandas(), AS_OF)
    assert df["status"].dtype == "category"
    assert df["status"].cat.codes.dtype == np.int8
    assert df["status"].astype(str).tolist() == result["status"].cast(pa.string()).to_pylist()


def test_pandas_results_equal_pyarrows_own_conversion(engine: kcbx.Engine, students: pa.Table) -> None:
    # Result categoricals wrap kcbx's codes instead of going through
    # pyarrow's to_pandas; they must give what pyarrow gives: nulls (the
    # aid columns, whose null slots hold code 0) missing, every slice
    # offset, the levels' int32 codes, and dates as Arrow dates.
    result = engine.classify(students, AS_OF, levels=["county"])
    assert result["eligible_aid"].null_count > 0
    dates = pd.ArrowDtype(pa.date32())
    for start, length in [(0, result.num_rows), (1, 5), (3, result.num_rows - 3), (0, 0)]:
        batch = result.slice(start, length).combine_chunks().to_batches()
        if not batch:
            continue
        ours = kcbx._convert._to_kind(batch[0], "pandas")
        pd.testing.assert_frame_equal(ours, batch[0].to_pandas(types_mapper={pa.date32(): dates}.get))
        assert ours["eligible_aid"].isna().sum() == batch[0]["eligible_aid"].null_count
    # Columns kcbx does not write come out as pyarrow gives them too: a
    # column of nulls only (empty dictionary), unsigned and ordered codes.
    odd = pa.record_batch({
        "none": pa.DictionaryArray.from_arrays(pa.array([None, None], pa.int8()), pa.array([], pa.string())),
        "unsigned": pa.DictionaryArray.from_arrays(pa.array([1, None], pa.uint8()), pa.array(["a", "b"])),
        "ordered": pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int16()), pa.array(["lo", "hi"]), ordered=True),
    })
    pd.testing.assert_frame_equal(kcbx._convert._to_kind(odd, "pandas"), odd.to_pandas())
    df = engine.classify(students.to_pandas(), AS_OF, levels=["county"])
    assert df["county"].cat.codes.dtype == np.int8  # pandas narrows a few labels' int32 codes
    assert df["eligible_aid"].astype(object).where(df["eligible_aid"].notna(), None).tolist() \
        == result["eligible_aid"].cast(pa.string()).to_pylist()
    # From a DataFrame, kcbx writes pandas' -1 under each null itself; an
    # Arrow result keeps 0 there, for readers that look codes up.
    expected = result.to_pandas(types_mapper={pa.date32(): dates}.get)
    for name in result.column_names:
        if pa.types.is_dictionary(result.schema.field(name).type):
            pd.testing.assert_series_equal(df[name], expected[name], check_dtype=False, obj=name)
            assert (df[name].cat.codes[df[name].isna()] == -1).all()
    aid = result["eligible_aid"].combine_chunks()
    raw = np.frombuffer(aid.indices.buffers()[1], np.int8)[aid.offset:aid.offset + len(aid)]
    assert (raw[aid.is_null().to_numpy(zero_copy_only=False)] == 0).all()


def test_results_of_two_chunks_have_one_schema(engine: kcbx.Engine, students: pa.Table) -> None:
    # The index type of a column never depends on the data, so chunks
    # classified apart concatenate: a collect table's sets are bounded by
    # the pack (Guizhou's aid table: 3 values, at most 7 sets: int8), a
    # level's jurisdictions are not (int32).
    a = engine.classify(students.slice(0, 3), AS_OF, levels=["county"])
    b = engine.classify(students.slice(3), AS_OF, levels=["county"])
    assert a.schema == b.schema
    assert a.schema.field("eligible_aid").type == pa.dictionary(pa.int8(), pa.string())
    assert a.schema.field("county").type == pa.dictionary(pa.int32(), pa.string())
    assert pa.concat_tables([a, b]).num_rows == students.num_rows


def test_every_time_unit_gives_the_days_of_its_text(engine: kcbx.Engine) -> None:
    # Times before 1970 round down to their day; nulls and NaT are missing.
    times = [dt.datetime(1969, 12, 31, 12), dt.datetime(2019, 10, 1, 23, 59), None,
             dt.datetime(2019, 11, 2, 0, 0, 1), dt.datetime(1900, 2, 28, 6)]
    texts = [t.date().isoformat() if t else None for t in times]
    base = {"student_id": [f"s{i}" for i in range(len(times))], "registry": ["enrolled"] * len(times),
            "birth_date": ["1900-01-01"] * len(times)}  # born before every day attended, and at most 120
    want = engine.classify(pa.table({**base, "last_attended": pa.array(texts)}), AS_OF)
    columns = [pa.array(times, pa.timestamp(u)) for u in ("s", "ms", "us", "ns")]
    columns += [pa.array([t.date() if t else None for t in times], pa.date32()),
                pa.array([t.date() if t else None for t in times], pa.date64())]
    for col in columns:
        got = engine.classify(pa.table({**base, "last_attended": col}), AS_OF)
        assert got.equals(want), col.type
    nat = np.array([np.datetime64(t, "ns") if t else np.datetime64("NaT") for t in times])
    got = engine.classify(pd.DataFrame({**base, "last_attended": nat}), AS_OF)
    assert pa.array(got["suspected_since"]).equals(want["suspected_since"].combine_chunks())


def test_texts_alike_at_both_ends_are_told_apart() -> None:
    # Enum texts are parsed once and then recognised by their length and
    # first and last 8 bytes, and past 16 bytes by their middle: these
    # pairs agree in all but the middle, at 19 and at 30 bytes.
    names = ["prefix00_a_suffix00", "prefix00_b_suffix00",
             "prefix00_aaaaaaaaaaaa_suffix00", "prefix00_aaaaaaaaaaab_suffix00"]
    values = ", ".join(names)
    rows = "\n".join(f"      - {{id: r{i}, when: kind = {n}, then: t{i}, clause: Y1}}"
                     for i, n in enumerate(names))
    text = ("meta: {name: alike, version: 0.1.0}\n"
            "clauses:\n  Y1: {zh: 一, en: one}\n"
            "fields:\n  k: {type: string, required: true, unique: true}\n"
            f"  kind: {{type: enum, values: [{values}]}}\n"
            "tables:\n  which:\n    values: [t0, t1, t2, t3]\n    rows:\n" + rows + "\n")
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "alike.yaml"))
    kinds = [names[(i * 7) % 4] for i in range(2000)]
    result = engine.classify(pa.table({"k": [str(i) for i in range(2000)], "kind": kinds}), AS_OF)
    assert result["which"].to_pylist() == [f"t{names.index(k)}" for k in kinds]
    # In runs (a row is first compared with the row before it): each pair
    # three rows at a time, and a text of the same length that is no value
    # of the enum, twice, between values: each of those rows rejected.
    kinds = [names[(i // 3) % 4] for i in range(24)]
    kinds[7:9] = ["prefix00_c_suffix00"] * 2
    kinds[19:21] = ["prefix00_aaaaaaaaaaac_suffix00"] * 2
    result, rejects = engine.classify(pa.table({"k": [str(i) for i in range(24)], "kind": kinds}), AS_OF,
                                      with_rejects=True)
    assert rejects["row"].to_pylist() == [7, 8, 19, 20]
    assert result["which"].to_pylist() == [f"t{names.index(k)}" for k in kinds if k in names]


def test_whole_numbers_from_floats_at_the_edges(engine: kcbx.Engine) -> None:
    # float64 into a whole-number field (pandas' int column with gaps):
    # whole values in, NaN missing, the rest rejected, with or without a
    # validity bitmap (a loop of its own handles the plain case), whether
    # the rules read the field (a pack that outputs it) or only check it
    # (Guizhou's grade).
    values = [3.0, float("nan"), 2.5, 9.2e18, -9.2e18, 9.1e18, -0.0, float("inf"), 1e-300]
    bad = [2, 3, 4, 7, 8]
    reads = kcbx.Engine(kcbx.RulePack.from_string(
        "meta: {name: n, version: 0.1.0}\nclauses:\n  Y1: {zh: 一, en: one}\n"
        "fields:\n  k: {type: string, required: true, unique: true}\n  grade: {type: int}\n"
        "tables:\n  t:\n    values: [a]\n    rows:\n      - {id: r, then: a, clause: Y1}\n"
        "outputs: [grade]\n", "n.yaml"))
    for arr in (pa.array(values), pa.array(values + [None]).slice(0, len(values))):
        base = {"registry": ["enrolled"] * len(values),
                "birth_date": pa.array([dt.date(2010, 1, 1)] * len(values)), "grade": arr}
        for eng, extra in ((engine, base), (reads, {"grade": arr})):
            t = pa.table({"student_id" if eng is engine else "k": [f"s{i}" for i in range(len(values))],
                          **extra})
            result, rejects = eng.classify(t, AS_OF, with_rejects=True)
            assert rejects["row"].to_pylist() == bad
            assert all(r.endswith("is not a whole number") for r in rejects["reason"].to_pylist())
            if eng is reads:
                assert result["grade"].to_pylist() == [3, None, 9100000000000000000, 0]


def test_dictionary_columns_of_every_index_type(engine: kcbx.Engine) -> None:
    # Categoricals as Arrow dictionaries, every index type, against the same
    # values as text; an index past the dictionary is a reject (a producer
    # that skipped validation), never a read out of bounds.
    registry = ["enrolled", "left", "completed", "left", "enrolled", "suspended"]
    labels = pa.array(["enrolled", "left", "completed", "suspended"])
    codes = [labels.to_pylist().index(r) for r in registry]
    base = {"student_id": [f"s{i}" for i in range(len(registry))],
            "birth_date": pa.array([dt.date(2010, 1, 1)] * len(registry))}
    want = engine.classify(pa.table({**base, "registry": registry}), AS_OF)
    for index_type in (pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint32()):
        col = pa.DictionaryArray.from_arrays(pa.array(codes, index_type), labels)
        assert engine.classify(pa.table({**base, "registry": col}), AS_OF).equals(want), index_type
        broken = pa.DictionaryArray.from_arrays(pa.array(codes[:3] + [9] + codes[4:], index_type), labels,
                                                safe=False)
        result, rejects = engine.classify(pa.table({**base, "registry": broken}), AS_OF, with_rejects=True)
        assert rejects.to_pylist() == [{"row": 3, "student_id": "s3", "column": "registry",
                                        "reason": "dictionary index 9 is out of range"}], index_type
        assert result.num_rows == len(registry) - 1


def test_dictionary_column_of_a_field_only_checked() -> None:
    # A field no rule reads is converted and checked but not kept: a
    # dictionary index past the end is still a reject.
    engine = kcbx.Engine(kcbx.RulePack.from_string(
        "meta: {name: checked, version: 0.1.0}\nclauses:\n  Y1: {zh: 一, en: one}\n"
        "fields:\n  k: {type: string, required: true, unique: true}\n"
        "  kind: {type: enum, values: [a, b]}\n"
        "tables:\n  t:\n    values: [x]\n    rows:\n      - {id: r, then: x, clause: Y1}\n", "checked.yaml"))
    labels = pa.array(["a", "b"])
    for index_type in (pa.int8(), pa.int32(), pa.uint16()):
        kind = pa.DictionaryArray.from_arrays(pa.array([0, 1, 2, 1], index_type), labels, safe=False)
        result, rejects = engine.classify(pa.table({"k": ["p", "q", "r", "s"], "kind": kind}), AS_OF,
                                          with_rejects=True)
        assert rejects.to_pylist() == [{"row": 2, "k": "r", "column": "kind",
                                        "reason": "dictionary index 2 is out of range"}], index_type
        assert result["k"].to_pylist() == ["p", "q", "s"]


def test_id_birth_dates_from_the_conversion_equal_the_numbers_own() -> None:
    # Typed columns hand the rules the birth date each ID number's check
    # found, instead of parsing the number again. Whatever the path (plain
    # and dictionary-encoded columns, nulls, rejected numbers removed before
    # the rules run, a later row of a first-hit table that runs on the few
    # records still unmatched), each record must get its own number's date,
    # read off its digits.
    text = ("meta: {name: born, version: 0.1.0}\n"
            "clauses:\n  B1: {zh: 一, en: one}\n"
            "fields:\n  k: {type: string, required: true, unique: true}\n"
            "  idn: {type: string, format: id_number}\n  flag: {type: bool}\n"
            "derive:\n  born: {expr: id_birth_date(idn)}\n"
            "tables:\n  mark:\n    values: [a, b, c]\n    rows:\n"
            "      - {id: r0, when: flag, then: a, clause: B1}\n"
            "      - {id: r1, when: year(born) < 2010, then: b, clause: B1}\n"
            "      - {id: r2, when: 'true', then: c, clause: B1}\n"
            "outputs: [born]\n")
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "born.yaml"))
    # Without the output, the date is first needed by row r1, on the
    # records r0 left: a compacted selection of the batch.
    later = kcbx.Engine(kcbx.RulePack.from_string(text.replace("outputs: [born]\n", ""), "later.yaml"))

    def id_number(born: dt.date, seq: int) -> str:
        body = f"520102{born:%Y%m%d}{seq % 1000:03d}"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]

    rng = np.random.default_rng(9)
    n = 40_000
    days = rng.integers(0, 40 * 365, n)
    ids: list[str | None] = [id_number(dt.date(1990, 1, 1) + dt.timedelta(days=int(d)), i) for i, d in enumerate(days)]
    for i in range(0, n, 97):
        ids[i] = None
    wrong = [i for i in range(5, n, 131) if ids[i] is not None]
    for i in wrong:
        ids[i] = ids[i][:-1] + ("0" if ids[i][-1] != "0" else "1")  # wrong check character: rejected
    flag = rng.random(n) < 0.97  # later rows see few records: compacted
    keys = [f"s{i}" for i in range(n)]
    plain = pa.table({"k": keys, "idn": pa.array(ids, pa.string()), "flag": pa.array(flag)})
    encoded = plain.set_column(1, "idn", pa.array(ids, pa.string()).dictionary_encode())

    for table in (plain, encoded):
        result, rejects = engine.classify(table, AS_OF, with_rejects=True)
        assert rejects.num_rows == len(wrong)
        accepted = set(result["k"].to_pylist())
        kept = [i for i in range(n) if keys[i] in accepted]
        born = result["born"].to_pylist()
        mark = result["mark"].cast(pa.string()).to_pylist()
        for row, i in enumerate(kept):
            want = None if ids[i] is None else dt.date(int(ids[i][6:10]), int(ids[i][10:12]), int(ids[i][12:14]))
            assert born[row] == want, (i, ids[i] and ids[i][:6])
            assert mark[row] == ("a" if flag[i] else "b" if want is not None and want.year < 2010 else "c")
        assert later.classify(table, AS_OF, with_rejects=True)[0]["mark"].cast(pa.string()).to_pylist() == mark

    # A field with a default: the records without a number (and a table
    # without the column) take the default's date.
    fallback = id_number(dt.date(2001, 2, 3), 7)
    with_default = kcbx.Engine(kcbx.RulePack.from_string(
        text.replace("format: id_number}", f"format: id_number, default: '{fallback}'}}"), "default.yaml"))
    for table in (plain, encoded, plain.drop_columns(["idn"])):
        result, _ = with_default.classify(table, AS_OF, with_rejects=True)
        born = dict(zip(result["k"].to_pylist(), result["born"].to_pylist()))
        for i in range(0, n, 97):  # the nulls
            assert born[keys[i]] == dt.date(2001, 2, 3)
        if "idn" not in table.column_names:
            assert set(born.values()) == {dt.date(2001, 2, 3)}


def test_date32_columns_keep_every_day_and_reject_those_out_of_range() -> None:
    # A date32 column (what pyarrow gives for dates) of a kept date field:
    # nulls stay missing, the first and last days kcbx knows are taken, and
    # a day past 9999-12-31 or before 0001-01-01 rejects its row only.
    text = ("meta: {name: days, version: 0.1.0}\n"
            "clauses:\n  D1: {zh: 一, en: one}\n"
            "fields:\n  k: {type: string, required: true, unique: true}\n  d: {type: date}\n"
            "derive:\n  seen: {expr: d}\n"
            "tables:\n  mark:\n    values: [a]\n    rows:\n      - {id: r0, when: 'true', then: a, clause: D1}\n"
            "outputs: [seen]\n")
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "days.yaml"))
    first, last, epoch = dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.date(1970, 1, 1)
    days = [(first - epoch).days, (last - epoch).days, (last - epoch).days + 1, (first - epoch).days - 1,
            None, 0, None, 17000, 17001] * 3  # 27 rows: past a multiple of 8
    n = len(days)
    t = pa.table({"k": [f"s{i}" for i in range(n)], "d": pa.array(days, pa.int32()).cast(pa.date32())})
    for table in (t, t.slice(3)):
        result, rejects = engine.classify(table, AS_OF, with_rejects=True)
        offset = n - table.num_rows
        bad = [i - offset for i in range(offset, n) if i % 9 in (2, 3)]
        assert rejects["row"].to_pylist() == bad
        assert all("is not a date in 0001-01-01..9999-12-31" in r for r in rejects["reason"].to_pylist())
        kept = [i for i in range(offset, n) if i % 9 not in (2, 3)]
        assert result["k"].to_pylist() == [f"s{i}" for i in kept]
        assert result["seen"].to_pylist() == [None if days[i] is None else epoch + dt.timedelta(days=days[i])
                                              for i in kept]


def test_columns_only_checked_still_reject_what_they_must() -> None:
    # A whole-number field no rule reads is not converted from an integer
    # column, where no value can fail; a required one still rejects its
    # missing values, and a uint64 past INT64_MAX is still too large for one.
    # A date field kept from a date32 column in two chunks, one with nulls
    # and one without, gets each chunk's values. A pandas categorical with
    # missing values goes in as a dictionary over its own codes.
    text = ("meta: {name: only, version: 0.1.0}\n"
            "clauses:\n  O1: {zh: 一, en: one}\n"
            "fields:\n  k: {type: string, required: true, unique: true}\n"
            "  need: {type: int, required: true}\n  free: {type: int}\n  amount: {type: number}\n"
            "  d: {type: date}\n  kind: {type: enum, values: [a, b]}\n"
            "derive:\n  seen: {expr: d}\n  which: {expr: kind}\n"
            "tables:\n  mark:\n    values: [x]\n    rows:\n      - {id: r0, when: 'true', then: x, clause: O1}\n"
            "outputs: [seen, which]\n")
    engine = kcbx.Engine(kcbx.RulePack.from_string(text, "only.yaml"))
    big = 2**63 + 5
    days = pa.chunked_array([pa.array([0, None, 1], pa.date32()), pa.array([2, 3, 4], pa.int32()).cast(pa.date32())])
    t = pa.table({"k": ["a", "b", "c", "d", "e", "f"],
                  "need": pa.array([1, None, 3, 4, 5, 6], pa.int64()),
                  "free": pa.array([1, 2, big, 4, None, 6], pa.uint64()),
                  "amount": pa.array([big, 0, 0, 0, 0, 0], pa.uint64()),
                  "d": days, "kind": ["a", "b", "a", "b", "a", "b"]})
    result, rejects = engine.classify(t, AS_OF, with_rejects=True)
    assert rejects["row"].to_pylist() == [1, 2]
    assert rejects["column"].to_pylist() == ["need", "free"]
    # Worded and masked as the CSV reader words the same digits (a run of
    # 15 or more digits may be an ID number).
    assert rejects["reason"].to_pylist()[1] == "'92***************13' is too large for a whole number"
    epoch = dt.date(1970, 1, 1)
    assert result["k"].to_pylist() == ["a", "d", "e", "f"]
    assert result["seen"].to_pylist() == [epoch, epoch + dt.timedelta(days=2), epoch + dt.timedelta(days=3),
                                          epoch + dt.timedelta(days=4)]
    df = pd.DataFrame({"k": list("abcd"), "need": [1, 2, 3, 4],
                       "kind": pd.Categorical(["b", None, "a", "b"], categories=["a", "b"])})
    out = engine.classify(df, AS_OF)
    assert out["which"].astype(object).where(out["which"].notna(), None).tolist() == ["b", None, "a", "b"]


def test_outputs_are_the_same_moved_or_gathered(engine: kcbx.Engine, students: pa.Table) -> None:
    # Without rejects a result's outputs move into their Arrow columns;
    # when the rules reject a record they are gathered row by row. The
    # same values either way, nulls included. (A row the conversion
    # rejects, such as a repeated key, is gone before the rules run: it
    # would not take the gathering path.)
    clean = students
    unknown = {"student_id": ["G-NO-BIRTH"], "birth_date": [None], "id_number": [None]}
    no_birth = pa.table({name: pa.array(unknown.get(name, [students[name][0].as_py()]),
                                        students.schema.field(name).type)
                         for name in students.column_names})
    with_check_reject = pa.concat_tables([students, no_birth])  # fails the pack's birth_known check
    gathered, rejects = engine.classify(with_check_reject, AS_OF, with_rejects=True)
    assert rejects["row"].to_pylist() == [students.num_rows]
    assert "birth" in rejects["reason"][0].as_py()
    moved, none = engine.classify(clean, AS_OF, with_rejects=True)
    assert none.num_rows == 0
    assert moved["suspected_since"].null_count > 0
    for name in ("age", "suspected_since", "dropout_since"):
        assert moved[name].equals(gathered[name]), name
    df = engine.classify(clean.to_pandas(), AS_OF)
    assert df["age"].tolist() == gathered["age"].to_pylist()
    assert pa.array(df["suspected_since"]).equals(gathered["suspected_since"].combine_chunks())


def test_a_key_of_labels_with_gaps_in_a_pandas_result() -> None:
    # Every categorical of a result bound for pandas has -1 under its
    # nulls, the key's too when it is an enum.
    engine = kcbx.Engine(kcbx.RulePack.from_string(
        "meta: {name: e, version: 0.1.0}\nclauses:\n  Y1: {zh: 一, en: one}\n"
        "fields:\n  k: {type: enum, values: [a, b, c], unique: true}\n"
        "tables:\n  t:\n    values: [x]\n    rows:\n      - {id: r, then: x, clause: Y1}\n", "e.yaml"))
    df = engine.classify(pd.DataFrame({"k": ["a", None, "b", None]}), AS_OF)
    assert df["k"].astype(object).where(df["k"].notna(), None).tolist() == ["a", None, "b", None]


def test_duplicate_labels_and_one_level_as_text(engine: kcbx.Engine) -> None:
    # Two pandas columns under one label: the engine's own error, not an
    # AttributeError from the DataFrame under that label.
    df = pd.DataFrame([["a", "enrolled", "enrolled", "2010-01-01"]],
                      columns=["student_id", "registry", "registry", "birth_date"])
    with pytest.raises(kcbx.RulesError, match="duplicate-column|both field"):
        engine.classify(df, AS_OF)
    # levels="county" is one level, not seven letters.
    ok = pd.DataFrame({"student_id": ["a"], "registry": ["enrolled"], "birth_date": ["2010-01-01"],
                       "division_code": ["520102001201"]})
    assert engine.classify(ok, AS_OF, levels="county")["county"].tolist() == ["520102"]
