#!/usr/bin/env python3
"""Classify a synthetic province, print the county table, plot dropouts.

    python3 examples/python/classify_and_plot.py [--students 300000] [--out kcbx-example]

1. ``kcbx.generate`` writes a deterministic synthetic Guizhou sample
   (students, events, officials) — the same files as ``kcbx generate``.
2. ``Engine.classify`` gives every student a status with its rule and
   clause; ``levels=["county"]`` adds the county code.
3. ``Engine.run`` computes the ledgers and indicators; the county table
   shows the status counts beside the consolidation rate (T3).
4. A bar chart of dropouts by county is saved as a PNG (matplotlib, Agg).
"""

from __future__ import annotations

import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import kcbx  # noqa: E402

AS_OF = "2019-11-15"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=300_000)
    ap.add_argument("--out", default="kcbx-example")
    a = ap.parse_args()

    sample = kcbx.generate(a.students, seed=1, as_of=AS_OF, out=a.out, kind="pandas")
    engine = kcbx.Engine()  # the embedded Guizhou pack

    result, rejects = engine.classify(sample.students, AS_OF, levels=["county"], with_rejects=True)
    print(f"{len(result):,} students classified, {len(rejects):,} rejected, as of {AS_OF}")

    # Status counts per county, beside the county's consolidation rate.
    counts = pd.crosstab(result["county"], result["status"]).reindex(
        columns=result["status"].cat.categories, fill_value=0)
    report = engine.run(sample.students, AS_OF, events=sample.events, officials=sample.officials,
                        with_cases=False)
    ind = report.indicators
    rate = ind[(ind["level"] == "county") & (ind["indicator"] == "consolidation_rate")]
    table = counts.join(rate.set_index("jurisdiction")[["value", "result"]]
                        .rename(columns={"value": "consolidation_rate", "result": "T3"}))
    pd.set_option("display.width", 160)
    print(table.to_string())

    # Dropouts by county.
    dropouts = counts["dropout"].sort_values(ascending=False)
    fig, ax = plt.subplots(figsize=(max(6, len(dropouts) * 0.6), 4))
    dropouts.plot.bar(ax=ax, color="#b03a2e", rot=0)
    ax.set_xlabel("county (GB/T 2260 code)")
    ax.set_ylabel("dropouts")
    ax.set_title(f"Dropouts by county\nas of {AS_OF}, {a.students:,} synthetic students")
    fig.tight_layout()
    png = os.path.join(a.out, "dropouts_by_county.png")
    fig.savefig(png, dpi=120)
    print(f"chart: {png}")


if __name__ == "__main__":
    main()
