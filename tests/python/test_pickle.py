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


def test_every_pickle_protocol_round_trips() -> None:
    """Protocols 0 and 1 (and a bare __reduce__) pickle as protocol 2 does:
    pybind11's classes would otherwise be made without their C++ part,
    which aborted the interpreter."""
    engine = kcbx.Engine()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(engine, protocol=protocol)).pack.name == engine.pack.name
        assert pickle.loads(pickle.dumps(engine.pack, protocol=protocol)) == engine.pack
        d = pickle.loads(pickle.dumps(kcbx.Diagnostic("f", 1, 2, "c", "m"), protocol=protocol))
        assert (d.file, d.code) == ("f", "c")
    assert engine.__reduce__()[0] is not None


def test_a_base_in_a_parent_folder_travels_with_the_pack(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """`extends: ../base.yaml`: the pickle carries the base, and a worker in
    another folder, without the files, rebuilds the pack from it."""
    neighbour = ROOT / "examples" / "provinces" / "neighbour.yaml"
    (tmp_path / "provinces" / "child").mkdir(parents=True)
    (tmp_path / "provinces" / "neighbour.yaml").write_text(neighbour.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "provinces" / "child" / "child.yaml").write_text(
        'meta: {name: child, version: "0.1", jurisdiction: "530000", extends: ../neighbour.yaml}\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    data = pickle.dumps(kcbx.Engine("provinces/child/child.yaml"))
    (tmp_path / "provinces").rename(tmp_path / "gone")
    monkeypatch.chdir("/")
    assert pickle.loads(data).pack.name == "child"


def test_diagnostics_pickle() -> None:
    d = kcbx.Diagnostic("x.yaml", 1, 2, "c", "m", "warning")
    e = pickle.loads(pickle.dumps(d))
    assert (e.file, e.line, e.column, e.code, e.message, e.severity) == ("x.yaml", 1, 2, "c", "m", "warning")
