"""kcbx — 控辍保学 (compulsory-education dropout control) as YAML rule packs.

The C++ engine, from Python. Tables go in and come back as the same kind of
table: pandas, Polars, pyarrow, or anything speaking the Arrow PyCapsule
interface (DuckDB, nanoarrow, ... — those get a ``pyarrow.Table`` back)::

    import kcbx
    engine = kcbx.Engine()                       # the embedded Guizhou pack
    result = engine.classify(df, "2019-10-15")   # student_id, status, rule, clause, ...
    result, rejects = engine.classify(df, "2019-10-15", with_rejects=True)
    engine.explain({"student_id": "G1", "registry": "enrolled",
                    "birth_date": "2010-03-01", "last_attended": "2019-09-01"},
                   "2019-10-10")["decisions"][0]["value"]    # 'dropout'

Columns are matched to the pack's fields by name or Chinese alias (学籍号,
学籍状态, ...). Typed columns (bool, integers, floats, dates, datetimes,
categoricals) are read straight from their buffers (a timezone-aware
datetime from pandas, Polars, pyarrow or a mapping is the day in its own
time zone, 2019-10-05 00:30+08:00 is 5 October, in every method; other
Arrow sources give the day in UTC); text columns are parsed
exactly as the ``kcbx classify`` command parses CSV cells. A row that cannot
be used is never dropped silently: it is a reject with its row position
(0-based) and reason.
"""

from __future__ import annotations

import os as _os
import warnings as _warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import _kcbx
from ._convert import (_as_of_text, _cell, _count, _csv_source, _kind, _labelled, _levels, _one_batch, _pack, _path,
                       _record_batch, _source, _status_column, _text, _to_kind)
from ._kcbx import Diagnostic, RulePack, RulesError

__version__: str = _kcbx.__version__


def _reduce_ex(self: Any, protocol: int = 2) -> Any:
    """What pickle protocol 2 saves, for every protocol: pybind11's classes
    pickle by __getstate__/__setstate__, and protocols 0 and 1 (and a bare
    __reduce__) would make the object without its C++ part, which aborts
    the interpreter."""
    import copyreg

    return (copyreg.__newobj__, (type(self),), self.__getstate__())


def _reduce(self: Any) -> Any:
    return _reduce_ex(self)


for _cls in (_kcbx.RulePack, _kcbx.Diagnostic, _kcbx.Engine):
    _cls.__reduce_ex__ = _reduce_ex  # type: ignore[method-assign,assignment]
    _cls.__reduce__ = _reduce  # type: ignore[method-assign,assignment]

__all__ = [
    "Cases",
    "Transfer",
    "Diagnostic",
    "Engine",
    "PreparedTable",
    "RejectedRowsWarning",
    "Report",
    "RulePack",
    "RulesError",
    "Sample",
    "__version__",
    "generate",
    "kept_memory_bytes",
    "read_csv",
    "release_memory",
    "to_typed",
]


class RejectedRowsWarning(UserWarning):
    """Rows were rejected and the caller did not ask for them.

    Issued by :meth:`Engine.classify` without ``with_rejects=True`` when
    some rows could not be used, so that none disappears unnoticed.
    """


# ---- the engine ----------------------------------------------------------


def _table_kind(table: Any) -> str:
    """_kind, and a PreparedTable's kind: the table's it was made from."""
    if isinstance(table, PreparedTable):
        return table._kind
    return _kind(table)


@dataclass(frozen=True)
class Cases:
    """The result of :meth:`Engine.cases`, each a table of the input's kind.

    ``cases``: one row per case (open and closed): the key (student_id), status,
    opened, closed, closed_on, stage, stage_alias, clause, next_action,
    role, role_alias, person, phone, due, days_overdue, escalation.
    ``accountability``: one row per lapsed duty: the key, stage, clause,
    due, done_on, days_late, role, role_alias, person, post (the lapsed
    post's jurisdiction), supervisors.
    ``rejects``: file ('students', 'events', 'officials'), row, the key,
    column, reason.
    """

    cases: Any
    accountability: Any
    rejects: Any


@dataclass(frozen=True)
class Transfer:
    """The result of :meth:`Engine.transfer` (SPEC S1), as ``kcbx transfer``.

    ``rows``: one row per grade-6 pupil, in the roster's order: the key
    (student_id), name, sending_school, planned_school, registered_school,
    registered_on, outcome (``registered``, ``late``,
    ``registered_elsewhere``, ``lost``, ``pending``), matched_by,
    notify_due, notify_overdue_days, notify_clause (S1.4), inspection_due,
    inspection_clause (S1.5); with officials, responsible and lost_clause
    (S1.6). The command lists the ``registered`` rows only
    with ``--all``; filter on ``outcome`` for its default.
    ``rejects``: file ('grade6', 'grade7', 'students', 'officials'), row,
    the key, column, reason.
    ``summary``: grade6_read, grade6_rejected, grade7_read, grade7_rejected
    (each file's read = accepted + rejected). ``notes``: columns nothing
    reads, and a grade-7 file without registration dates.
    """

    rows: Any
    rejects: Any
    summary: dict[str, int]
    notes: list[str]


class PreparedTable:
    """A table converted and checked once by :meth:`Engine.prepare`.

    :meth:`Engine.classify` and :meth:`Engine.status_counts` take it in
    place of the table and skip the conversion and the checks, which are
    most of a call on a fresh table: classifying one table on many days
    (every what-if of a report date) costs the rules alone after the first.
    The results and rejects are those of the table itself, and of the kind
    it was (pandas, Polars, pyarrow).

    ``read``: the table's rows; ``accepted``: those whose cells passed the
    field checks (types, formats, required and unique fields); ``rejects``:
    the others (row, the key, column, reason). The pack's record checks
    (``checks:``, such as a birth date that is not the ID number's) run with
    the rules, on each classify: its rejects may list more rows, and its
    result fewer, than ``accepted``.

    It holds the table's buffers: changing the table afterwards (pandas
    lets one write into a column in place) does not reach it; prepare the
    table again. It belongs to the engine's rule pack (another pack's
    engine refuses it with a ValueError), and does not pickle.
    """

    __slots__ = ("_prepared", "_kind", "_rejects", "_index")

    def __init__(self, prepared: Any, kind: str, rejects: Any, index: Any = None) -> None:
        self._prepared = prepared
        self._kind = kind
        self._rejects = rejects
        self._index = index  # a pandas table's index: its results keep the labels

    @property
    def read(self) -> int:
        return int(self._prepared.read)

    @property
    def accepted(self) -> int:
        return int(self._prepared.rows)

    @property
    def rejects(self) -> Any:
        out = _to_kind(self._rejects, self._kind)
        if self._index is not None and self._rejects.num_rows:
            out.index = self._index[self._rejects.column("row").to_numpy()]
        return out

    def __len__(self) -> int:
        return self.read

    def __reduce__(self) -> Any:
        raise TypeError("a PreparedTable does not pickle: it holds the table's buffers; "
                        "pickle the table and prepare it again")

    def __repr__(self) -> str:
        return f"<kcbx.PreparedTable {self._kind}, {self.read} rows, {self.accepted} accepted>"


class Engine(_kcbx.Engine):
    """A rule pack compiled for evaluation.

    ``Engine(pack=None, threads=0, batch_rows=1024)``: ``pack`` is a
    :class:`RulePack`, a path to a pack file, an embedded pack's name, or
    None for the embedded Guizhou pack. ``threads=0`` uses every core.
    ``batch_rows``: records evaluated at a time (0: the default, 1024);
    ValueError when negative.

    Immutable and thread-safe: share one engine between threads (calls
    release the GIL) and processes (it pickles as its pack's source text
    and options, and is recompiled on unpickling).
    """

    def __init__(self, pack: RulePack | str | _os.PathLike[str] | None = None,
                 threads: int = 0, batch_rows: int = 1024) -> None:
        if batch_rows < 0:
            raise ValueError("batch_rows must be >= 0 (0: the default, 1024)")
        super().__init__(_pack(pack), threads, batch_rows)

    def __repr__(self) -> str:
        return f"<kcbx.Engine {self.pack.id} threads={self.threads}>"

    def classify(self, table: Any, as_of: Any, *, with_rejects: bool = False,
                 levels: Sequence[str] = (), all_tables: bool = True, outputs: bool = True,
                 mask: bool = True) -> Any:
        """Classifies every record of ``table`` on ``as_of``.

        ``table``: a pandas or Polars DataFrame, a pyarrow Table or
        RecordBatch, a mapping of column name to numpy array, or any object
        with ``__arrow_c_stream__``/``__arrow_c_array__``; or a
        :class:`PreparedTable` from :meth:`prepare`, converted and checked
        once for classifying on many days.

        Returns a table of the same kind (pyarrow Table for a mapping or a
        generic Arrow object) with one row per accepted record, in input
        order; a pandas result keeps the input's index labels of those rows
        (and pandas rejects those of theirs), so ``df.join(result)`` pairs
        every child with its own status: the key column (student_id), then for each decision table
        its value, rule and clause (``status``, ``rule``, ``clause``,
        ``eligible_aid``, ...) as categoricals, then the pack's outputs
        (``age`` int64, ``suspected_since``/``dropout_since`` date32; a
        whole-number output with a missing value is ``int64[pyarrow]``), then
        one column per name in ``levels`` (a jurisdiction key such as
        ``county``). In pandas, dates are ``date32[pyarrow]``.

        ``all_tables=False`` keeps the first table (the status) only and
        ``outputs=False`` leaves out the outputs; with both the engine runs
        its status-only program, which computes nothing else.

        An ID number inside a key (a student number written as "G" + the
        ID number) is masked in the result and the rejects, as the command
        shows it; ``mask=False`` (the command's ``--no-mask``) leaves the
        result's keys as they are (rejects stay masked).

        With ``with_rejects=True`` returns ``(result, rejects)``; rejects is
        a table of the same kind with row (0-based position in ``table``),
        the key (named after the pack's key field, ``student_id`` in the
        Guizhou pack), column and reason. Without it, rejected rows raise a
        :class:`RejectedRowsWarning`.

        Raises :class:`RulesError` (a ValueError) when a required column is
        missing or two columns name one field, TypeError when a column's
        type cannot hold its field (naming the column), ValueError for a
        bad ``as_of``. The GIL is released while the engine runs.
        """
        kind = _table_kind(table)
        # A result bound for pandas keeps its codes -1 under nulls, as
        # pandas' categoricals have them (the batch is not seen elsewhere).
        for_pandas = kind == "pandas"
        res, rej = self._classify_arrow(table, kind, as_of, levels, all_tables=all_tables, outputs=outputs,
                                        pandas_codes=for_pandas, mask=mask)
        out = _to_kind(res, kind, minus_one_under_nulls=for_pandas)
        rej_out = _to_kind(rej, kind) if with_rejects else None
        if for_pandas:
            _labelled(out, rej_out, table._index if isinstance(table, PreparedTable) else table.index, rej)
        if with_rejects:
            return out, rej_out
        if rej.num_rows:
            _warnings.warn(
                f"{rej.num_rows} rows were rejected and are not in the result; "
                "pass with_rejects=True to get them with their reasons",
                RejectedRowsWarning, stacklevel=2)
        return out

    def _classify_arrow(self, table: Any, kind: str, as_of: Any,
                        levels: Sequence[str] = (), *, all_tables: bool = True,
                        outputs: bool = True, pandas_codes: bool = False,
                        mask: bool = True) -> tuple[Any, Any]:
        """(result, rejects) as pyarrow RecordBatches; ``pandas_codes``:
        the result's dictionary codes are -1 under nulls (for _to_pandas
        only: other Arrow readers may look codes up under nulls)."""
        if isinstance(table, PreparedTable):
            result, rejects, _read, _notes = self._classify_prepared(
                table._prepared, _as_of_text(as_of), _levels(levels), bool(all_tables), bool(outputs),
                bool(pandas_codes), bool(mask))
            return _record_batch(result), _record_batch(rejects)
        source, whole = _source(table, kind)
        result, rejects, _read, _notes = self._classify(source, whole, _as_of_text(as_of),
                                                        _levels(levels), bool(all_tables), bool(outputs),
                                                        bool(pandas_codes), bool(mask))
        return _record_batch(result), _record_batch(rejects)

    def prepare(self, table: Any) -> PreparedTable:
        """Converts and checks ``table`` once, for :meth:`classify` and
        :meth:`status_counts` to take in its place (see
        :class:`PreparedTable`). ``table``: as for :meth:`classify`.
        Raises as :meth:`classify` does for a missing or mistyped column.
        """
        kind = _kind(table)
        source, whole = _source(table, kind)
        prepared, rejects = self._prepare(source, whole)
        return PreparedTable(prepared, kind, _record_batch(rejects), table.index if kind == "pandas" else None)

    def explain(self, record: Mapping[str, Any], as_of: Any, *, format: str = "dict") -> Any:
        """Evaluates one record with a full trace.

        ``record`` maps field names (or Chinese aliases) to values: str,
        bool, int, float, date/datetime, None, or a list for set fields.
        Returns a dict (``format='dict'``): format, pack, as_of, accepted,
        rejects, decisions (table, value, alias, rule, clause,
        clause_text), tried (table, rule, clause, when, result), values
        (name, kind, value, effective_from, source) and outputs. ``'json'``
        returns the versioned JSON text and ``'text'`` a readable trace.
        ID numbers are masked in every form.
        """
        if format not in ("dict", "json", "text"):
            raise ValueError("format: expected 'dict', 'json' or 'text'")
        cells = [(_text(str(k)), _text(_cell(v))) for k, v in record.items()]
        return self._explain(cells, _as_of_text(as_of), format)

    def cases(self, students: Any, as_of: Any, *, events: Any = None, officials: Any = None,
              encoding: str = "utf-8", events_encoding: str | None = None,
              officials_encoding: str | None = None, mask: bool = True) -> Cases:
        """The pack's workflow on ``as_of``: every case, its next action, who
        must act and by when, and the accountability for lapsed deadlines.

        ``students`` is a table as for :meth:`classify`. ``events``
        (student_id, date, type, person, note) and ``officials`` (role,
        person, jurisdiction, phone) are CSV paths or tables; without
        officials no person is named. ``encoding`` applies to CSV paths;
        ``events_encoding`` and ``officials_encoding`` (default: ``encoding``)
        to those files alone, as the command's ``--events-encoding``.
        Returns a :class:`Cases` of tables of the students' kind. ID
        numbers inside keys are masked unless ``mask=False`` (the command's
        ``--no-mask``; rejects stay masked).
        """
        kind = _kind(students)
        source, whole = _source(students, kind)
        c, a, r = self._cases(source, whole, _csv_source(events, events_encoding or encoding),
                              _csv_source(officials, officials_encoding or encoding), _as_of_text(as_of),
                              bool(mask))
        out_kind = kind if kind in ("pandas", "polars", "pyarrow.RecordBatch") else "pyarrow"
        return Cases(*(_to_kind(_record_batch(x), out_kind) for x in (c, a, r)))

    def transfer(self, grade6: Any, grade7: Any, registration_deadline: Any, as_of: Any, *,
                 term_start: Any = None, officials: Any = None, students: Any = None,
                 encoding: str = "utf-8", grade7_encoding: str | None = None,
                 mask: bool = True) -> Transfer:
        """The grade 6 -> 7 whole-class transfer (S1) on ``as_of``, as
        ``kcbx transfer``: who registered at the planned junior school, late,
        elsewhere, or is lost, with the notification (S1.4) and inspection
        (S1.5) due dates from the pack.

        ``grade6`` (key or ID number, name, school_id, receiving_school) and
        ``grade7`` (key or ID number, school_id, registered_on) are CSV paths
        or tables. ``encoding`` applies to paths; ``grade7_encoding``
        (default: ``encoding``) to the grade-7 file alone. ``term_start``
        (default: the registration deadline) starts S1.5's days. With
        ``officials`` (a roster) each lost pupil's row names who its return
        falls to (S1.6): the pack's ``transfer.school_roles`` at both schools
        and its ``local_roles`` for the pupil's home, read off the pupil's
        record in ``students`` (columns ``responsible`` and ``lost_clause``,
        as the command's ``--officials --students``). A table's
        rejects are numbered by 0-based position, a file's by line. ID
        numbers are masked unless ``mask=False`` (rejects stay masked).
        Returns a :class:`Transfer` of tables of ``grade6``'s kind (pyarrow
        for a path).
        """
        if students is not None and officials is None:
            raise ValueError("students is read for officials (S1.6: who a lost pupil's return falls to); "
                             "give both")
        kind = "pyarrow" if isinstance(grade6, (str, _os.PathLike)) else _kind(grade6)
        out_kind = kind if kind in ("pandas", "polars") else "pyarrow"
        rows, rejects, summary, notes = self._transfer(
            _csv_source(grade6, encoding), _csv_source(grade7, grade7_encoding or encoding),
            _as_of_text(registration_deadline), _as_of_text(as_of),
            "" if term_start is None else _as_of_text(term_start), _csv_source(officials, encoding),
            _csv_source(students, encoding), bool(mask))
        return Transfer(_to_kind(_record_batch(rows), out_kind), _to_kind(_record_batch(rejects), out_kind),
                        dict(summary), list(notes))

    def status_counts(self, table: Any, as_of: Any, level: str = "county") -> Any:
        """Records per jurisdiction of ``level`` and status, as a table of
        the input's kind with columns <level>, status, count (sorted). The
        status column is named after the pack's first table ("status" in
        the Guizhou pack). ``table`` may be a :class:`PreparedTable`."""
        kind = _table_kind(table)
        # No key is shown: none needs its mask.
        res, _rej = self._classify_arrow(table, kind, as_of, [level], all_tables=False, outputs=False,
                                         mask=False)
        counts = _count(res, level, _status_column(self.pack))
        if kind in ("pandas", "polars", "pyarrow.RecordBatch"):
            return _to_kind(_one_batch(counts), kind)
        return counts

    def run(self, students: Any, as_of: Any, *, events: Any = None, officials: Any = None,
            encoding: str = "utf-8", events_encoding: str | None = None,
            officials_encoding: str | None = None, calendar_days: int = 15,
            with_cases: bool = True, mask: bool = True) -> "Report":
        """The main job, as ``kcbx run``: classify every record, open and
        advance the cases, and aggregate the pack's ledgers, lists,
        indicators and report calendar per jurisdiction at every level.

        ``students``, ``events`` and ``officials`` are CSV paths or tables
        (tables are handed to the engine as CSV text, so a bad cell is a
        reject exactly as in the command). ``encoding`` applies to paths;
        ``events_encoding`` and ``officials_encoding`` (default: ``encoding``)
        to those files alone, as the command's ``--events-encoding``.
        Returns a :class:`Report` whose tables are of the students' kind
        (pyarrow for paths); ``with_cases=False`` skips ``Report.cases``.
        ID numbers are masked in every table unless ``mask=False`` (the
        command's ``--no-mask``; rejects stay masked).
        """
        kind = "pyarrow" if isinstance(students, (str, _os.PathLike)) else _kind(students)
        out_kind = kind if kind in ("pandas", "polars") else "pyarrow"
        ev_enc, of_enc = events_encoding or encoding, officials_encoding or encoding
        tables, summary = _kcbx._run(self, _csv_source(students, encoding), _csv_source(events, ev_enc),
                                     _csv_source(officials, of_enc), _as_of_text(as_of),
                                     int(calendar_days), bool(mask))
        import json

        cases = None
        if with_cases:
            if isinstance(students, (str, _os.PathLike)):
                cases = self._cases_of_file(_path(_os.fspath(students)), as_of, events,  # type: ignore[arg-type]
                                            officials, encoding, ev_enc, of_enc, mask)
            else:
                cases = self.cases(students, as_of, events=events, officials=officials,
                                   encoding=encoding, events_encoding=ev_enc,
                                   officials_encoding=of_enc, mask=mask)
        return Report(
            tables={name: _to_kind(_record_batch(caps), out_kind) for name, _h, caps in tables},
            headers={name: dict(h) for name, h, _caps in tables},
            summary=json.loads(summary),
            cases=cases,
        )


    def _cases_of_file(self, path: str, as_of: Any, events: Any, officials: Any, encoding: str,
                       events_encoding: str, officials_encoding: str, mask: bool) -> Cases:
        """cases() of a students CSV file, its rejects numbered by file line
        as the command's (and the run's) are: the records the reader cannot
        split are rejects too, and the rest are numbered by the line each
        came from."""
        import pyarrow as pa

        table_caps, unread_caps, lines_caps = _kcbx._read_csv(path, encoding)
        table, unread = _record_batch(table_caps), _record_batch(unread_caps)
        lines = _record_batch(lines_caps).column(0).to_numpy()
        c = self.cases(pa.Table.from_batches([table]), as_of, events=events, officials=officials,
                       events_encoding=events_encoding, officials_encoding=officials_encoding,
                       mask=mask)
        rej = c.rejects
        rows = rej["row"].to_numpy().copy()
        students = (rej["file"].to_numpy(zero_copy_only=False) == "students")
        rows[students] = lines[rows[students]]
        rej = rej.set_column(rej.schema.get_field_index("row"), "row", pa.array(rows, pa.int64()))
        if unread.num_rows:
            extra = pa.table({
                "file": ["students"] * unread.num_rows, "row": unread["line"],
                rej.column_names[2]: [""] * unread.num_rows,
                "column": [""] * unread.num_rows, "reason": unread["reason"]})
            rej = pa.concat_tables([rej, extra.cast(rej.schema)])
        return Cases(c.cases, c.accountability, rej)


@dataclass(frozen=True)
class Report:
    """The result of :meth:`Engine.run`.

    ``tables``: every table the run writes, by name, as ``kcbx run`` writes
    them to CSV files: ``summary``, ``indicators``, ``ledger_<level>``,
    ``totals_<level>``, the special ledgers (``ledger_poor``), the pack's
    lists (``problems``, ``responsibility``, ``closures``,
    ``accountability``, ``aid_gaps``), ``calendar`` and ``rejects``.
    ``headers``: each table's Chinese column headers (the workbook's).
    ``summary``: summary.json as a dict. ``cases``: :meth:`Engine.cases`.
    """

    tables: dict[str, Any]
    headers: dict[str, dict[str, str]]
    summary: dict[str, Any]
    cases: Cases | None

    _FIXED = ("summary", "indicators", "calendar", "rejects")

    @property
    def ledgers(self) -> dict[str, Any]:
        """Ledgers by level or special ledger name (village, ..., poor)."""
        return {k[len("ledger_"):]: v for k, v in self.tables.items() if k.startswith("ledger_")}

    @property
    def totals(self) -> dict[str, Any]:
        """Counts per jurisdiction, by level."""
        return {k[len("totals_"):]: v for k, v in self.tables.items() if k.startswith("totals_")}

    @property
    def lists(self) -> dict[str, Any]:
        """The pack's lists (problem, responsibility, closure, ...), by name."""
        return {k: v for k, v in self.tables.items()
                if k not in self._FIXED and not k.startswith(("ledger_", "totals_"))}

    @property
    def indicators(self) -> Any:
        return self.tables["indicators"]

    @property
    def rejects(self) -> Any:
        return self.tables["rejects"]

    @property
    def calendar(self) -> Any:
        return self.tables["calendar"]


# ---- data ---------------------------------------------------------------


def release_memory() -> None:
    """Returns the buffers kcbx keeps for reuse to the operating system.

    kcbx keeps its large buffers (256 KiB and up) when a call frees them, so
    that the next call reuses their pages instead of faulting in fresh ones
    (a third of a million-row ``classify``). They go back by themselves
    after 5 seconds unused, at the next kcbx call that allocates or frees a
    large buffer (a small call such as ``explain`` does not), and never exceed
    ``KCBX_BUFFER_CACHE_MB`` megabytes (environment, default 256; 0 keeps
    nothing). Call this before a long pause to shrink the process now.
    Buffers still in use (a result you hold) are not affected.
    """
    _kcbx._release_memory()


def kept_memory_bytes() -> int:
    """Bytes kcbx keeps for reuse now (see :func:`release_memory`)."""
    return int(_kcbx._kept_memory_bytes())


def read_csv(path: str | _os.PathLike[str], *, encoding: str = "utf-8", kind: str = "pyarrow",
             with_rejects: bool = False) -> Any:
    """Reads a CSV file with every column as text, as ``kcbx classify`` sees it.

    The file is split by the command's own reader (the same quoting,
    line breaks inside quotes, encodings and limits), so classifying the
    result gives exactly the command's statuses and rejects (row positions
    are 0-based there, file lines in the command). ``encoding`` may be
    ``gb18030`` for files saved by Chinese Excel. ``kind``: 'pyarrow',
    'pandas' or 'polars'.

    A record that cannot be split (an unclosed quote, bytes that are not
    text in ``encoding``, a cell over 1 MiB) or whose cell count differs
    from the header's is not in the table: with ``with_rejects=True`` the
    call returns ``(table, rejects)``, rejects having the record's file
    ``line`` (the header is line 1) and the command's ``reason``; without
    it such records raise a :class:`RejectedRowsWarning`. Raises
    ValueError for a file without a header or an unknown encoding.
    """
    if kind not in ("pyarrow", "pandas", "polars"):
        raise ValueError(f"kind must be 'pyarrow', 'pandas' or 'polars', not {kind!r}")
    table_caps, rejects_caps, _lines = _kcbx._read_csv(_path(_os.fspath(path)), encoding)
    table, rejects = _record_batch(table_caps), _record_batch(rejects_caps)
    if rejects.num_rows and not with_rejects:
        _warnings.warn(
            f"{rejects.num_rows} records of {_os.fspath(path)} could not be read and are not in the table; "
            "pass with_rejects=True to get them with their lines and reasons",
            RejectedRowsWarning, stacklevel=2)
    out = _to_kind(table, kind)
    return (out, _to_kind(rejects, kind)) if with_rejects else out


def to_typed(table: Any, pack: RulePack | None = None) -> Any:
    """Casts a text pyarrow Table to the Arrow types of the pack's fields:
    dates to date32, ints to int64, numbers to float64, bools to bool, enums
    to dictionaries; empty cells become nulls. This is the fast input path
    (no text parsing in classify). Raises pyarrow.ArrowInvalid when a cell
    does not convert: classify the text table to get per-row rejects.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = {f["name"]: f for f in _pack(pack).fields}
    aliases = {f["alias"]: f for f in fields.values() if f["alias"]}
    cols = {}
    for name in table.column_names:
        col = table[name]
        f = fields.get(name) or aliases.get(name)
        if f is None or not pa.types.is_string(col.type):
            cols[name] = col
            continue
        blank = pc.equal(pc.utf8_trim_whitespace(col), "")
        col = pc.if_else(blank, pa.scalar(None, pa.string()), col)
        t = f["type"]
        if t == "date":
            col = pc.cast(col, pa.date32())
        elif t == "int":
            col = pc.cast(col, pa.int64())
        elif t == "number":
            col = pc.cast(col, pa.float64())
        elif t == "bool":
            col = pc.cast(col, pa.bool_())
        elif t == "enum":
            col = pc.dictionary_encode(col)
        cols[name] = col
    return pa.table(cols)


@dataclass(frozen=True)
class Sample:
    """Synthetic data from :func:`generate`: three text tables."""

    students: Any
    events: Any
    officials: Any


def generate(students: int = 1000, *, seed: int = 1, as_of: Any = "2019-11-15",
             prefectures: Sequence[str] = (), province: str | None = None,
             rules: RulePack | None = None, out: str | _os.PathLike[str] | None = None,
             kind: str = "pyarrow") -> Sample:
    """A deterministic synthetic province, as ``kcbx generate`` writes it.

    The counties are real (GB/T 2260): Guizhou's unless ``province`` (the
    2-digit prefix, "53" for Yunnan) or ``rules`` (its meta.jurisdiction)
    says another; ``prefectures`` narrows them ("5301"). The records have
    the Guizhou pack's fields. The roster and events follow ``rules`` (the
    default pack without it): its roles, its workflow's stages, and events
    only for the children it opens a case for, from the day it does. A pack
    that names no jurisdiction or cannot read the records raises ValueError. Returns the students, events and officials as
    text tables of ``kind`` ('pyarrow', 'pandas' or 'polars'); with ``out``
    also writes students.csv, events.csv and officials.csv into that folder.
    The same arguments always give the same data. No real person is
    described. An unknown province or prefecture raises ValueError.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if rules is not None and province is not None:
        raise ValueError("give province or rules, not both")
    if kind not in ("pyarrow", "pandas", "polars"):
        raise ValueError(f"kind must be 'pyarrow', 'pandas' or 'polars', not {kind!r}")
    texts = _kcbx._generate(int(students), int(seed), _as_of_text(as_of), list(prefectures),
                            province or "", rules)
    if out is not None:
        _os.makedirs(out, exist_ok=True)
        for name, data in zip(("students", "events", "officials"), texts):
            with open(_os.path.join(out, name + ".csv"), "wb") as f:
                f.write(data)
    tables = []
    for data in texts:
        header = data.split(b"\n", 1)[0].decode("utf-8")
        import csv

        names = next(csv.reader([header]))
        t = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
        if kind == "pyarrow":
            tables.append(t)
        else:
            tables.append(_to_kind(_one_batch(t), kind))
    return Sample(*tables)

