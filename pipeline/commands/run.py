"""`pipeline run INPUT... --out DIR`: the batch job."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("run", help="process .pdf/.txt files into tables",
                       description="Process files, folders or globs of .pdf and .txt into tables in DIR.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="file, folder or glob")
    p.add_argument("--out", required=True, metavar="DIR", help="where the tables go")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers (default: cores)")
    p.add_argument("--force", action="store_true", help="redo every document, changed or not")
    p.add_argument("--prune", action="store_true", help="drop the rows of inputs no longer given")
    p.add_argument("--config", metavar="FILE", help="TOML overriding pipeline/data/pipeline.toml")
    p.add_argument("--ref-date", metavar="YYYY-MM-DD", help="anchor for dates when a document has no date of its own")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..engine import run

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
        overrides = {"dates": {"ref_date": args.ref_date}} if args.ref_date else None
        cfg = load_config(args.config, overrides)
    except (OSError, ValueError) as exc:
        print(f"error: bad config: {exc}", file=sys.stderr)
        return 2
    report = run(args.inputs, out, cfg, jobs=max(1, args.jobs), force=args.force, prune=args.prune)
    if report.total == 0:
        print("error: no .pdf or .txt input found", file=sys.stderr)
        return 2
    print(report.summary())
    return 0
