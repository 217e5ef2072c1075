"""Typed rows of the tables every run writes, as records and as specs.

Stage-specific tables (sentences, entities, dates, numbers, facts ...) register their own
row dataclass next to the code that fills them; this module holds the two that ingest
fills, the turn from rows to records, and each table's spec (columns, SQL types, order)
that a worker sends with its rows. No pandas here: a worker never needs it (~0.4 s of its
start-up and ~40 MB each).
"""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

from .document import Document
from .registry import TABLES, table


@table("documents")
@dataclass
class DocumentRow:
    doc_id: str
    source: str
    pages: int
    chars: int
    status: str
    message: str


@table("blocks")
@dataclass
class BlockRow:
    doc_id: str
    page: int
    block_id: int
    role: str
    lang: str
    x0: float | None
    y0: float | None
    x1: float | None
    y1: float | None
    text: str
    start: int
    end: int


def document_rows(doc: Document) -> dict[str, list[Any]]:
    """The ingest tables of one document plus whatever the stages added."""
    out: dict[str, list[Any]] = {
        "documents": [DocumentRow(doc.doc_id, doc.source, doc.pages, len(doc.text),
                                  doc.status, doc.message)],
        "blocks": [],
    }
    for b in doc.blocks:
        x0, y0, x1, y1 = (round(v, 2) for v in b.bbox) if b.bbox else (None,) * 4
        out["blocks"].append(BlockRow(doc.doc_id, b.page, b.block_id, b.role, b.lang,
                                      x0, y0, x1, y1, b.text, b.start, b.end))
    for name, rows in doc.tables.items():
        out.setdefault(name, []).extend(rows)
    return out


@lru_cache(maxsize=None)
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def to_records(rows: Iterable[Any]) -> list[dict[str, Any]]:
    """Rows as dicts. Row dataclasses hold scalars only, so a shallow copy of their fields is
    the record (dataclasses.asdict deep-copies each value: ~10x slower on a report's rows)."""
    out = []
    for r in rows:
        if dataclasses.is_dataclass(r):
            out.append({n: getattr(r, n) for n in _fields(type(r))})
        else:
            out.append(dict(r))
    return out


# -- specs: a table's columns and order as plain data ----------------------------------------
_SQL = {int: "BIGINT", float: "DOUBLE", str: "VARCHAR", bool: "BOOLEAN"}


def _sql_type(tp: Any) -> str:
    if isinstance(tp, str):  # postponed annotations
        head = tp.replace(" ", "").split("|")[0]
        return {"bool": "BOOLEAN", "int": "BIGINT", "float": "DOUBLE"}.get(head, "VARCHAR")
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _sql_type(args[0]) if args else "VARCHAR"
    return _SQL.get(tp, "VARCHAR")


_SPECS: dict[type, dict[str, Any]] = {}


def table_spec(name: str) -> dict[str, Any]:
    """Columns (name, SQL type) and sort keys of a registered table: plain data, picklable."""
    cls = TABLES[name]
    if cls not in _SPECS:
        _SPECS[cls] = _spec_of(cls)
    return _SPECS[cls]


def _spec_of(cls: type) -> dict[str, Any]:
    try:
        hints = typing.get_type_hints(cls)
    except Exception:  # an annotation that does not resolve: fall back to the raw strings
        hints = {}
    cols = [[f.name, _sql_type(hints.get(f.name, f.type))] for f in dataclasses.fields(cls)]
    names = [c for c, _ in cols]
    order = [c for c in getattr(cls, "__order__", ()) if c in names]
    return {"columns": cols, "order": order}
