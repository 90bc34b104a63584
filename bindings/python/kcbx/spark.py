"""Spark scale-out: the same C++ engine in every executor, over Arrow batches.

    from pyspark.sql import SparkSession
    import kcbx, kcbx.spark
    spark = SparkSession.builder.getOrCreate()
    df = spark.read.csv("students/*.csv", header=True)      # every column text
    result = kcbx.spark.classify(df, kcbx.RulePack.default(), "2019-11-15")
    result.groupBy("status").count().show()

``classify`` uses ``DataFrame.mapInArrow``: each Arrow record batch Spark
hands a Python worker is classified by the C++ engine without per-row Python
objects. The pack travels by its source text and is compiled once per
worker process (an Engine passed instead travels with its options, so
``kcbx.Engine(threads=1)`` keeps each task on one thread). Reject row
numbers count within a partition. The unique check (duplicate student
numbers) sees one Arrow batch at a time, as Spark hands them over:
:func:`duplicates` finds the keys repeated anywhere in the DataFrame.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

from kcbx import _convert

__all__ = ["classify", "duplicates", "rejects", "status_counts", "totals"]


def _spark_type(arrow_type: Any) -> Any:
    import pyarrow as pa
    from pyspark.sql import types as T

    if pa.types.is_dictionary(arrow_type) or pa.types.is_string(arrow_type) or \
            pa.types.is_large_string(arrow_type):
        return T.StringType()
    if pa.types.is_integer(arrow_type):
        return T.LongType()
    if pa.types.is_floating(arrow_type):
        return T.DoubleType()
    if pa.types.is_date(arrow_type):
        return T.DateType()
    if pa.types.is_boolean(arrow_type):
        return T.BooleanType()
    raise TypeError(f"no Spark type for Arrow {arrow_type}")


def _spark_schema(arrow_schema: Any) -> Any:
    from pyspark.sql import types as T

    return T.StructType([T.StructField(f.name, _spark_type(f.type), True) for f in arrow_schema])


def _plain(batch: Any) -> Any:
    """Dictionaries decoded to strings: Spark has no dictionary type."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = [pc.cast(c, pa.string()) if pa.types.is_dictionary(c.type) else c for c in batch.columns]
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names)


def _empty_result(pack: Any, as_of: str, levels: Sequence[str]) -> Any:
    engine = _convert._engine_for(pack)
    res, _ = engine._classify_arrow(_convert._empty_input(engine.pack), "pyarrow", as_of, levels)
    return _plain(res)


def classify(df: Any, pack: Any, as_of: Any, *, levels: Sequence[str] = ()) -> Any:
    """``Engine.classify`` over a Spark DataFrame with ``mapInArrow``.

    Returns a Spark DataFrame with the columns of ``Engine.classify``
    (categoricals as strings, dates as DateType). Rejected rows are left
    out; :func:`rejects` lists them.
    """
    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    lv = tuple(_convert._levels(levels))
    schema = _spark_schema(_empty_result(p, day, lv).schema)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        engine = _convert._engine_for(p)
        for b in batches:
            res, _ = engine._classify_arrow(b, "pyarrow.RecordBatch", day, lv)
            yield _plain(res)

    return df.mapInArrow(run, schema)


def rejects(df: Any, pack: Any, as_of: Any) -> Any:
    """The rejected rows: partition, row (0-based within its partition,
    counted across the partition's Arrow batches), the key (named after
    the pack's key field), column, reason."""
    import pyarrow as pa
    import pyarrow.compute as pc

    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    key = _convert._pack(p).key or "student_id"
    schema = f"partition long, row long, `{key}` string, column string, reason string"

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        from pyspark import TaskContext

        ctx = TaskContext.get()
        part = ctx.partitionId() if ctx else -1
        engine = _convert._engine_for(p)
        offset = 0  # rows of the partition's earlier batches
        for b in batches:
            _res, rej = engine._classify_arrow(b, "pyarrow.RecordBatch", day)
            cols = list(rej.columns)
            cols[0] = pc.add(cols[0], pa.scalar(offset, pa.int64()))
            offset += b.num_rows
            yield pa.RecordBatch.from_arrays(
                [pa.array([part] * rej.num_rows, pa.int64())] + cols,
                names=["partition"] + rej.schema.names)

    return df.mapInArrow(run, schema)


def status_counts(df: Any, pack: Any, as_of: Any, level: str = "county") -> Any:
    """Records per jurisdiction of ``level`` and status, summed across
    partitions: a Spark DataFrame <level>, status, count (the status
    column named after the pack's first table)."""
    from pyspark.sql import functions as F

    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    status = _convert._status_column(_convert._pack(p))
    schema = f"`{level}` string, `{status}` string, count long"

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        engine = _convert._engine_for(p)
        for b in batches:
            res, _ = engine._classify_arrow(b, "pyarrow.RecordBatch", day, [level], all_tables=False,
                                            outputs=False)
            counts = _convert._count(res, level, status)
            yield from counts.to_batches()

    parts = df.mapInArrow(run, schema)
    return parts.groupBy(level, status).agg(F.sum("count").alias("count"))


def totals(df: Any, pack: Any, as_of: Any, level: str = "county") -> Any:
    """``Engine.run``'s per-jurisdiction counts (``totals_<level>``)
    computed per Arrow batch and summed. Runs without events or officials."""
    import pyarrow as pa
    from pyspark.sql import functions as F

    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    engine = _convert._engine_for(p)
    empty = engine.run(_convert._empty_input(_convert._pack(p)), day, with_cases=False).totals[level]
    schema = _spark_schema(empty.schema)

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        eng = _convert._engine_for(p)
        for b in batches:
            t = eng.run(pa.Table.from_batches([b]), day, with_cases=False).totals[level]
            yield from t.to_batches()

    parts = df.mapInArrow(run, schema)
    counts = [c for c in empty.column_names if c != "jurisdiction"]
    return parts.groupBy("jurisdiction").agg(*[F.sum(c).alias(c) for c in counts])


def duplicates(df: Any, pack: Any, field: str | None = None, *, mask: bool = True) -> Any:
    """The values of a field (by default the key, the student number) that
    more than one row of ``df`` holds, with how many: a Spark DataFrame
    <field>, count. The engine checks a value against the other rows of its
    Arrow batch only; this groups the whole DataFrame (one shuffle), for a
    check across batches and partitions. Values compare as the engine
    compares them: trimmed of spaces (also the ideographic and no-break
    space, and the zero-width U+200B and U+FEFF), and for a field of format id_number with a lower-case check
    character read as X; empty cells hold no value. The column is found as
    the engine finds it, by the field's name or its alias. An ID number in a
    value is masked (520102********1233), as in every output; ``mask=False``
    shows it whole, to find its rows."""
    from pyspark.sql import functions as F

    p = _convert._pack(_convert._carrier(pack))
    name, column, id_number = _convert._field_column(p, df.columns, field)
    spaces = "[" + _convert.CELL_SPACES + "]+"
    value = F.regexp_replace(F.col(f"`{column}`").cast("string"), f"^{spaces}|{spaces}$", "")
    if id_number:
        value = F.when((F.length(value) == 18) & value.endswith("x"),
                       F.concat(F.substring(value, 1, 17), F.lit("X"))).otherwise(value)
    values = df.select(value.alias(name))
    out = (values.where(F.col(name).isNotNull() & (F.col(name) != "")).groupBy(name).count()
           .where(F.col("count") > 1))
    if mask:
        # A lambda: Spark 4 reads a function's type hints as a pandas UDF's.
        out = out.withColumn(name, F.udf(lambda v: _convert._masked(v), "string")(F.col(name)))
    return out
