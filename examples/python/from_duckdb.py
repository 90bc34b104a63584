#!/usr/bin/env python3
"""Classify straight from a DuckDB query and aggregate the result in SQL.

    python3 examples/python/from_duckdb.py [--students 20000]

DuckDB relations speak the Arrow PyCapsule interface, so ``Engine.classify``
reads them without pandas and without a per-row Python object; the result
(a pyarrow Table) goes back into DuckDB by name. The same works with a
Polars DataFrame (shown at the end).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import polars as pl

import kcbx

AS_OF = "2019-11-15"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=20_000)
    a = ap.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="kcbx-duckdb-"))
    kcbx.generate(a.students, out=folder)
    csv = str(folder / "students.csv")

    con = duckdb.connect()
    # all_varchar: every cell reaches kcbx as text, parsed as the CLI parses CSV.
    students = con.sql(f"select * from read_csv('{csv}', all_varchar = true) where registry <> 'completed'")
    engine = kcbx.Engine()
    result = engine.classify(students, AS_OF, levels=["county"])  # a pyarrow.Table
    print(con.sql("""
        select county, status, count(*) as n, min(dropout_since) as first_dropout
        from result
        where status in ('dropout', 'suspected_dropout', 'out_of_school')
        group by all order by county, status
    """))

    # Polars in, Polars out.
    df = pl.read_csv(csv, infer_schema=False)
    out = engine.classify(df, AS_OF)
    print(out.group_by("status").len().sort("len", descending=True))


if __name__ == "__main__":
    main()
