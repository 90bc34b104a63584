"""Engine.prepare: a table converted and checked once, classified on many days."""

from __future__ import annotations

import gc
import pickle

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import kcbx
from conftest import AS_OF

DAYS = ["2019-09-02", AS_OF, "2020-01-20", "2020-07-15"]


def troubled_frame() -> pd.DataFrame:
    """20,000 typed students (enough for the two-thread conversion) with
    rows the conversion rejects (a registry no value of the pack, a bad ID
    number, a repeated key), rows the pack's checks reject (a birth date
    that is not the ID number's), and keys holding an ID number."""
    df = kcbx.to_typed(kcbx.generate(20000, seed=11, as_of=AS_OF).students).to_pandas()
    df["registry"] = df["registry"].astype(str)
    with_id = df["id_number"].notna() & (df["id_number"].str.len() == 18)
    for i in (3, 7001):
        df.loc[i, "registry"] = "vanished"
    df.loc[15, "id_number"] = "52010220100315123X"  # a wrong check digit
    df.loc[18000, "student_id"] = df.loc[17000, "student_id"]
    checked = [i for i in (4500, 9000) if with_id[i]]
    for i in checked:
        df.loc[i, "birth_date"] = df.loc[i, "birth_date"] - pd.Timedelta(days=1)
    for i in [i for i in (5, 6, 12000, 12001) if with_id[i]][:2]:
        df.loc[i, "student_id"] = "G" + df.loc[i, "id_number"]
    return df


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return troubled_frame()


def test_a_prepared_table_classifies_as_the_table_does(engine: kcbx.Engine, frame: pd.DataFrame) -> None:
    """On every day, for every kind of table and every option, a prepared
    table gives the result and rejects its table gives."""
    kinds = [frame, pa.Table.from_pandas(frame, preserve_index=False),
             pl.from_pandas(frame)]
    for table in kinds:
        prepared = engine.prepare(table)
        for day in DAYS:
            for options in ({}, {"all_tables": False, "outputs": False}, {"levels": ["county", "school"]},
                            {"mask": False}):
                want, want_rejects = engine.classify(table, day, with_rejects=True, **options)
                got, got_rejects = engine.classify(prepared, day, with_rejects=True, **options)
                assert type(got) is type(want)
                assert got.equals(want), (type(table).__name__, day, options)
                assert got_rejects.equals(want_rejects), (type(table).__name__, day, options)
        assert engine.status_counts(prepared, AS_OF, "county").equals(
            engine.status_counts(table, AS_OF, "county"))


def test_read_is_accepted_plus_rejected(engine: kcbx.Engine, frame: pd.DataFrame) -> None:
    """The conversion's rejects are the prepared table's; the pack's checks
    (which depend on the day) reject more when it is classified."""
    prepared = engine.prepare(frame)
    assert prepared.read == len(prepared) == len(frame)
    rejects = prepared.rejects
    assert isinstance(rejects, pd.DataFrame)
    assert prepared.accepted + len(rejects) == prepared.read
    assert sorted(rejects["row"].tolist()) == [3, 15, 7001, 18000]
    assert "duplicate student_id" in rejects.set_index("row").loc[18000, "reason"]
    out, all_rejects = engine.classify(prepared, AS_OF, with_rejects=True)
    assert len(out) + len(all_rejects) == prepared.read
    assert set(rejects["row"]) < set(all_rejects["row"])
    with pytest.warns(kcbx.RejectedRowsWarning):
        engine.classify(prepared, AS_OF)
    assert "PreparedTable pandas, 20000 rows" in repr(prepared)


def test_keys_holding_id_numbers_stay_masked(engine: kcbx.Engine, frame: pd.DataFrame) -> None:
    out = engine.classify(engine.prepare(frame), AS_OF, with_rejects=True)[0]
    keys = set(out["student_id"])
    holding = frame.loc[frame["student_id"] == "G" + frame["id_number"].fillna(""), "student_id"]
    assert len(holding) >= 1
    for raw in holding:
        assert raw not in keys
        assert raw[:7] + "********" + raw[-4:] in keys


def test_the_prepared_table_outlives_its_table(engine: kcbx.Engine) -> None:
    """The prepared table holds what it borrows from the table: the table
    deleted, or changed in place, it classifies as before."""
    df = kcbx.to_typed(kcbx.generate(3000, seed=5, as_of=AS_OF).students).to_pandas()
    want = engine.classify(df, AS_OF)
    prepared = engine.prepare(df)
    df.loc[:, "poor"] = ~df["poor"]
    df.loc[:, "grade"] = 1
    assert not engine.classify(df, AS_OF).equals(want)
    del df
    gc.collect()
    pd.DataFrame({"x": ["overwrite"] * 100000})  # memory the table had may be reused
    assert engine.classify(prepared, AS_OF).equals(want)


def test_another_pack_refuses_it(engine: kcbx.Engine, frame: pd.DataFrame) -> None:
    prepared = engine.prepare(frame.head(100))
    # The same pack in another engine takes it.
    other = kcbx.Engine(kcbx.RulePack.default(), threads=1)
    assert other.classify(prepared, AS_OF, with_rejects=True)[0].equals(
        engine.classify(prepared, AS_OF, with_rejects=True)[0])
    changed = kcbx.RulePack.from_string(engine.pack.source.replace("version: ", "version: 9", 1), "changed.yaml")
    with pytest.raises(ValueError, match="prepared for another rule pack"):
        kcbx.Engine(changed).classify(prepared, AS_OF)


def test_it_does_not_pickle(engine: kcbx.Engine) -> None:
    df = kcbx.to_typed(kcbx.generate(10, seed=5, as_of=AS_OF).students).to_pandas()
    with pytest.raises(TypeError, match="does not pickle"):
        pickle.dumps(engine.prepare(df))


def test_a_missing_column_is_refused_when_prepared(engine: kcbx.Engine) -> None:
    with pytest.raises(kcbx.RulesError, match="registry"):
        engine.prepare(pd.DataFrame({"student_id": ["G1"]}))
