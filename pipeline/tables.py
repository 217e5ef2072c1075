"""Typed rows of the tables every run writes, and the turn from rows to pandas.

Stage-specific tables (sentences, entities, dates, numbers, facts ...) register their own
row dataclass next to the code that fills them; this module holds the two that ingest
fills and the conversion that every table shares.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

import pandas as pd

from .document import Document
from .registry import TABLES, columns, table


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


def frame(name: str, records: list[dict[str, Any]]) -> pd.DataFrame:
    """A DataFrame with exactly the registered columns, in order, even when empty."""
    cols = columns(name) if name in TABLES else (list(records[0]) if records else [])
    return pd.DataFrame.from_records(records, columns=cols)
