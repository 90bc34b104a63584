"""Packs and engines pickle by source and recompile identically."""

from __future__ import annotations

import copy
import pickle

import pyarrow as pa

import kcbx
from conftest import AS_OF, ROOT


def test_rule_pack_round_trip(pack: kcbx.RulePack) -> None:
    state = pack.__getstate__()
    assert state[0] == 1
    assert state[1] == [(pack.file, pack.source)]
    assert state[2] == pack.file
    again = pickle.loads(pickle.dumps(pack))
    assert again == pack
    assert again.content_hash == pack.content_hash and again.file == pack.file
    assert copy.deepcopy(pack) == pack


def test_engine_round_trip_classifies_identically(students: pa.Table) -> None:
    engine = kcbx.Engine(kcbx.RulePack.load(str(ROOT / "rules" / "guizhou.yaml")), threads=1,
                         batch_rows=256)
    state = engine.__getstate__()
    assert state[0] == 1 and state[2].endswith("guizhou.yaml")
    assert state[3] == {"threads": 1, "batch_rows": 256}
    again = pickle.loads(pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL))
    assert isinstance(again, kcbx.Engine)
    assert (again.threads, again.batch_rows) == (1, 256)
    assert again.pack == engine.pack
    a = engine.classify(students, AS_OF, with_rejects=True)
    b = again.classify(students, AS_OF, with_rejects=True)
    assert a[0].equals(b[0]) and a[1].equals(b[1])


def test_extended_pack_round_trip(tmp_path) -> None:  # noqa: ANN001
    neighbour = ROOT / "examples" / "provinces" / "neighbour.yaml"
    if not neighbour.exists():
        import pytest

        pytest.skip("no example province pack")
    pack = kcbx.RulePack.load(str(neighbour))
    data = pickle.dumps(kcbx.Engine(pack))
    again = pickle.loads(data)  # from the pickled texts, not from the disk
    assert again.pack.content_hash == pack.content_hash
    assert len(again.pack.__getstate__()[1]) >= 2


def test_diagnostics_pickle() -> None:
    d = kcbx.Diagnostic("x.yaml", 1, 2, "c", "m", "warning")
    e = pickle.loads(pickle.dumps(d))
    assert (e.file, e.line, e.column, e.code, e.message, e.severity) == ("x.yaml", 1, 2, "c", "m", "warning")
