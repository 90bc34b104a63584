"""Rule-pack diagnostics cross into Python with their positions."""

from __future__ import annotations

import pytest

import kcbx

GOOD_MINIMAL = """\
meta: {name: tiny, version: 0.1.0, jurisdiction: "520000"}
fields:
  student_id: {type: string, required: true, unique: true}
  registry: {type: enum, required: true, values: {enrolled: 在籍, left: 退学}}
tables:
  status:
    hit_policy: first
    values: {ok: 好, gone: 走}
    rows:
      - {id: gone, when: registry = left, then: gone, clause: X1}
      - {id: ok, then: ok, clause: X2}
"""


def test_minimal_pack_classifies() -> None:
    pack = kcbx.RulePack.from_string(GOOD_MINIMAL, "tiny.yaml")
    engine = kcbx.Engine(pack)
    import pyarrow as pa

    out = engine.classify(pa.table({"student_id": ["a", "b"], "registry": ["在籍", "left"]}), "2020-01-01")
    assert out["status"].cast(pa.string()).to_pylist() == ["ok", "gone"]


def test_error_positions() -> None:
    bad = GOOD_MINIMAL.replace("when: registry = left", "when: registri = left")
    with pytest.raises(kcbx.RulesError) as e:
        kcbx.RulePack.from_string(bad, "tiny.yaml")
    assert isinstance(e.value, ValueError)
    d = e.value.diagnostics[0]
    assert isinstance(d, kcbx.Diagnostic)
    assert d.file == "tiny.yaml"
    assert d.line == 10
    assert d.column == bad.splitlines()[9].index("registri") + 1
    assert d.severity == "error"
    assert d.code
    assert "registri" in d.message
    assert d.format().startswith(f"tiny.yaml:10:{d.column}: error: ")
    assert "tiny.yaml:10:" in str(e.value)


def test_every_problem_reported() -> None:
    bad = GOOD_MINIMAL.replace("registry = left", "registri = left").replace("then: ok", "then: okk")
    diags = kcbx.RulePack.check(bad, "tiny.yaml")
    assert len(diags) >= 2
    assert all(d.file == "tiny.yaml" and d.line > 0 for d in diags)


def test_yaml_syntax_error() -> None:
    with pytest.raises(kcbx.RulesError) as e:
        kcbx.RulePack.from_string("meta: [unclosed", "broken.yaml")
    assert e.value.diagnostics[0].line >= 1


def test_missing_file() -> None:
    with pytest.raises(kcbx.RulesError) as e:
        kcbx.RulePack.load("/nonexistent/pack.yaml")
    assert e.value.diagnostics[0].code == "cannot-read"


def test_unknown_embedded_pack() -> None:
    with pytest.raises(kcbx.RulesError):
        kcbx.RulePack.default("atlantis")


def test_diagnostic_value() -> None:
    d = kcbx.Diagnostic("x.yaml", 3, 7, "unknown-name", "unknown name 'y'")
    assert (d.file, d.line, d.column, d.code, d.message, d.severity) == (
        "x.yaml", 3, 7, "unknown-name", "unknown name 'y'", "error")
    assert str(d) == "x.yaml:3:7: error: unknown name 'y' [unknown-name]"
