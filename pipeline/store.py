"""The embedded DuckDB store and the CSV/Parquet exports written from it.

One transaction per document: its old rows out, its new rows in, its state row updated.
A crash therefore leaves every document either wholly old or wholly new, and the exports,
written after the batch to a temporary file and renamed, are never half written.

The store learns each table's columns and row order from a *spec* (see `table_spec`) that
the workers send with their results, and keeps it in `_tables`: the parent process never
has to import the stage modules (and spaCy) to write or export their tables.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .tables import table_spec  # noqa: F401  (also registers documents and blocks)
from .registry import TABLES

if TYPE_CHECKING:
    import pandas as pd

STATE = "_state"
META = "_meta"
SPECS = "_tables"
EXPORT_MARK = ".export-generation"


class StoreError(Exception):
    """The store cannot be opened or written (locked by another run, unwritable, damaged)."""


def _incoming(columns: list[list[str]], recs: list[dict[str, Any]]) -> dict[str, Any]:
    """A document's rows of one table as columns DuckDB scans in place: a dict of NumPy object
    arrays, one per spec column (a missing field is NULL), cast by the INSERT to the column's
    type. Neither pandas nor Arrow: pyarrow imports pandas on its first conversion, ~0.9 s of
    the parent's CPU taken from the workers when they use every core; per row this costs the
    same as an Arrow table and ~35 % less than a pandas frame."""
    import numpy as np

    out = {}
    for name, _ in columns:
        try:   # rows made from a row dataclass have every field: a C-level lookup per value
            out[name] = np.fromiter(map(itemgetter(name), recs), dtype=object, count=len(recs))
        except KeyError:
            out[name] = np.fromiter((r.get(name) for r in recs), dtype=object, count=len(recs))
    return out


def _lit(path: Path) -> str:
    return str(path).replace("'", "''")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class DocState:
    doc_id: str
    content_hash: str
    config_hash: str
    status: str
    attempts: int


class Store:
    """`DIR/pipeline.duckdb` plus the exports next to it."""

    def __init__(self, out_dir: str | Path):
        import duckdb

        self.out = Path(out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.path = self.out / "pipeline.duckdb"
        try:
            self.con = duckdb.connect(str(self.path), config={"memory_limit": "512MB"})
        except duckdb.Error as exc:
            msg = " ".join(str(exc).split())
            if "lock" in msg.lower():
                msg = f"{self.path} is in use by another run ({msg[:200]})"
            raise StoreError(msg) from None
        self.specs: dict[str, dict[str, Any]] = {}
        self._ensure()

    # -- schema -----------------------------------------------------------------------------
    def _ensure(self) -> None:
        con = self.con
        con.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (doc_id VARCHAR, source VARCHAR, "
                    "content_hash VARCHAR, config_hash VARCHAR, status VARCHAR)")
        con.execute(f"ALTER TABLE {STATE} ADD COLUMN IF NOT EXISTS attempts INTEGER DEFAULT 1")
        con.execute(f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value BIGINT)")
        con.execute(f"INSERT OR IGNORE INTO {META} VALUES ('generation', 0)")
        con.execute(f"CREATE TABLE IF NOT EXISTS {SPECS} (name VARCHAR PRIMARY KEY, spec VARCHAR)")
        for name, spec in con.execute(f"SELECT name, spec FROM {SPECS}").fetchall():
            self.specs[name] = json.loads(spec)
        # The tables every run writes are known here without asking a worker.
        self.ensure_tables({n: table_spec(n) for n in ("documents", "blocks") if n in TABLES})

    def ensure_tables(self, specs: dict[str, dict[str, Any]]) -> list[str]:
        """Create tables not seen before; a table whose columns changed is rebuilt empty.

        Returns the names rebuilt. Their documents' state is invalidated (not deleted, so the
        old doc_ids can still be cleaned), which makes the run process them again.
        """
        rebuilt = []
        for name in sorted(specs):
            spec = specs[name]
            if self.specs.get(name) == spec:
                continue
            con = self.con
            con.execute("BEGIN TRANSACTION")
            try:
                cols = [tuple(c) for c in spec["columns"]]
                exists = con.execute("SELECT count(*) FROM information_schema.tables "
                                     "WHERE table_schema='main' AND table_name=?", [name]).fetchone()[0]
                have = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                                   "WHERE table_name=? ORDER BY ordinal_position", [name]).fetchall()
                if exists and [tuple(h) for h in have] != cols:
                    con.execute(f"DROP TABLE {_q(name)}")
                    con.execute(f"UPDATE {STATE} SET config_hash = ''")
                    rebuilt.append(name)
                    exists = False
                if not exists:
                    con.execute(f"CREATE TABLE {_q(name)} ({', '.join(f'{_q(c)} {t}' for c, t in cols)})")
                con.execute(f"INSERT OR REPLACE INTO {SPECS} VALUES (?, ?)", [name, json.dumps(spec)])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            self.specs[name] = spec
        return rebuilt

    def _spec(self, name: str) -> dict[str, Any]:
        if name not in self.specs:
            if name not in TABLES:
                raise KeyError(f"table {name!r} has no registered schema")
            self.ensure_tables({name: table_spec(name)})
        return self.specs[name]

    # -- incremental state ----------------------------------------------------------------
    def state(self) -> dict[str, DocState]:
        """source -> what the store holds for it."""
        rows = self.con.execute(
            f"SELECT source, doc_id, content_hash, config_hash, status, attempts FROM {STATE}").fetchall()
        return {r[0]: DocState(r[1], r[2], r[3], r[4], r[5] or 1) for r in rows}

    def generation(self) -> int:
        return self.con.execute(f"SELECT value FROM {META} WHERE key='generation'").fetchone()[0]

    def write(self, source: str, content_hash: str, config_hash: str,
              tables: dict[str, list[dict[str, Any]]]) -> None:
        """Replace everything the store holds for `source` in one transaction."""
        doc = tables["documents"][0]
        doc_id, status = doc["doc_id"], doc["status"]
        for name, recs in tables.items():
            if recs:
                self._spec(name)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            prev = con.execute(f"SELECT doc_id, content_hash, config_hash, status, attempts FROM {STATE} "
                               "WHERE source=?", [source]).fetchone()
            if prev and prev[0] != doc_id:
                self._delete(prev[0], source)
            # Rows of this content are replaced whichever source wrote them: identical
            # content is one document, so two names for it never duplicate its rows. Rows and
            # the state row are written in one transaction, so a doc_id the state does not
            # know has no rows: a new document skips the scans of every table.
            if con.execute(f"SELECT count(*) FROM {STATE} WHERE doc_id=?", [doc_id]).fetchone()[0]:
                for name in self.specs:
                    if name != "documents" and self._has_doc_id(name):
                        con.execute(f"DELETE FROM {_q(name)} WHERE doc_id=?", [doc_id])
            con.execute('DELETE FROM documents WHERE source=?', [source])
            con.execute(f"DELETE FROM {STATE} WHERE source=?", [source])
            for name in sorted(tables):
                recs = tables[name]
                if not recs:
                    continue
                cols = [c for c, _ in self.specs[name]["columns"]]
                con.register("_incoming", _incoming(self.specs[name]["columns"], recs))
                try:
                    con.execute(f"INSERT INTO {_q(name)} SELECT {', '.join(_q(c) for c in cols)} FROM _incoming")
                finally:
                    con.unregister("_incoming")
            attempts = 1
            if status == "error" and prev and prev[3] == "error" and prev[1] == content_hash and prev[2] == config_hash:
                attempts = (prev[4] or 1) + 1
            con.execute(f"INSERT INTO {STATE} (doc_id, source, content_hash, config_hash, status, attempts) "
                        "VALUES (?, ?, ?, ?, ?, ?)", [doc_id, source, content_hash, config_hash, status, attempts])
            con.execute(f"UPDATE {META} SET value = value + 1 WHERE key='generation'")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _has_doc_id(self, name: str) -> bool:
        return any(c == "doc_id" for c, _ in self.specs[name]["columns"])

    def _delete(self, doc_id: str, source: str) -> None:
        # The same content under two names is one document: its rows go only when no
        # other source still points at them.
        others = self.con.execute(f"SELECT count(*) FROM {STATE} WHERE doc_id=? AND source<>?",
                                  [doc_id, source]).fetchone()[0]
        if others:
            return
        for name in self.specs:
            if name != "documents" and self._has_doc_id(name):
                self.con.execute(f'DELETE FROM {_q(name)} WHERE doc_id=?', [doc_id])

    def prune(self, keep_sources: set[str]) -> list[str]:
        """Drop the rows of inputs that are gone (one transaction); return their sources."""
        gone = sorted(s for s in self.state() if s not in keep_sources)
        if not gone:
            return []
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for source in gone:
                did = con.execute(f"SELECT doc_id FROM {STATE} WHERE source=?", [source]).fetchone()[0]
                self._delete(did, source)
                con.execute("DELETE FROM documents WHERE source=?", [source])
                con.execute(f"DELETE FROM {STATE} WHERE source=?", [source])
            con.execute(f"UPDATE {META} SET value = value + 1 WHERE key='generation'")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return gone

    # -- exports ----------------------------------------------------------------------------
    def tables(self) -> list[str]:
        return sorted(self.specs)

    def _ordered(self, name: str) -> str:
        spec = self._spec(name)
        names = [c for c, _ in spec["columns"]]
        keys = spec["order"] + [c for c in names if c not in spec["order"]]
        return f"SELECT * FROM {_q(name)} ORDER BY {', '.join(_q(c) for c in keys)}"

    def read(self, name: str) -> pd.DataFrame:
        """A table in its export order."""
        return self.con.execute(self._ordered(name)).df()

    def exports_current(self) -> bool:
        """True when the export files exist and were written after the last change."""
        mark = self.out / EXPORT_MARK
        try:
            if int(mark.read_text().strip()) != self.generation():
                return False
        except (OSError, ValueError):
            return False
        return all((self.out / f"{n}.{ext}").is_file() for n in self.tables() for ext in ("csv", "parquet"))

    def export(self) -> list[Path]:
        """Write DIR/<table>.csv and .parquet for every table, atomically, rows in a fixed order.

        DuckDB writes them itself (COPY of the ordered query), streaming: memory does not
        grow with the size of the tables.
        """
        written = []
        for name in self.tables():
            query = self._ordered(name)
            for ext, fmt in (("csv", "FORMAT csv, HEADER true"), ("parquet", "FORMAT parquet")):
                final = self.out / f"{name}.{ext}"
                tmp = self.out / f".{name}.{ext}.tmp"
                self.con.execute(f"COPY ({query}) TO '{_lit(tmp)}' ({fmt})")
                os.replace(tmp, final)
                written.append(final)
        tmp = self.out / (EXPORT_MARK + ".tmp")
        tmp.write_text(f"{self.generation()}\n")
        os.replace(tmp, self.out / EXPORT_MARK)
        return written

    def close(self) -> None:
        self.con.close()
