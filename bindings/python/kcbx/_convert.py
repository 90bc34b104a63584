"""Private helpers of the kcbx package: table kinds, Arrow capsules, text
cells, per-process engines. Not a public API."""

from __future__ import annotations

import datetime as _dt
import io as _io
import math as _math
import os as _os
import threading as _threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import _kcbx
from ._kcbx import RulePack

if TYPE_CHECKING:
    from . import Engine


def _masked(text: Any) -> Any:
    """A value with any ID number in it masked (520102********1233), as
    every output of kcbx shows it; a plain function, so that Dask and Spark
    ship it to their workers by name."""
    return text if text is None else _kcbx._mask(str(text))


def _as_of_text(as_of: Any) -> str:
    """'YYYY-MM-DD' for a date, datetime, pandas Timestamp, numpy datetime64 or str."""
    if isinstance(as_of, str):
        return as_of.strip()
    if isinstance(as_of, _dt.datetime):
        return as_of.date().isoformat()
    if isinstance(as_of, _dt.date):
        return as_of.isoformat()
    if type(as_of).__name__ == "datetime64":
        return str(as_of.astype("datetime64[D]"))
    raise TypeError(f"as_of: expected a date or 'YYYY-MM-DD', got {type(as_of).__name__}")


def _path(path: str | bytes) -> str | bytes:
    """A path as the module takes it: a str, or its bytes when it holds
    what UTF-8 cannot encode (a file name of bytes that are not UTF-8,
    which Python decodes with lone surrogates), or when given as bytes. As
    a str, pybind11 would refuse the call with a TypeError that prints
    every argument."""
    if isinstance(path, bytes):
        return path
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return _os.fsencode(path)


def _text(value: str) -> str | bytes:
    """A cell's text as the module takes it: a str, or, when it holds a lone
    surrogate, its bytes with the surrogate as the invalid UTF-8 it stands
    for, which kcbx rejects as it rejects such a byte in a file, with the
    row's reason (a TypeError from pybind11 would print every cell,
    ID numbers included)."""
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _pack(pack: Any) -> RulePack:
    if pack is None:
        return RulePack.default()
    if isinstance(pack, RulePack):
        return pack
    if isinstance(pack, _kcbx.Engine):
        return pack.pack
    if isinstance(pack, (str, _os.PathLike)):
        name = _os.fspath(pack)
        if name in RulePack.embedded_names():
            return RulePack.default(name)
        return RulePack.load(_path(name))
    raise TypeError(f"expected a RulePack, an Engine or a path, got {type(pack).__name__}")


# The spaces the engine trims around a heading and every cell
# (engine/column_names.h, trim_spaces): space, tab, the ideographic space
# U+3000, the no-break space U+00A0, the zero-width space U+200B and the
# zero-width no-break space U+FEFF.
CELL_SPACES = " \t\u3000\u00a0\u200b\ufeff"


def _field_column(pack: RulePack, columns: Any, field: str | None) -> tuple[str, Any, bool]:
    """(the field's name, the column that holds it, whether its format is
    id_number) for ``field``, by default the pack's key. The column is the
    one the engine would read the field from (trimmed of CELL_SPACES, the
    field's name with ASCII case ignored or its alias)."""
    name = field or pack.key or "student_id"
    fields = pack.fields
    index = next((i for i, f in enumerate(fields) if f["name"] == name), None)
    if index is None:
        raise ValueError(f"the pack has no field '{name}'")
    columns = list(columns)
    at = pack._field_columns([str(c) for c in columns])[index]
    if at < 0:
        raise ValueError(f"no column for the field '{name}'")
    return name, columns[at], fields[index]["format"] == "id_number"


def _levels(levels: Any) -> list[str]:
    """``levels`` as a list: one level may be given as a string
    (``levels="county"``, as ``status_counts`` takes ``level=``), which
    would otherwise be read letter by letter."""
    return [levels] if isinstance(levels, str) else [str(v) for v in levels]


def _carrier(pack: Any) -> Any:
    """What partition functions take to build their engine: an Engine as it
    is (it pickles with its options, so its ``threads`` reach the workers:
    with several tasks on one host, each should not start a thread per
    core), anything else as its RulePack."""
    return pack if isinstance(pack, _kcbx.Engine) else _pack(pack)


def _module_name(obj: Any) -> str:
    return type(obj).__module__.split(".")[0]


def _kind(table: Any) -> str:
    mod = _module_name(table)
    name = type(table).__name__
    if mod == "pandas" and name == "DataFrame":
        return "pandas"
    if mod == "polars" and name == "DataFrame":
        return "polars"
    if mod == "pyarrow" and name == "Table":
        return "pyarrow"
    if mod == "pyarrow" and name == "RecordBatch":
        return "pyarrow.RecordBatch"
    if isinstance(table, Mapping):
        return "mapping"
    if hasattr(table, "__arrow_c_stream__") or hasattr(table, "__arrow_c_array__"):
        return "arrow"
    raise TypeError(
        "expected a pandas or Polars DataFrame, a pyarrow Table or RecordBatch, a mapping of "
        f"column name to array, or an object with __arrow_c_stream__; got {type(table).__name__}"
    )


def _categorical_column(series: Any) -> Any:
    """A pandas categorical as an Arrow dictionary sharing its codes (half
    the time of pyarrow's conversion, which copies them), or None."""
    import pyarrow as pa

    codes = series.cat.codes.to_numpy()
    try:
        categories = pa.array(series.cat.categories.to_numpy(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    missing = codes < 0
    indices = pa.array(codes, mask=missing) if missing.any() else pa.array(codes)
    return pa.DictionaryArray.from_arrays(indices, categories, safe=False)  # pandas' codes are in range


def _wall_time(column: Any) -> Any:
    """A timezone-aware timestamp column as its local wall-clock time: a
    date written 2019-10-05 00:30 in Asia/Shanghai is 5 October where the
    child is, though 4 October in UTC (which the engine would read)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        return pc.local_timestamp(column)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # no time zone database here
        series = column.to_pandas()
        return pa.array(series.dt.tz_localize(None), from_pandas=True)


def _is_list(arrow_type: Any) -> bool:
    import pyarrow as pa

    return isinstance(arrow_type, pa.DataType) and (
        pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type)
        or pa.types.is_fixed_size_list(arrow_type))


def _joined(column: Any) -> Any:
    """A list column (a set field's values as lists, ['two_free',
    'nutrition']) as the text a CSV cell holds, 'two_free;nutrition'. A
    null item is left out; a null list stays null; numbers are written as
    their digits. A list whose items cannot be cast to text (structs) is
    returned as it is, for the engine to name its type."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunked = isinstance(column, pa.ChunkedArray)
    out = []
    try:
        for chunk in column.chunks if chunked else [column]:
            lists = chunk.cast(pa.list_(pa.string()))
            if lists.offset:  # a slice (df.tail(n)): from_arrays takes no null bitmap with an offset
                lists = pa.concat_arrays([lists])
            items = pc.fill_null(lists.values, "")  # an empty item: the engine skips it, as in "a;;b"
            lists = pa.ListArray.from_arrays(lists.offsets, items, mask=lists.is_null())
            out.append(pc.binary_join(lists, ";"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return column
    return pa.chunked_array(out, pa.string()) if chunked else out[0]


def _wall_times(table: Any) -> Any:
    """A pyarrow Table as the engine reads it: timezone-aware timestamps as
    wall times, list columns as ';'-separated text."""
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is not None:
            table = table.set_column(i, field.name, _wall_time(table.column(i)))
        elif _is_list(field.type):
            table = table.set_column(i, field.name, _joined(table.column(i)))
    return table


def _pandas_column(name: str, series: Any) -> Any:
    import numpy as np

    dtype = series.dtype
    if getattr(dtype, "tz", None) is not None:  # datetime64[ns, tz]: its dates where they were written
        series = series.dt.tz_localize(None)
        dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufM":
        return np.ascontiguousarray(series.to_numpy())
    import pyarrow as pa

    if getattr(dtype, "name", None) == "category":
        column = _categorical_column(series)
        if column is not None:
            return column

    try:
        column = pa.array(series, from_pandas=True)
        # An Arrow-backed timezone-aware timestamp (timestamp[us,
        # tz=Asia/Shanghai][pyarrow]): its dates where they were written,
        # as datetime64[ns, tz] above.
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            return _wall_time(column)
        return _joined(column) if _is_list(column.type) else column
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        if dtype == object:
            # Cells of several types (read_excel gives an int for most ID
            # numbers and a str for those ending in X): read as their text,
            # as a CSV file holds them; the field decides what they mean.
            text = _texts(series)
            if text is not None:
                return text
        raise TypeError(_kcbx._mask(f"column {name!r} cannot be read as one type ({dtype}): {e}")) from None


def _texts(values: Any) -> Any:
    """An object column's cells as Arrow text (None, NaN and pd.NA as
    nulls, a date as YYYY-MM-DD, a list of strings ';'-separated, anything
    else as str()), or None when a cell has no plain text (bytes, a list of
    numbers)."""
    import pyarrow as pa

    out: list[str | None] = []
    for v in values:
        if v is None or (isinstance(v, float) and _math.isnan(v)) or type(v).__name__ in ("NAType", "NaTType"):
            out.append(None)
        elif isinstance(v, str):
            out.append(v)
        elif isinstance(v, (bool, int, float, _dt.date)):
            out.append(v.isoformat()[:10] if isinstance(v, _dt.date) else
                       str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
        elif isinstance(v, (list, tuple, set, frozenset)) and all(isinstance(x, str) or x is None for x in v):
            out.append(";".join(x for x in v if x is not None))  # a set field's values
        else:
            return None
    return pa.array(out, pa.string())


def _array_column(name: str, values: Any) -> Any:
    import numpy as np

    if getattr(getattr(values, "dtype", None), "tz", None) is not None:  # a timezone-aware pandas Series
        return _pandas_column(name, values)
    if getattr(getattr(values, "type", None), "tz", None) is not None:  # a timezone-aware pyarrow array
        return _wall_time(values)
    if hasattr(values, "__arrow_c_array__") or hasattr(values, "__arrow_c_stream__"):
        return _joined(values) if _is_list(getattr(values, "type", None)) else values
    arr = np.asarray(values)
    if arr.dtype.kind in "biufM":
        return np.ascontiguousarray(arr)
    import pyarrow as pa

    try:
        column = pa.array(arr, from_pandas=True)
        return _joined(column) if _is_list(column.type) else column
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
        if arr.dtype == object:
            text = _texts(arr)
            if text is not None:
                return text
        raise TypeError(_kcbx._mask(f"column {name!r} cannot be read as one type ({arr.dtype}): {e}")) from None


def _source(table: Any, kind: str) -> tuple[Any, bool]:
    """What _kcbx reads: a whole Arrow table, or (name, column) pairs."""
    if kind == "pandas":
        # By position: under a label two columns share, table[c] is a
        # DataFrame, not a column (the engine then names the duplicate).
        return [(str(c), _pandas_column(str(c), table.iloc[:, i])) for i, c in enumerate(table.columns)], False
    if kind == "mapping":
        return [(str(k), _array_column(str(k), v)) for k, v in table.items()], False
    if kind == "polars" and (not hasattr(table, "__arrow_c_stream__") or any(
            getattr(dtype, "time_zone", None) or type(dtype).__name__ in ("List", "Array")
            for dtype in table.schema.values())):
        return _wall_times(table.to_arrow()), True
    if kind == "pyarrow":
        return _wall_times(table), True
    if kind == "pyarrow.RecordBatch" and any(
            getattr(f.type, "tz", None) is not None or _is_list(f.type) for f in table.schema):
        import pyarrow as pa

        return _wall_times(pa.Table.from_batches([table])), True
    return table, True


class _Capsules:
    """Holds an exported (schema, array) capsule pair for pyarrow to import."""

    __slots__ = ("_pair",)

    def __init__(self, pair: tuple[Any, Any]) -> None:
        self._pair = pair

    def __arrow_c_array__(self, requested_schema: Any = None) -> tuple[Any, Any]:
        return self._pair


def _record_batch(pair: tuple[Any, Any]) -> Any:
    import pyarrow as pa

    return pa.record_batch(_Capsules(pair))


def _one_batch(table: Any) -> Any:
    """A pyarrow Table as one RecordBatch (keeping the schema when empty)."""
    import pyarrow as pa

    if table.num_rows == 0:
        return pa.RecordBatch.from_pylist([], schema=table.schema)
    return table.combine_chunks().to_batches()[0]


def _categorical(column: Any, minus_one_under_nulls: bool = False) -> Any:
    """A pyarrow dictionary array as a pandas Categorical.

    pyarrow's own conversion copies and range-checks the codes of every
    column (about 1 ms a million rows, 2.5 ms with nulls); the codes kcbx
    builds are in range by construction, so they are only copied (a byte a
    row): Arrow's buffers are read-only, and a result the analyst cannot
    write into (``result.loc[i, "status"] = ...``) would be a surprise.
    Under a null kcbx writes 0, which other Arrow readers expect, and a
    column with nulls gets a copy with -1 there; unless
    ``minus_one_under_nulls`` (a result kcbx made for pandas, whose codes
    are -1 there already).
    """
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    idx = column.indices
    if column.null_count and not minus_one_under_nulls:
        idx = pc.fill_null(idx, -1)
    codes = np.frombuffer(idx.buffers()[1], dtype=idx.type.to_pandas_dtype())[idx.offset : idx.offset + len(idx)].copy()
    labels = column.dictionary
    # An empty dictionary (a column of nulls only): pyarrow's categories
    # are of object dtype then.
    categories = pd.Index(labels.to_pandas()) if len(labels) else pd.Index([], dtype=object)
    dtype = pd.CategoricalDtype(categories, ordered=column.type.ordered)
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _to_pandas(batch: Any, minus_one_under_nulls: bool = False) -> Any:
    """A pyarrow RecordBatch as a pandas DataFrame: dictionaries as
    categoricals, date32 as Arrow-backed dates (no datetime64 round trip).
    ``minus_one_under_nulls``: see _categorical."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    dates = pd.ArrowDtype(pa.date32())
    names = batch.schema.names
    # kcbx writes signed codes (fill_null(-1) needs a signed type); any
    # other column goes through pyarrow's own conversion.
    dictionaries = [pa.types.is_dictionary(t) and pa.types.is_signed_integer(t.index_type) for t in batch.schema.types]
    pandas_metadata = bool(batch.schema.metadata) and b"pandas" in batch.schema.metadata
    if batch.num_rows == 0 or not any(dictionaries) or len(set(names)) != len(names) or pandas_metadata:
        return batch.to_pandas(types_mapper={pa.date32(): dates}.get)

    def column(i: int) -> Any:
        c = batch.column(i)
        if dictionaries[i]:
            return _categorical(c, minus_one_under_nulls)
        # A types_mapper on a single array would also turn strings into
        # Python objects; the batch path above keeps pandas' own string type.
        if c.type == pa.date32():
            return pd.arrays.ArrowExtensionArray(c)
        # Whole numbers with a missing value stay whole (int64[pyarrow]):
        # numpy has no null integer, and pyarrow's conversion would give
        # float64 (30.0 and NaN) for some calls and int64 for others.
        if pa.types.is_integer(c.type) and c.null_count:
            return pd.arrays.ArrowExtensionArray(c)
        out = c.to_pandas()
        # Numbers shared with Arrow's read-only buffers: copied, so that the
        # result can be written into as any DataFrame.
        values = getattr(out, "values", None)
        if isinstance(values, np.ndarray) and not values.flags.writeable:
            out = out.copy()
        return out

    return pd.DataFrame({name: column(i) for i, name in enumerate(names)}, copy=False)


def _accepted_index(index: Any, rejects: Any) -> Any:
    """The pandas index labels of the accepted rows: ``index`` without the
    rejects' rows (0-based positions), in order."""
    if rejects.num_rows == 0:
        return index
    import numpy as np

    keep = np.ones(len(index), dtype=bool)
    keep[rejects.column("row").to_numpy()] = False
    return index[keep]


def _labelled(out: Any, rej_out: Any, index: Any, rejects: Any) -> None:
    """Gives pandas results the input's index labels: ``out`` (the accepted
    rows, in input order) those of its rows, ``rej_out`` (or None) those of
    the rejected rows, so that ``df.join(result)`` and ``df.loc[rejects.index]``
    pair each row with its own child."""
    if index is None:
        return
    out.index = _accepted_index(index, rejects)
    if rej_out is not None and rejects.num_rows:
        rej_out.index = index[rejects.column("row").to_numpy()]


def _to_kind(batch: Any, kind: str, minus_one_under_nulls: bool = False) -> Any:
    """A pyarrow RecordBatch as the caller's kind of table
    (``minus_one_under_nulls``: see _categorical)."""
    import pyarrow as pa

    if kind == "pandas":
        return _to_pandas(batch, minus_one_under_nulls)
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(batch)
    if kind == "pyarrow.RecordBatch":
        return batch
    return pa.Table.from_batches([batch])


def _cell(value: Any) -> str:
    """A Python value as the text cell kcbx parses (as in a CSV file)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    # pandas' missing values first: NaT is a datetime subclass, so the
    # datetime branch below would read it as a day.
    if type(value).__name__ in ("NaTType", "NAType"):
        return ""
    if type(value).__name__ in ("bool", "bool_"):
        return "true" if value else "false"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if _math.isnan(value):
            return ""
        return repr(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return ";".join(_cell(v) for v in value)
    if type(value).__name__ == "datetime64":
        return "" if str(value) == "NaT" else str(value.astype("datetime64[D]"))
    return str(value)


def _status_column(pack: Any) -> str:
    """The name of the pack's first decision table ("status" in Guizhou's)."""
    columns = _engine_for(pack).output_columns(False)
    if not columns:
        raise ValueError("status counts need a decision table; the pack has none")
    return columns[0]


def _count(result: Any, level: str, status: str) -> Any:
    """pyarrow: counts by (level, status), sorted; ``status`` names the
    first table's column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = result if isinstance(result, pa.Table) else pa.Table.from_batches([result])
    t = pa.table({
        level: pc.cast(t[level], pa.string()),
        status: pc.cast(t[status], pa.string()),
    })
    g = t.group_by([level, status]).aggregate([([], "count_all")])
    g = g.rename_columns([level, status, "count"]) if g.column_names[0] == level else \
        g.select([level, status, "count_all"]).rename_columns([level, status, "count"])
    return g.sort_by([(level, "ascending"), (status, "ascending")])


def _csv_source(obj: Any, encoding: str = "utf-8") -> tuple[str, str, str]:
    """('', '', _) for None, ('path', p, encoding) for a path, ('text', csv,
    'utf-8') for a table (kcbx writes the text)."""
    if obj is None:
        return ("", "", encoding)
    if isinstance(obj, (str, _os.PathLike)):
        return ("path", _path(_os.fspath(obj)), encoding)  # type: ignore[return-value]
    import pyarrow as pa
    import pyarrow.csv as pacsv

    kind = _kind(obj)
    if kind == "pandas":
        # Each column as classify reads it (_source), so that an object
        # column of several types (ints and text from read_excel) is its
        # text here too; numpy columns become Arrow arrays for the writer.
        columns = _source(obj, kind)[0]
        t = pa.Table.from_arrays([c if isinstance(c, (pa.Array, pa.ChunkedArray)) else pa.array(c)
                                  for _, c in columns], names=[name for name, _ in columns])
    elif kind == "polars":
        t = obj.to_arrow()
    elif kind == "mapping":
        t = pa.table({k: pa.array(v) for k, v in obj.items()})
    elif kind == "pyarrow":
        t = obj
    elif kind == "pyarrow.RecordBatch":
        t = pa.Table.from_batches([obj])
    else:
        t = pa.table(obj)
    # Timestamps as the dates kcbx reads (pyarrow writes them with their
    # time, "2019-10-05 00:00:00", which is no date), at their wall time.
    t = _wall_times(t)
    for i, field in enumerate(t.schema):
        if pa.types.is_timestamp(field.type) or pa.types.is_date64(field.type):
            t = t.set_column(i, field.name, t.column(i).cast(pa.date32()))
        elif str(field.type) in ("string_view", "binary_view"):  # which pyarrow's CSV writer does not write
            t = t.set_column(i, field.name, t.column(i).cast(pa.string()))
    buf = _io.BytesIO()
    pacsv.write_csv(t, buf, pacsv.WriteOptions(quoting_style="needed"))
    return ("text", buf.getvalue().decode("utf-8"), "utf-8")


# ---- engines per process (Dask and Spark workers) ----------------------

_ENGINES: dict[tuple[str, str, str], "Engine"] = {}
_ENGINES_LOCK = _threading.Lock()


def _engine_for(pack: Any) -> "Engine":
    """One compiled engine per pack and process, for partition functions."""
    from . import Engine

    if isinstance(pack, Engine):
        return pack
    p = _pack(pack)
    key = (p.content_hash, p.file, p.source)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _ENGINES[key] = Engine(p)
        return engine


def _empty_input(pack: RulePack) -> Any:
    """A zero-row pyarrow table with every field as text."""
    import pyarrow as pa

    return pa.table({f["name"]: pa.array([], pa.string()) for f in pack.fields})


