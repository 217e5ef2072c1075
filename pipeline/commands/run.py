"""`pipeline run INPUT... --out DIR`: the batch job (see docs/batch.md)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="process .pdf/.txt files into tables",
                       description="Process files, folders or globs of .pdf and .txt into tables in DIR: "
                                   "DIR/pipeline.duckdb plus a .csv and a .parquet per table. Only new or "
                                   "changed documents are processed again.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="file, folder or glob")
    p.add_argument("--out", required=True, metavar="DIR", help="where the tables go")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel worker processes (default: cores; with --engine dask and no "
                        "--scheduler: LocalCluster workers)")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="time limit per document; one that overruns gets status error and the batch goes on "
                        "(default: [run] timeout in the config; 0 = no limit)")
    p.add_argument("--force", action="store_true", help="redo every document, changed or not")
    p.add_argument("--prune", action="store_true", help="drop the rows of inputs no longer given")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local worker processes (default) or a Dask distributed cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster)")
    p.add_argument("--config", metavar="FILE", help="TOML overriding pipeline/data/pipeline.toml")
    p.add_argument("--ref-date", metavar="YYYY-MM-DD", help="anchor for dates when a document has no date of its own")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..engine import expand_inputs, run
    from ..store import StoreError

    if args.jobs < 1:
        print(f"error: --jobs must be at least 1 (got {args.jobs})", file=sys.stderr)
        return 2
    if args.timeout is not None and args.timeout < 0:
        print(f"error: --timeout must be 0 (no limit) or more (got {args.timeout:g})", file=sys.stderr)
        return 2
    if args.scheduler and args.engine != "dask":
        print("error: --scheduler needs --engine dask", file=sys.stderr)
        return 2
    try:
        overrides = {"dates": {"ref_date": args.ref_date}} if args.ref_date else None
        cfg = load_config(args.config, overrides)
    except (OSError, ValueError) as exc:
        print(f"error: bad config: {exc}", file=sys.stderr)
        return 2
    from ..engine import check_stages
    problem = check_stages(cfg)
    if problem:
        print(f"error: bad config: {problem}", file=sys.stderr)
        return 2
    if not expand_inputs(args.inputs)[0]:
        print("error: no .pdf or .txt input found in " + " ".join(args.inputs), file=sys.stderr)
        return 2
    if args.engine == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            print("error: --engine dask needs Dask distributed (pip install 'dask[distributed]')", file=sys.stderr)
            return 2
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        print(f"error: cannot write to {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        report = run(args.inputs, out, cfg, jobs=args.jobs, force=args.force, prune=args.prune,
                     timeout=args.timeout, engine=args.engine, scheduler=args.scheduler)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the Dask scheduler cannot be reached
        print(f"error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 2
    print(report.summary())
    return 0
