"""Type stubs for kcbx (the facade) and its C++ core _kcbx."""

import datetime
import os

import numpy as np
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

__version__: str
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

# A pandas Timestamp is a datetime; a numpy datetime64 is read as its day.
_AsOf = str | datetime.date | datetime.datetime | np.datetime64

class Diagnostic:
    """A problem in a rule pack or input, with its position."""

    def __init__(
        self, file: str, line: int, column: int, code: str, message: str, severity: str = "error"
    ) -> None: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def severity(self) -> str: ...
    def format(self) -> str: ...

class RulesError(ValueError):
    """A rule pack (or input) that cannot be used; ``diagnostics`` lists why."""

    diagnostics: list[Diagnostic]

class RejectedRowsWarning(UserWarning): ...

class RulePack:
    """A validated rule pack (YAML). Immutable; pickles by its source text."""

    @staticmethod
    def load(path: str) -> RulePack: ...
    @staticmethod
    def default(name: str = "guizhou") -> RulePack: ...
    @staticmethod
    def from_string(text: str, name: str = "<string>") -> RulePack: ...
    @staticmethod
    def check(text: str, name: str = "<string>") -> list[Diagnostic]: ...
    @staticmethod
    def embedded_names() -> list[str]: ...
    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def jurisdiction(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def content_hash(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def fields(self) -> list[dict[str, Any]]: ...
    @property
    def levels(self) -> list[str]: ...
    @property
    def key(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...

@dataclass(frozen=True)
class Cases:
    cases: Any
    accountability: Any
    rejects: Any

@dataclass(frozen=True)
class Transfer:
    rows: Any
    rejects: Any
    summary: dict[str, int]
    notes: list[str]

@dataclass(frozen=True)
class Sample:
    students: Any
    events: Any
    officials: Any

class PreparedTable:
    """A table converted and checked once (Engine.prepare), for classify and status_counts."""

    def __init__(self, prepared: Any, kind: str, rejects: Any, index: Any = None) -> None: ...  # made by Engine.prepare
    @property
    def read(self) -> int: ...
    @property
    def accepted(self) -> int: ...
    @property
    def rejects(self) -> Any: ...
    def __len__(self) -> int: ...

class Engine:
    """A rule pack compiled for evaluation; immutable, thread-safe, picklable."""

    def __init__(
        self,
        pack: RulePack | str | os.PathLike[str] | None = None,
        threads: int = 0,
        batch_rows: int = 1024,
    ) -> None: ...
    @property
    def pack(self) -> RulePack: ...
    @property
    def threads(self) -> int: ...
    @property
    def batch_rows(self) -> int: ...
    def output_columns(self, all_tables: bool = True) -> list[str]: ...
    def prepare(self, table: Any) -> PreparedTable: ...
    def _classify_arrow(
        self,
        table: Any,
        kind: str,
        as_of: _AsOf,
        levels: Sequence[str] = (),
        *,
        all_tables: bool = True,
        outputs: bool = True,
        pandas_codes: bool = False,
        mask: bool = True,
    ) -> tuple[Any, Any]: ...
    @overload
    def classify(
        self,
        table: Any,
        as_of: _AsOf,
        *,
        with_rejects: Literal[False] = False,
        levels: Sequence[str] = (),
        all_tables: bool = True,
        outputs: bool = True,
        mask: bool = True,
    ) -> Any: ...
    @overload
    def classify(
        self,
        table: Any,
        as_of: _AsOf,
        *,
        with_rejects: Literal[True],
        levels: Sequence[str] = (),
        all_tables: bool = True,
        outputs: bool = True,
        mask: bool = True,
    ) -> tuple[Any, Any]: ...
    @overload
    def classify(  # with_rejects known only when run: the table, or (table, rejects)
        self,
        table: Any,
        as_of: _AsOf,
        *,
        with_rejects: bool,
        levels: Sequence[str] = (),
        all_tables: bool = True,
        outputs: bool = True,
        mask: bool = True,
    ) -> Any: ...
    @overload
    def explain(
        self, record: Mapping[str, Any], as_of: _AsOf, *, format: Literal["dict"] = "dict"
    ) -> dict[str, Any]: ...
    @overload
    def explain(self, record: Mapping[str, Any], as_of: _AsOf, *, format: Literal["json", "text"]) -> str: ...
    @overload
    def explain(self, record: Mapping[str, Any], as_of: _AsOf, *, format: str) -> dict[str, Any] | str: ...
    def cases(
        self,
        students: Any,
        as_of: _AsOf,
        *,
        events: Any = None,
        officials: Any = None,
        encoding: str = "utf-8",
        events_encoding: str | None = None,
        officials_encoding: str | None = None,
        mask: bool = True,
    ) -> Cases: ...
    def status_counts(self, table: Any, as_of: _AsOf, level: str = "county") -> Any: ...
    def transfer(
        self,
        grade6: Any,
        grade7: Any,
        registration_deadline: _AsOf,
        as_of: _AsOf,
        *,
        term_start: _AsOf | None = None,
        officials: Any = None,
        students: Any = None,
        encoding: str = "utf-8",
        grade7_encoding: str | None = None,
        mask: bool = True,
    ) -> Transfer: ...
    def run(
        self,
        students: Any,
        as_of: _AsOf,
        *,
        events: Any = None,
        officials: Any = None,
        encoding: str = "utf-8",
        events_encoding: str | None = None,
        officials_encoding: str | None = None,
        calendar_days: int = 15,
        with_cases: bool = True,
        mask: bool = True,
    ) -> Report: ...

@dataclass(frozen=True)
class Report:
    tables: dict[str, Any]
    headers: dict[str, dict[str, str]]
    summary: dict[str, Any]
    cases: Cases | None
    @property
    def ledgers(self) -> dict[str, Any]: ...
    @property
    def totals(self) -> dict[str, Any]: ...
    @property
    def lists(self) -> dict[str, Any]: ...
    @property
    def indicators(self) -> Any: ...
    @property
    def rejects(self) -> Any: ...
    @property
    def calendar(self) -> Any: ...

def release_memory() -> None: ...
def kept_memory_bytes() -> int: ...
def read_csv(
    path: str | os.PathLike[str], *, encoding: str = "utf-8", kind: str = "pyarrow", with_rejects: bool = False
) -> Any: ...
def to_typed(table: Any, pack: RulePack | None = None) -> Any: ...
def generate(
    students: int = 1000,
    *,
    seed: int = 1,
    as_of: _AsOf = "2019-11-15",
    prefectures: Sequence[str] = (),
    province: str | None = None,
    rules: RulePack | None = None,
    out: str | os.PathLike[str] | None = None,
    kind: str = "pyarrow",
) -> Sample: ...
