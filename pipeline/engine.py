"""Running the pipeline over many documents: the per-document work and where it runs.

`process(source, config)` is everything that happens to one document and returns plain
records, so it can run in this process, in a worker process or on a Dask worker alike.
The parent alone writes to the store, one document per transaction.

Local runs use long-lived worker processes (not a ProcessPoolExecutor): each loads the
models once, and one that overruns the time limit or dies is killed and replaced while the
batch goes on. The parent stays light: it hashes files, talks to DuckDB and never imports
the stage modules, so a run with nothing to do starts no worker and loads no model.
"""
from __future__ import annotations

import gc
import glob
import hashlib
import importlib
import json
import multiprocessing
import os
import signal
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from functools import lru_cache
from multiprocessing.connection import wait as mp_wait
from pathlib import Path
from typing import Any, Callable, Iterator

from . import __version__, ingest
from .config import config_hash
from .document import Document
from .registry import STAGES, TABLES, load_stage
from .tables import document_rows, table_spec, to_records

_PIPELINES: dict[str, list[tuple[str, Callable[[Document], None]]]] = {}


def _factory(name: str):
    """A stage by its registered name, or `module:name` for a stage of the user's own module
    (imported in every worker, so it must be importable there too)."""
    if ":" in name:
        module, _, registered = name.partition(":")
        importlib.import_module(module)
        if registered not in STAGES:
            raise KeyError(f"module {module} did not register stage {registered!r}")
        return STAGES[registered]
    return load_stage(name)


def check_stages(cfg: dict[str, Any]) -> str | None:
    """Why the configured stage list cannot run (unknown name, module missing), else None."""
    for name in cfg.get("pipeline", {}).get("stages", []):
        try:
            _factory(name)
        except (ImportError, KeyError, ValueError) as exc:
            return f"stage {name!r}: {exc}"
    return None


def build(cfg: dict[str, Any]) -> list[tuple[str, Callable[[Document], None]]]:
    """The configured stages, built once per process (models load once, not per document)."""
    key = config_hash(cfg)
    if key not in _PIPELINES:
        _PIPELINES[key] = [(name, _factory(name)(cfg)) for name in cfg["pipeline"]["stages"]]
    return _PIPELINES[key]


def analyse(doc: Document, cfg: dict[str, Any]) -> Document:
    """Run the configured stages over an ingested document; a failing stage marks it `error`."""
    if doc.status != "ok":
        return doc
    timings = doc.meta.setdefault("_seconds", {})
    for name, stage in build(cfg):
        t0 = time.perf_counter()
        try:
            stage(doc)
            timings[name] = time.perf_counter() - t0
        except Exception as exc:
            doc.status = "error"
            doc.message = f"stage {name} failed: {ingest.one_line(exc)}"
            doc.tables = {}
            break
    return doc


def process(source: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """One document from path to table records (picklable, engine-independent).

    `tables` holds every table registered in this process (empty lists included) and
    `schemas` their column specs, so the parent can store them without importing stages.
    """
    t0 = time.perf_counter()
    try:
        doc = ingest.load(source, cfg)
        doc.meta["_seconds"] = {"ingest": time.perf_counter() - t0}
        doc = analyse(doc, cfg)
    except Exception as exc:  # never let one document end the batch
        doc = _error_doc(source, ingest.one_line(exc))
    return _result(doc, time.perf_counter() - t0, {n: table_spec(n) for n in TABLES})


_FROZEN = False


def _freeze_once() -> None:
    """After a worker's first document its models and caches are loaded and live as long as
    the worker: move them out of the garbage collector's reach, so its full collections scan
    only what a document makes (~6 % of a worker's time, and less memory traffic beside a
    second worker)."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()


def process_in_worker(source: str, cfg: dict[str, Any]) -> dict[str, Any]:
    """`process` for a long-lived worker process (Dask): freezes the loaded models once."""
    res = process(source, cfg)
    _freeze_once()
    return res


def _error_doc(source: str, message: str, content_hash: str = "") -> Document:
    return Document(source=source, kind=Path(source).suffix.lower().lstrip("."),
                    content_hash=content_hash or file_hash(source) or Document.hash_bytes(source.encode()),
                    status="error", message=message)


def _result(doc: Document, seconds: float, schemas: dict[str, Any]) -> dict[str, Any]:
    tables = {name: to_records(rows) for name, rows in document_rows(doc).items()}
    for name in schemas:
        tables.setdefault(name, [])
    return {"source": doc.source, "content_hash": doc.content_hash, "pages": doc.pages,
            "chars": len(doc.text), "status": doc.status, "seconds": seconds,
            "stage_seconds": dict(doc.meta.get("_seconds", {})),
            "tables": tables, "schemas": schemas}


def failed(source: str, message: str, content_hash: str = "") -> dict[str, Any]:
    """The record of a document whose worker hung or died: just its `error` status row."""
    doc = _error_doc(source, message, content_hash)
    return _result(doc, 0.0, {n: table_spec(n) for n in ("documents", "blocks")})


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


def file_hash(path: str) -> str:
    """sha256 of the file's bytes (the same as Document.content_hash), '' when unreadable."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


# Parts of the package that do not change what a run writes.
_NOT_OUTPUT = {"bench", "commands", "evaluate", "__pycache__", "cli.py", "__main__.py"}


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the package's code and data files: a changed stage or lexicon redoes the
    documents even when the version number did not move (editable installs, checkouts)."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if d not in _NOT_OUTPUT and not d.startswith("."))
        for fn in sorted(filenames):
            if fn in _NOT_OUTPUT or fn.startswith(".") or fn.endswith((".pyc", ".pyo")):
                continue
            path = Path(dirpath) / fn
            h.update(str(rel / fn).encode() + b"\0")
            try:
                with open(path, "rb") as fh:
                    h.update(hashlib.file_digest(fh, "sha256").digest())
            except OSError:
                continue
    return h.hexdigest()[:16]


def run_key(cfg: dict[str, Any]) -> str:
    """What a stored document must match to be kept: package version, code and the config
    minus [run] (time limit, retries: they change how a run goes, not what it writes)."""
    blob = json.dumps({"version": __version__, "code": code_fingerprint(),
                       "config": {k: v for k, v in cfg.items() if k != "run"}},
                      sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


# -- local worker processes ---------------------------------------------------------------------

def _worker_main(conn, cfg: dict[str, Any]) -> None:
    """A worker: build the stages once, then process one source per message until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        build(cfg)
    except Exception:
        pass  # process() fails the same way per document, with the message in its status row
    conn.send(("ready", os.getpid()))
    while True:
        try:
            source = conn.recv()
        except (EOFError, OSError):
            return
        if source is None:
            return
        res = process(source, cfg)
        _freeze_once()
        try:
            conn.send(("done", res))
        except (BrokenPipeError, OSError):
            return
        except Exception as exc:  # a stage produced something that does not pickle
            conn.send(("done", failed(source, f"result could not be sent: {ingest.one_line(exc)}",
                                      res.get("content_hash", ""))))


def start_method() -> str:
    """forkserver where it exists: workers start from a clean, thread-free server process,
    never from the parent with its DuckDB connection and threads (fork would copy those)."""
    methods = multiprocessing.get_all_start_methods()
    return "forkserver" if "forkserver" in methods else "spawn"


class _Worker:
    def __init__(self, ctx, cfg: dict[str, Any]):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, cfg), daemon=True)
        self.proc.start()
        child.close()
        self.born = time.monotonic()
        self.ready = False
        self.task: tuple[str, str] | None = None  # (source, content hash)
        self.since = 0.0

    def kill(self) -> None:
        try:
            if self.proc.is_alive():
                self.proc.kill()
            self.proc.join(5)
        except (OSError, ValueError):
            pass
        self.conn.close()


class LocalPool:
    """`jobs` long-lived worker processes with a per-document time limit.

    A worker that overruns `timeout` seconds on a document is killed and replaced; one
    that dies (segfault, out of memory) is replaced too; either way the document gets an
    `error` row and the batch goes on.
    """

    STARTUP_LIMIT = 300.0  # seconds a new worker may take to import and load its models

    def __init__(self, cfg: dict[str, Any], jobs: int, timeout: float | None = None, method: str | None = None):
        self.cfg, self.jobs = cfg, max(1, jobs)
        self.timeout = timeout if timeout and timeout > 0 else None
        self.ctx = multiprocessing.get_context(method or start_method())
        if self.ctx.get_start_method() == "forkserver":
            # Only light modules in the server: it idles for the whole run, and whatever it
            # imports (pandas, spaCy) would count again in the RSS of every worker.
            self.ctx.set_forkserver_preload(["pipeline.document", "pipeline.registry", "pipeline.config"])
        self.startup_seconds: list[float] = []

    def map(self, tasks: list[tuple[str, str]]) -> Iterator[dict[str, Any]]:
        """Process (source, content hash) pairs; yield each result as it arrives."""
        pending = deque(tasks)
        workers = [_Worker(self.ctx, self.cfg) for _ in range(min(self.jobs, len(pending)))]
        failed_starts = 0

        def dispatch(w: _Worker) -> None:
            if w.ready and w.task is None and pending:
                task = pending.popleft()
                try:
                    w.conn.send(task[0])
                except OSError:  # it just died: the task waits for the next worker
                    pending.appendleft(task)
                    return
                w.task, w.since = task, time.monotonic()

        try:
            while pending or any(w.task for w in workers):
                for w in workers:
                    dispatch(w)
                now = time.monotonic()
                waits = [30.0]
                for w in workers:
                    if w.task and self.timeout:
                        waits.append(w.since + self.timeout - now)
                    elif not w.ready:
                        waits.append(w.born + self.STARTUP_LIMIT - now)
                objs = {}
                for w in workers:
                    objs[w.conn] = w
                    objs[w.proc.sentinel] = w
                ready = mp_wait(list(objs), timeout=max(0.0, min(waits)))
                replace: list[tuple[_Worker, str]] = []
                seen = set()
                for obj in ready:
                    w = objs[obj]
                    if id(w) in seen:
                        continue
                    seen.add(id(w))
                    while True:
                        try:
                            if not w.conn.poll():
                                break
                            kind, payload = w.conn.recv()
                        except (EOFError, OSError):
                            break
                        except Exception as exc:  # a result that does not unpickle here
                            if w.task:
                                (src, chash), w.task = w.task, None
                                yield failed(src, f"result could not be received: {ingest.one_line(exc)}", chash)
                            continue
                        if kind == "ready":
                            w.ready = True
                            failed_starts = 0
                            self.startup_seconds.append(time.monotonic() - w.born)
                        elif kind == "done":
                            w.task = None
                            dispatch(w)    # the worker goes on while the caller stores this result
                            yield payload
                    if not w.proc.is_alive():
                        w.proc.join(1)
                        replace.append((w, f"worker died (exit code {w.proc.exitcode})"))
                now = time.monotonic()
                for w in workers:
                    if any(w is r for r, _ in replace):
                        continue
                    if w.task and self.timeout and now - w.since > self.timeout:
                        replace.append((w, f"timed out after {self.timeout:g} s"))
                    elif not w.ready and now - w.born > self.STARTUP_LIMIT:
                        replace.append((w, ""))
                for w, why in replace:
                    w.kill()
                    if w.task:
                        yield failed(w.task[0], why, w.task[1])
                    elif not w.ready:
                        failed_starts += 1
                    i = next(i for i, x in enumerate(workers) if x is w)
                    if failed_starts >= 3:
                        # Workers cannot even start: fail what is left rather than loop forever.
                        while pending:
                            src, chash = pending.popleft()
                            yield failed(src, "worker processes failed to start", chash)
                        workers.pop(i)
                    elif pending or any(x.task for x in workers if x is not w):
                        workers[i] = _Worker(self.ctx, self.cfg)
                    else:
                        workers.pop(i)
        finally:
            for w in workers:
                try:
                    if w.proc.is_alive() and w.task is None:
                        w.conn.send(None)
                except (OSError, ValueError):
                    pass
            for w in workers:
                w.proc.join(2 if w.task is None else 0)
                w.kill()


# -- Dask -------------------------------------------------------------------------------------------

def dask_map(tasks: list[tuple[str, str]], cfg: dict[str, Any], jobs: int, timeout: float | None,
             scheduler: str | None = None, log: Callable[[str], None] = print) -> Iterator[dict[str, Any]]:
    """Run `process` on a Dask distributed cluster; results come back here to be written.

    No address: a LocalCluster of `jobs` single-threaded worker processes. At most one task
    per worker thread is in flight, so a task's time limit counts from when it starts; a
    task that overruns has its worker restarted (the only way to stop a running task).
    """
    import logging

    from distributed import Client, LocalCluster
    from distributed import wait as dask_wait

    timeout = timeout if timeout and timeout > 0 else None
    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="20s")
    else:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        pending = deque(tasks)
        running: dict[Any, tuple[str, str, float]] = {}
        while pending or running:
            slots = max(1, sum(client.nthreads().values()))
            while pending and len(running) < slots:
                src, chash = pending.popleft()
                fut = client.submit(process_in_worker, src, cfg, pure=False)
                running[fut] = (src, chash, time.monotonic())
            limit = 30.0
            if timeout:
                limit = max(0.05, min(t0 + timeout - time.monotonic() for _, _, t0 in running.values()))
            try:
                done, _ = dask_wait(list(running), timeout=limit, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = set()
            for fut in done:
                src, chash, _ = running.pop(fut)
                try:
                    yield fut.result()
                except Exception as exc:
                    yield failed(src, f"dask task failed: {ingest.one_line(exc)}", chash)
            if timeout:
                now = time.monotonic()
                late = [f for f, (_, _, t0) in running.items() if now - t0 > timeout]
                if late:
                    keys = {f.key for f in late}
                    busy = [w for w, ks in client.processing().items() if keys & set(ks)]
                    for fut in late:
                        src, chash, _ = running.pop(fut)
                        fut.cancel()
                        yield failed(src, f"timed out after {timeout:g} s", chash)
                    if busy:
                        try:
                            client.restart_workers(busy, raise_for_error=False)
                        except Exception as exc:
                            log(f"warning: could not restart dask workers {busy}: {ingest.one_line(exc)}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- the batch ---------------------------------------------------------------------------------

@dataclass
class RunReport:
    total: int = 0
    processed: int = 0
    skipped: int = 0
    pruned: int = 0
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    pages: int = 0
    chars: int = 0
    exported: bool = False
    stage_seconds: Counter = field(default_factory=Counter)  # summed over the documents processed

    def summary(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())) or "none"
        return (f"{self.total} documents ({counts}); processed {self.processed}, unchanged {self.skipped}"
                + (f", pruned {self.pruned}" if self.pruned else "") + f"; {self.seconds:.1f}s")


def _due(old, chash: str, key: str, retries: int) -> bool:
    """Whether a stored document must be processed again.

    Input statuses (empty, needs_ocr, garbled, encrypted, corrupt, unsupported) are facts
    about the file: kept until the file or the pipeline changes. `error` (a stage bug, a
    time-out, a dead worker) may be transient: retried on up to `retries` later runs.
    """
    if old is None or old.content_hash != chash or old.config_hash != key:
        return True
    return old.status == "error" and old.attempts <= retries


def run(inputs: list[str], out: str | Path, cfg: dict[str, Any], jobs: int = 1, force: bool = False,
        prune: bool = False, log: Callable[[str], None] = lambda m: print(m, file=sys.stderr),
        timeout: float | None = None, engine: str = "local", scheduler: str | None = None,
        progress: bool | None = None) -> RunReport:
    """Process the inputs into DIR's store and exports; see docs/batch.md."""
    from .store import Store

    t0 = time.perf_counter()
    run_cfg = cfg.get("run", {})
    if timeout is None:
        timeout = float(run_cfg.get("timeout", 0) or 0)
    retries = int(run_cfg.get("retry_errors", 1))
    files, missing = expand_inputs(inputs)
    for m in missing:
        log(f"warning: {m}: no .pdf or .txt file matched")
    report = RunReport(total=len(files))
    if not files:
        report.seconds = time.perf_counter() - t0
        return report
    store = Store(out)
    try:
        key = run_key(cfg)
        hashes = {f: file_hash(f) for f in files}
        if prune:
            report.pruned = len(store.prune(set(files)))
        written: set[str] = set()
        fresh: set[str] = set()  # written since the last table rebuild: never redone this run
        for _ in range(2):  # a second pass only when a table was rebuilt mid-run
            state = store.state()
            todo = [(f, hashes[f]) for f in files if f not in fresh
                    and (force or _due(state.get(f), hashes[f], key, retries))]
            force = False
            # Largest first, so the last documents to finish are short ones and no worker
            # idles while another chews on a long report (the store's order is fixed anyway).
            todo.sort(key=lambda t: (-_size(t[0]), t[0]))
            if not todo:
                break
            if not _process_all(todo, store, key, cfg, jobs, timeout, engine, scheduler, report,
                                written, fresh, log, progress):
                break
        report.skipped = report.total - len(written)
        state = store.state()
        report.statuses = Counter(state[f].status for f in files if f in state)
        if report.processed or report.pruned or not store.exports_current():
            store.export()
            report.exported = True
    finally:
        store.close()
    report.seconds = time.perf_counter() - t0
    _write_stats(Path(out), report, jobs, engine)
    return report


def _write_stats(out: Path, report: RunReport, jobs: int, engine: str) -> None:
    """DIR/last_run.json: what the last run did and where its time went (not a table)."""
    stats = {"finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "engine": engine, "jobs": jobs,
             "seconds": round(report.seconds, 3), "documents": report.total, "processed": report.processed,
             "unchanged": report.skipped, "pruned": report.pruned, "statuses": dict(sorted(report.statuses.items())),
             "pages_processed": report.pages, "chars_processed": report.chars,
             "stage_seconds": {k: round(v, 3) for k, v in report.stage_seconds.items()}}
    try:
        tmp = out / ".last_run.json.tmp"
        tmp.write_text(json.dumps(stats, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, out / "last_run.json")
    except OSError:
        pass


def _process_all(todo, store, key, cfg, jobs, timeout, engine, scheduler, report, written, fresh, log,
                 progress) -> bool:
    """Process `todo` and write each result as it arrives; True when a table was rebuilt
    mid-run (its rows of the documents written before are gone: they must be redone)."""
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm import tqdm

    bar = tqdm(total=len(todo), unit="doc", disable=not progress, file=sys.stderr, dynamic_ncols=True,
               smoothing=0.1)
    say = (lambda m: tqdm.write(m, file=sys.stderr)) if progress else log
    t_start = time.perf_counter()
    rebuilt = False
    if engine == "dask":
        results = dask_map(todo, cfg, jobs, timeout, scheduler, say)
    else:
        results = LocalPool(cfg, jobs, timeout).map(todo)
    for res in results:
        if store.ensure_tables(res.get("schemas") or {}):
            rebuilt = True
            fresh.clear()
        try:
            store.write(res["source"], res["content_hash"], key, res["tables"])
        except Exception as exc:  # rows the database refuses: the document fails, not the batch
            res = failed(res["source"], f"results could not be stored: {ingest.one_line(exc)}",
                         res["content_hash"])
            try:
                store.write(res["source"], res["content_hash"], key, res["tables"])
            except Exception as exc2:
                say(f"{res['source']}: not stored: {ingest.one_line(exc2)}")
                bar.update(1)
                continue
        written.add(res["source"])
        fresh.add(res["source"])
        report.processed += 1
        report.pages += res["pages"]
        report.chars += res["chars"]
        report.stage_seconds.update(res.get("stage_seconds") or {})
        report.statuses[res["status"]] += 1
        if res["status"] != "ok":
            row = res["tables"]["documents"][0]
            say(f"{res['source']}: {res['status']}: {row['message']}")
        bar.update(1)
        bar.set_postfix_str(f"{report.pages / max(time.perf_counter() - t_start, 1e-9):.1f} pages/s", refresh=False)
    bar.close()
    return rebuilt
