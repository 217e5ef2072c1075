"""Running the pipeline over many documents: the per-document work and the local pool.

`process(source, config)` is everything that happens to one document and returns plain
records, so it can run in this process, in a worker process or on a Dask worker alike.
The parent alone writes to the store, one document per transaction.
"""
from __future__ import annotations

import glob
import os
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import ingest
from .config import config_hash
from .document import Document
from .registry import STAGE_MODULES, load_stage
from .tables import document_rows, to_records

_PIPELINES: dict[str, list[tuple[str, Callable[[Document], None]]]] = {}


def build(cfg: dict[str, Any]) -> list[tuple[str, Callable[[Document], None]]]:
    """The configured stages, built once per process (models load once, not per document)."""
    key = config_hash(cfg)
    if key not in _PIPELINES:
        stages = []
        for name in cfg["pipeline"]["stages"]:
            try:
                factory = load_stage(name)
            except (ModuleNotFoundError, KeyError):  # TEMPORARY during parallel development
                continue
            stages.append((name, factory(cfg)))
        _PIPELINES[key] = stages
    return _PIPELINES[key]


def analyse(doc: Document, cfg: dict[str, Any]) -> Document:
    """Run the configured stages over an ingested document; a failing stage marks it `error`."""
    if doc.status != "ok":
        return doc
    for name, stage in build(cfg):
        try:
            stage(doc)
        except Exception as exc:
            doc.status = "error"
            doc.message = f"stage {name} failed: {ingest.one_line(exc)}"
            doc.tables = {}
            break
    return doc


def process(source: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """One document from path to table records (picklable, engine-independent)."""
    t0 = time.perf_counter()
    try:
        doc = analyse(ingest.load(source, cfg), cfg)
    except Exception as exc:  # never let one document end the batch
        doc = Document(source=source, kind=Path(source).suffix.lstrip("."), content_hash=file_hash(source)
                       or Document.hash_bytes(source.encode()), status="error", message=ingest.one_line(exc))
    tables = {name: to_records(rows) for name, rows in document_rows(doc).items()}
    return {"source": source, "content_hash": doc.content_hash, "pages": doc.pages,
            "chars": len(doc.text), "status": doc.status, "seconds": time.perf_counter() - t0,
            "tables": tables}


def expand_inputs(inputs: list[str]) -> tuple[list[str], list[str]]:
    """Files, folders and globs to a sorted list of .pdf/.txt paths; also the inputs that matched nothing."""
    found: set[str] = set()
    missing: list[str] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            hits = [str(f) for f in sorted(p.rglob("*")) if f.is_file()
                    and f.suffix.lower() in ingest.SUFFIXES and "gold" not in f.relative_to(p).parts]
        elif p.is_file():
            hits = [str(p)]
        else:
            hits = [h for h in sorted(glob.glob(item, recursive=True)) if Path(h).is_file()]
        if not hits:
            missing.append(item)
        found.update(os.path.normpath(h) for h in hits)
    return sorted(found), missing


@dataclass
class RunReport:
    total: int = 0
    processed: int = 0
    skipped: int = 0
    pruned: int = 0
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    pages: int = 0

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "none"
        return (f"{self.total} documents ({counts}); processed {self.processed}, unchanged {self.skipped}"
                + (f", pruned {self.pruned}" if self.pruned else "") + f"; {self.seconds:.1f}s")


def file_hash(path: str) -> str:
    try:
        return Document.hash_bytes(Path(path).read_bytes())
    except OSError:
        return ""


def run(inputs: list[str], out: str | Path, cfg: dict[str, Any], jobs: int = 1, force: bool = False,
        prune: bool = False, log: Callable[[str], None] = lambda m: print(m, file=sys.stderr)) -> RunReport:
    from .store import Store

    t0 = time.perf_counter()
    files, missing = expand_inputs(inputs)
    for m in missing:
        log(f"warning: {m}: no .pdf or .txt file matched")
    store = Store(out)
    report = RunReport(total=len(files))
    try:
        chash = config_hash(cfg)
        state = store.state()
        todo = []
        for f in files:
            old = state.get(f)
            if not force and old and old[0] == file_hash(f) and old[1] == chash:
                report.skipped += 1
                report.statuses[old[2]] += 1
            else:
                todo.append(f)
        if prune:
            report.pruned = len(store.prune(set(files)))

        def done(res: dict[str, Any]) -> None:
            store.write(res["source"], res["content_hash"], chash, res["tables"])
            report.processed += 1
            report.pages += res["pages"]
            report.statuses[res["status"]] += 1
            row = res["tables"]["documents"][0]
            if res["status"] != "ok":
                log(f"{res['source']}: {res['status']}: {row['message']}")

        if jobs <= 1 or len(todo) <= 1:
            for f in todo:
                done(process(f, cfg))
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futs = {pool.submit(process, f, cfg): f for f in todo}
                for fut in as_completed(futs):
                    done(fut.result())
        store.export()
    finally:
        store.close()
    report.seconds = time.perf_counter() - t0
    return report
