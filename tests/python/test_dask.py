"""kcbx.dask on a two-process LocalCluster equals single-process results."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

import kcbx
import kcbx.dask
from conftest import AS_OF, ONE_REGISTRY_PER_PERSON, one_registry_frame

pytestmark = pytest.mark.dask
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():  # noqa: ANN201
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None,
                                       worker_dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def frame(students: pa.Table) -> pd.DataFrame:
    df = students.to_pandas()
    df.loc[5, "birth_date"] = "2010-02-30"          # one reject
    return df


def test_classify_equals_single_process(client, frame: pd.DataFrame,  # noqa: ANN001
                                        engine: kcbx.Engine) -> None:
    ddf = dd.from_pandas(frame, npartitions=4)
    expected = engine.classify(frame, AS_OF, with_rejects=True, levels=["county"])[0]
    lazy = kcbx.dask.classify(ddf, engine.pack, AS_OF, levels=["county"])
    got = lazy.compute()
    # Each row keeps its input row's label: the divisions hold, and .loc
    # and joins find the right child.
    assert list(got.index) == list(expected.index) and 5 not in got.index
    last = frame.index[-1]
    assert lazy.loc[last].compute()["student_id"].tolist() == [frame.loc[last, "student_id"]]
    joined = ddf.join(lazy[["status"]]).compute()
    assert joined["status"].isna().sum() == 1
    got = got.reset_index(drop=True)
    expected = expected.reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert isinstance(got["status"].dtype, pd.CategoricalDtype)
    for c in expected.columns:
        assert got[c].astype(str).tolist() == expected[c].astype(str).tolist(), c


def test_rejects_and_counts(client, frame: pd.DataFrame, engine: kcbx.Engine) -> None:  # noqa: ANN001
    ddf = dd.from_pandas(frame, npartitions=4)
    rej = kcbx.dask.rejects(ddf, kcbx.Engine(threads=1), AS_OF).compute()  # an Engine travels as it is
    assert rej["student_id"].tolist() == [frame.loc[5, "student_id"]]
    assert rej["partition"].tolist() == [0] and rej["row"].tolist() == [5] and list(rej.index) == [5]
    counts = kcbx.dask.status_counts(ddf, engine.pack, AS_OF, "county").compute()
    counts = counts.sort_values(["county", "status"]).reset_index(drop=True)
    expected = engine.status_counts(frame, AS_OF, "county")
    assert counts.astype(str).values.tolist() == expected.astype(str).values.tolist()


def test_counts_keep_children_without_a_school(client, frame: pd.DataFrame,  # noqa: ANN001
                                               engine: kcbx.Engine) -> None:
    """A child with no school (out of school, the children the policy is
    about) is counted under a null school, as Engine.status_counts counts
    it, not dropped by the grouping; totals at a level the ledgers do not
    keep is a ValueError naming those they keep."""
    df = frame.copy()
    df.loc[[1, 7], "school_id"] = None
    counts = kcbx.dask.status_counts(dd.from_pandas(df, npartitions=3), engine.pack, AS_OF, "school").compute()
    expected = engine.status_counts(df, AS_OF, "school")
    assert counts["count"].sum() == expected["count"].sum() == len(df) - 1  # one reject
    assert counts["school"].isna().sum() == expected["school"].isna().sum() > 0
    with pytest.raises(ValueError, match="no totals at level 'school'"):
        kcbx.dask.totals(dd.from_pandas(df, npartitions=2), engine.pack, AS_OF, "school")


def test_run_totals_combined(client, frame: pd.DataFrame, engine: kcbx.Engine) -> None:  # noqa: ANN001
    ddf = dd.from_pandas(frame, npartitions=3)
    got = kcbx.dask.totals(ddf, engine.pack, AS_OF, "county").compute()
    got = got.sort_values("jurisdiction").reset_index(drop=True)
    expected = engine.run(frame, AS_OF, with_cases=False).totals["county"]
    expected = expected.sort_values("jurisdiction").reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    assert got.astype(str).values.tolist() == expected.astype(str).values.tolist()


def test_counts_with_another_provinces_names(client) -> None:  # noqa: ANN001
    from test_api import MINI_PACK

    pack = kcbx.RulePack.from_string(MINI_PACK, "mini.yaml")
    frame = pd.DataFrame({"xuehao": [f"x{i}" for i in range(40)],
                          "quhua": ["530102001" if i % 3 else "530103001" for i in range(40)],
                          "xueji": ["zaiji" if i % 4 else "tuixue" for i in range(40)]})
    counts = kcbx.dask.status_counts(dd.from_pandas(frame, npartitions=3), pack, "2020-01-01").compute()
    counts = counts.sort_values(["county", "zhuangtai"]).reset_index(drop=True)
    expected = kcbx.Engine(pack).status_counts(frame, "2020-01-01")
    assert list(counts.columns) == ["county", "zhuangtai", "count"]
    assert counts.astype(str).values.tolist() == expected.astype(str).values.tolist()


def test_duplicates_compare_values_as_the_engine_does(client) -> None:  # noqa: ANN001
    engine = kcbx.Engine(kcbx.RulePack.from_string(ONE_REGISTRY_PER_PERSON, "strict.yaml"))
    df = one_registry_frame()
    _, rejects = engine.classify(df, AS_OF, with_rejects=True)
    assert sorted(rejects["row"]) == [1, 2, 4]
    ddf = dd.from_pandas(df, npartitions=3)
    keys = kcbx.dask.duplicates(ddf, engine).compute()
    assert keys.to_dict("records") == [{"student_id": "G1", "count": 2}]
    ids = kcbx.dask.duplicates(ddf, engine, field="id_number", mask=False).compute()
    assert sorted(ids.to_dict("records"), key=lambda r: r["id_number"]) == [
        {"id_number": "520102201001010026", "count": 2}, {"id_number": "52010220100101019X", "count": 2}]
    # Masked unless asked, as every output shows ID numbers.
    masked = kcbx.dask.duplicates(ddf, engine, field="id_number").compute()
    assert sorted(masked["id_number"]) == ["520102********0026", "520102********019X"]
