"""Dask scale-out: the same C++ engine on every partition.

    import dask.dataframe as dd, kcbx, kcbx.dask
    ddf = dd.read_csv("students-*.csv", dtype=str, keep_default_na=False)
    result = kcbx.dask.classify(ddf, kcbx.RulePack.default(), "2019-11-15")
    result.status.value_counts().compute()
    kcbx.dask.totals(ddf, pack, "2019-11-15", level="county").compute()

The pack travels to the workers by its source text (RulePack pickles by
source) and is compiled once per worker process. Partitions are classified
independently, so the result equals ``Engine.classify`` on the whole table
except for the unique check (a student_id repeated in two partitions is
caught within each partition only; ``duplicates`` counts across them) and
row numbers in rejects, which count within their partition (``partition``
says which).
"""

from __future__ import annotations

from typing import Any, Sequence

from kcbx import _convert

__all__ = ["classify", "duplicates", "rejects", "status_counts", "totals"]


def _normalise(out: Any, text_columns: Sequence[str]) -> Any:
    # Categories that depend on the data (collect tables, jurisdictions)
    # differ between partitions: those columns travel as text.
    for c in text_columns:
        out[c] = out[c].astype("str")
    return out


def _classify_partition(df: Any, pack: Any, as_of: str, levels: tuple[str, ...],
                        text_columns: tuple[str, ...]) -> Any:
    engine = _convert._engine_for(pack)
    res, rej = engine._classify_arrow(df, "pandas", as_of, levels)
    out = _convert._to_kind(res, "pandas")
    _convert._labelled(out, None, df.index, rej)  # the partition's labels: the divisions hold
    return _normalise(out, text_columns)


def _text_columns(meta: Any) -> tuple[str, ...]:
    import pandas as pd

    return tuple(c for c in meta.columns
                 if isinstance(meta[c].dtype, pd.CategoricalDtype)
                 and len(meta[c].dtype.categories) == 0)


def classify(ddf: Any, pack: Any, as_of: Any, *, levels: Sequence[str] = ()) -> Any:
    """``Engine.classify`` on every partition of a Dask DataFrame.

    ``pack``: a RulePack, an Engine, a pack path or None (Guizhou). Returns
    a lazy Dask DataFrame with the columns of ``Engine.classify`` (status,
    rule and clause categorical; collect-table and ``levels`` columns as
    text), each row under its input row's index label, so the divisions
    hold and ``ddf.join(result)`` pairs rows. Rejected rows are left out;
    :func:`rejects` lists them.
    """
    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    lv = tuple(_convert._levels(levels))
    engine = _convert._engine_for(p)
    res, _ = engine._classify_arrow(ddf._meta, "pandas", day, lv)
    meta = _convert._to_kind(res, "pandas")
    meta.index = ddf._meta.index[:0]
    text = _text_columns(meta)
    meta = _normalise(meta, text)
    return ddf.map_partitions(_classify_partition, p, day, lv, text, meta=meta,
                              enforce_metadata=False)


def _rejects_partition(df: Any, pack: Any, as_of: str, partition_info: Any = None) -> Any:
    engine = _convert._engine_for(pack)
    _res, rej = engine._classify_arrow(df, "pandas", as_of)
    out = _convert._to_kind(rej, "pandas")
    if rej.num_rows:
        out.index = df.index[rej.column("row").to_numpy()]
    out.insert(0, "partition", int(partition_info["number"]) if partition_info else -1)
    return out


def rejects(ddf: Any, pack: Any, as_of: Any) -> Any:
    """The rejected rows of every partition: partition, row (0-based within
    the partition), the key (student_id), column, reason; each under its
    input row's index label."""
    import pandas as pd

    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    meta = pd.DataFrame({
        "partition": pd.Series(dtype="int64"), "row": pd.Series(dtype="int64"),
        _convert._pack(p).key or "student_id": pd.Series(dtype="str"), "column": pd.Series(dtype="str"),
        "reason": pd.Series(dtype="str")})
    return ddf.map_partitions(_rejects_partition, p, day, meta=meta, enforce_metadata=False)


def _counts_partition(df: Any, pack: Any, as_of: str, level: str) -> Any:
    engine = _convert._engine_for(pack)
    res, _ = engine._classify_arrow(df, "pandas", as_of, [level], all_tables=False, outputs=False)
    return _convert._to_kind(_convert._count(res, level, _convert._status_column(pack)), "pandas")


def status_counts(ddf: Any, pack: Any, as_of: Any, level: str = "county") -> Any:
    """Records per jurisdiction of ``level`` and status, summed across
    partitions: a lazy Dask DataFrame <level>, status, count (the status
    column named after the pack's first table)."""
    import pandas as pd

    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    status = _convert._status_column(_convert._pack(p))
    meta = pd.DataFrame({level: pd.Series(dtype="str"), status: pd.Series(dtype="str"),
                         "count": pd.Series(dtype="int64")})
    parts = ddf.map_partitions(_counts_partition, p, day, level, meta=meta, enforce_metadata=False)
    # dropna=False: a record without a key at this level (no school, no
    # class: the children out of school the policy is about) is counted
    # under a null jurisdiction, as Engine.status_counts counts it.
    return parts.groupby([level, status], dropna=False).agg({"count": "sum"}).reset_index()


def _totals_partition(df: Any, pack: Any, as_of: str, level: str) -> Any:
    engine = _convert._engine_for(pack)
    report = engine.run(df, as_of, with_cases=False)
    return report.totals[level]


def totals(ddf: Any, pack: Any, as_of: Any, level: str = "county") -> Any:
    """``Engine.run``'s per-jurisdiction counts (``totals_<level>``: records,
    on_ledger, by status, special ledgers, key groups, aid gaps, cases)
    computed per partition and summed: a lazy Dask DataFrame. Runs without
    events or officials, so case counts reflect opened cases only."""
    p = _convert._carrier(pack)
    day = _convert._as_of_text(as_of)
    engine = _convert._engine_for(p)
    kept = engine.run(ddf._meta, day, with_cases=False).totals
    if level not in kept:
        raise ValueError(f"no totals at level {level!r}: the pack's ledgers keep {', '.join(kept)}")
    meta = kept[level]
    parts = ddf.map_partitions(_totals_partition, p, day, level, meta=meta, enforce_metadata=False)
    counts = [c for c in meta.columns if c != "jurisdiction"]
    return parts.groupby("jurisdiction", dropna=False).agg({c: "sum" for c in counts}).reset_index()


def duplicates(ddf: Any, pack: Any, field: str | None = None, *, mask: bool = True) -> Any:
    """The values of a field (by default the key, the student number) that
    more than one row of ``ddf`` holds, with how many: a Dask DataFrame
    <field>, count. ``classify`` checks a value within its partition only;
    this counts across the whole DataFrame. Values compare as the engine
    compares them: trimmed of spaces (also the ideographic and no-break
    space, and the zero-width U+200B and U+FEFF), and for a field of format id_number with a lower-case check
    character read as X; empty cells hold no value. An ID number in a value
    is masked (520102********1233), as in every output; ``mask=False``
    shows it whole, to find its rows."""
    p = _convert._pack(_convert._carrier(pack))
    name, column, id_number = _convert._field_column(p, list(ddf.columns), field)
    values = ddf[column].dropna().astype(str).str.strip(_convert.CELL_SPACES)
    if id_number:
        values = values.str.replace(r"^(.{17})x$", r"\1X", regex=True)
    values = values[values != ""]
    counts = values.value_counts()
    counts = counts[counts > 1]
    frame = counts.to_frame("count").reset_index()
    frame = frame.rename(columns={frame.columns[0]: name})
    if mask:
        frame[name] = frame[name].map(_convert._masked, meta=(name, frame[name].dtype))
    return frame
