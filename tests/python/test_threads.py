"""One immutable engine shared by a thread pool; classify releases the GIL."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa

import kcbx
from conftest import AS_OF


def test_thread_pool_over_one_engine(engine: kcbx.Engine, students: pa.Table) -> None:
    expected = engine.classify(students, AS_OF, with_rejects=True)
    typed = kcbx.to_typed(students)
    inputs = [students, typed, students.to_pandas(), typed.to_pandas()] * 3
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda t: engine.classify(t, AS_OF, with_rejects=True), inputs))
    for t, (res, rej) in zip(inputs, results):
        if isinstance(res, pa.Table):
            assert res.equals(expected[0]) and rej.equals(expected[1])
        else:
            assert res["student_id"].tolist() == expected[0]["student_id"].to_pylist()
            assert res["status"].astype(str).tolist() == expected[0]["status"].cast(pa.string()).to_pylist()


def test_gil_released_during_classify(students: pa.Table) -> None:
    big = pa.concat_tables([students] * 20)
    big = big.set_column(0, "student_id", pa.array([f"S{i}" for i in range(big.num_rows)]))
    engine = kcbx.Engine(threads=1)
    ticks = 0
    done = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            time.sleep(0)

    t = threading.Thread(target=count)
    t.start()
    try:
        start = ticks
        engine.classify(big, AS_OF, with_rejects=True)
        moved = ticks - start
    finally:
        done.set()
        t.join()
    assert moved > 0  # the Python thread ran while C++ worked


def test_one_prepared_table_on_many_threads(engine: kcbx.Engine, students: pa.Table) -> None:
    """A prepared table is read, never written, by classify: threads share it."""
    prepared = engine.prepare(kcbx.to_typed(students))
    days = ["2019-09-10", AS_OF, "2020-03-01", "2020-06-30"] * 3
    want = {d: engine.classify(kcbx.to_typed(students), d, with_rejects=True) for d in set(days)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda d: engine.classify(prepared, d, with_rejects=True), days))
    for d, (res, rej) in zip(days, got):
        assert res.equals(want[d][0]) and rej.equals(want[d][1]), d
