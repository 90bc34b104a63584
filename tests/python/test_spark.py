"""kcbx.spark on a local[2] SparkSession equals single-process results."""

from __future__ import annotations

import os

import pyarrow as pa
import pytest

import kcbx
import kcbx.spark
from conftest import AS_OF, ONE_REGISTRY_PER_PERSON, one_registry_frame

pytestmark = pytest.mark.spark
pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def spark():  # noqa: ANN201
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    s = (SparkSession.builder.master("local[2]").appName("kcbx-test")
         .config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "4")
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1000")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def frame(spark, students: pa.Table):  # noqa: ANN001, ANN201
    births = students["birth_date"].to_pylist()
    births[5] = "2010-02-30"
    table = students.set_column(students.schema.get_field_index("birth_date"), "birth_date",
                                pa.array(births, pa.string()))
    return table, spark.createDataFrame(table).repartition(3)


def test_classify_equals_single_process(frame, engine: kcbx.Engine) -> None:  # noqa: ANN001
    table, sdf = frame
    expected = engine.classify(table, AS_OF, with_rejects=True, levels=["county"])[0]
    got = kcbx.spark.classify(sdf, engine.pack, AS_OF, levels=["county"]).toArrow()
    assert got.column_names == expected.column_names
    assert got.schema.field("dropout_since").type == pa.date32()
    rows = {r["student_id"]: r for r in got.to_pylist()}
    assert len(rows) == expected.num_rows
    for r in expected.to_pylist():
        assert rows[r["student_id"]] == r


def test_rejects_counts_totals(frame, engine: kcbx.Engine) -> None:  # noqa: ANN001
    table, sdf = frame
    rej = kcbx.spark.rejects(sdf, engine.pack, AS_OF).toArrow()
    assert rej["student_id"].to_pylist() == [table["student_id"][5].as_py()]
    assert rej["reason"].to_pylist() == ["'2010-02-30' is not a date (YYYY-MM-DD)"]
    counts = kcbx.spark.status_counts(sdf, engine.pack, AS_OF, "county").toArrow()
    counts = counts.sort_by([("county", "ascending"), ("status", "ascending")])
    expected = engine.status_counts(table, AS_OF, "county")
    assert counts.to_pylist() == expected.to_pylist()
    totals = kcbx.spark.totals(sdf, engine.pack, AS_OF, "county").toArrow()
    want = engine.run(table, AS_OF, with_cases=False).totals["county"]
    assert totals.column_names == want.column_names
    assert totals.sort_by("jurisdiction").to_pylist() == want.sort_by("jurisdiction").to_pylist()


def test_reject_rows_count_across_batches_and_duplicates_are_found(spark) -> None:  # noqa: ANN001
    # One partition of three 1000-row batches (the session's
    # maxRecordsPerBatch): a reject in the third batch is row 2500 of the
    # partition, not row 500 of some batch. The key G1 is in two batches,
    # which the engine cannot see; duplicates() does.
    n = 3000
    ids = [f"G{i}" for i in range(n)]
    ids[2999] = "G1"
    births = ["2010-01-01"] * n
    births[2500] = "2010-02-30"
    table = pa.table({"student_id": ids, "registry": ["enrolled"] * n, "birth_date": births})
    sdf = spark.createDataFrame(table.to_pandas()).coalesce(1)
    rej = kcbx.spark.rejects(sdf, kcbx.Engine(threads=1), AS_OF).toArrow()
    assert rej["partition"].to_pylist() == [0] and rej["row"].to_pylist() == [2500]
    dup = kcbx.spark.duplicates(sdf, None).toArrow()
    assert dup.to_pylist() == [{"student_id": "G1", "count": 2}]


def test_duplicates_compare_values_as_the_engine_does(spark) -> None:  # noqa: ANN001
    # The engine trims the ideographic and no-break spaces around a cell and
    # reads an ID number's x as X: duplicates() counts the same rows the
    # engine rejects as duplicates, across partitions, found by alias.
    engine = kcbx.Engine(kcbx.RulePack.from_string(ONE_REGISTRY_PER_PERSON, "strict.yaml"))
    df = one_registry_frame()
    _, rejects = engine.classify(df, AS_OF, with_rejects=True)
    assert sorted(rejects["row"]) == [1, 2, 4]
    sdf = spark.createDataFrame(df).repartition(3)
    keys = kcbx.spark.duplicates(sdf, engine).toArrow().to_pylist()
    assert keys == [{"student_id": "G1", "count": 2}]
    ids = kcbx.spark.duplicates(sdf, engine, field="id_number", mask=False).toArrow()
    assert sorted(ids.to_pylist(), key=lambda r: r["id_number"]) == [
        {"id_number": "520102201001010026", "count": 2}, {"id_number": "52010220100101019X", "count": 2}]
    masked = kcbx.spark.duplicates(sdf, engine, field="id_number").toArrow()
    assert sorted(masked["id_number"].to_pylist()) == ["520102********0026", "520102********019X"]
    with pytest.raises(ValueError, match="no field 'school'"):
        kcbx.spark.duplicates(sdf, engine, field="school")
