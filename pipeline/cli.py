"""Command line: `pipeline run`, `pipeline eval`, `pipeline bench ...`.

Each command lives in its own module with `add_parser(subparsers)`; this file only lists
them, so adding a command never means editing another command's code.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__

COMMANDS = {
    "run": "pipeline.commands.run",
    "eval": "pipeline.evaluate.cli",
    "bench": "pipeline.bench",
    "gold": "pipeline.commands.gold",
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pipeline", description="Bilingual report mining: PDFs and text in, tables out.")
    p.add_argument("--version", action="version", version=f"pipeline {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("pipeline"):
                continue  # a command whose module is not part of this build
            raise
        mod.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not getattr(args, "func", None):
        p.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
