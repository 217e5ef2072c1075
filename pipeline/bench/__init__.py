"""`pipeline bench KIND ...`: measurements on public data, one module per kind.

Each module in this package defines `add_parser(sub)` for its kind; they are found by
name, so a new benchmark is a new file and nothing else changes.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="benchmarks and agreement checks on public data")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        importlib.import_module(f"{__name__}.{info.name}").add_parser(kinds)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def main(argv: list[str] | None = None) -> int:
    from ..cli import main as cli_main
    return cli_main(["bench", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
