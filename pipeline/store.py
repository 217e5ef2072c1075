"""The embedded DuckDB store and the CSV/Parquet exports written from it.

One transaction per document: its old rows out, its new rows in, its state row updated.
A crash therefore leaves every document either wholly old or wholly new, and the exports,
written after the batch to a temporary file and renamed, are never half written.
"""
from __future__ import annotations

import dataclasses
import os
import types
import typing
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .registry import TABLES, columns
from .tables import frame

STATE = "_state"
_SQL = {int: "BIGINT", float: "DOUBLE", str: "VARCHAR", bool: "BOOLEAN"}


def _sql_type(tp: Any) -> str:
    if isinstance(tp, str):  # postponed annotations
        for py, sql in ((("bool",), "BOOLEAN"), (("int",), "BIGINT"), (("float",), "DOUBLE")):
            if any(tp.replace(" ", "").split("|")[0] == p for p in py):
                return sql
        return "VARCHAR"
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _sql_type(args[0]) if args else "VARCHAR"
    return _SQL.get(tp, "VARCHAR")


def _schema(name: str) -> list[tuple[str, str]]:
    cls = TABLES[name]
    hints = typing.get_type_hints(cls)
    return [(f.name, _sql_type(hints.get(f.name, f.type))) for f in dataclasses.fields(cls)]


def _order(name: str) -> str:
    cols = columns(name)
    keys = [c for c in getattr(TABLES[name], "__order__", ()) if c in cols]
    rest = [c for c in cols if c not in keys]
    return ", ".join(f'"{c}"' for c in keys + rest)


class Store:
    """`DIR/pipeline.duckdb` plus the exports next to it."""

    def __init__(self, out_dir: str | Path):
        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.path = self.out / "pipeline.duckdb"
        self.con = duckdb.connect(str(self.path))
        self._ensure()

    def _ensure(self) -> None:
        self.con.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (doc_id VARCHAR, source VARCHAR, "
                         "content_hash VARCHAR, config_hash VARCHAR, status VARCHAR)")
        existing = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='main'").fetchall()}
        for name in sorted(TABLES):
            want = _schema(name)
            if name in existing:
                have = self.con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns "
                    "WHERE table_name=? ORDER BY ordinal_position", [name]).fetchall()
                if [(c, t) for c, t in have] == want:
                    continue
                # The schema changed with a new version: the old rows cannot be kept.
                self.con.execute(f'DROP TABLE "{name}"')
                self.con.execute(f"DELETE FROM {STATE}")
            cols = ", ".join(f'"{c}" {t}' for c, t in want)
            self.con.execute(f'CREATE TABLE "{name}" ({cols})')

    # -- incremental state ----------------------------------------------------------------
    def state(self) -> dict[str, tuple[str, str, str]]:
        """source -> (content_hash, config_hash, status) of what the store holds."""
        rows = self.con.execute(f"SELECT source, content_hash, config_hash, status FROM {STATE}").fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def write(self, source: str, content_hash: str, config_hash: str,
              tables: dict[str, list[dict[str, Any]]]) -> None:
        """Replace everything the store holds for `source` in one transaction."""
        doc = tables["documents"][0]
        doc_id, status = doc["doc_id"], doc["status"]
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            old = [r[0] for r in con.execute(f"SELECT doc_id FROM {STATE} WHERE source=?", [source]).fetchall()]
            for d in set(old) | {doc_id}:
                self._delete(d, keep_source=source)
            con.execute(f"DELETE FROM {STATE} WHERE source=?", [source])
            for name in sorted(TABLES):
                recs = tables.get(name) or []
                if not recs:
                    continue
                df = frame(name, recs)
                con.register("_incoming", df)
                con.execute(f'INSERT INTO "{name}" SELECT {", ".join(chr(34)+c+chr(34) for c in df.columns)} FROM _incoming')
                con.unregister("_incoming")
            con.execute(f"INSERT INTO {STATE} VALUES (?, ?, ?, ?, ?)",
                        [doc_id, source, content_hash, config_hash, status])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _delete(self, doc_id: str, keep_source: str) -> None:
        # The same content under two names is one document: rows go only when no other
        # source still points at them.
        others = self.con.execute(f"SELECT count(*) FROM {STATE} WHERE doc_id=? AND source<>?",
                                  [doc_id, keep_source]).fetchone()[0]
        if others:
            return
        for name in TABLES:
            self.con.execute(f'DELETE FROM "{name}" WHERE doc_id=?', [doc_id])

    def prune(self, keep_sources: set[str]) -> list[str]:
        """Drop the rows of inputs that are gone; return their sources."""
        gone = [s for s in self.state() if s not in keep_sources]
        for source in gone:
            self.con.execute("BEGIN TRANSACTION")
            did = self.con.execute(f"SELECT doc_id FROM {STATE} WHERE source=?", [source]).fetchone()[0]
            self._delete(did, keep_source=source)
            self.con.execute(f"DELETE FROM {STATE} WHERE source=?", [source])
            self.con.execute("COMMIT")
        return gone

    # -- exports ----------------------------------------------------------------------------
    def read(self, name: str) -> pd.DataFrame:
        return self.con.execute(f'SELECT * FROM "{name}" ORDER BY {_order(name)}').df()

    def export(self) -> list[Path]:
        """Write DIR/<table>.csv and .parquet for every table, atomically, rows in a fixed order."""
        written = []
        for name in sorted(TABLES):
            df = self.read(name)
            for ext in ("csv", "parquet"):
                final = self.out / f"{name}.{ext}"
                tmp = self.out / f".{name}.{ext}.tmp"
                if ext == "csv":
                    df.to_csv(tmp, index=False, encoding="utf-8")
                else:
                    df.to_parquet(tmp, index=False)
                os.replace(tmp, final)
                written.append(final)
        return written

    def close(self) -> None:
        self.con.close()
