"""`pipeline bench ingest PDF... [--repeat N]`: pages/s of our PDF ingest vs bare pdfminer.

For each PDF, in the same process and interleaved run by run (so both see the same machine
load): `pipeline.ingest.load` (character-level layout, roles, footnotes, folding, the
finalized Document) against `pdfminer.high_level.extract_text` with its default layout
analysis (plain text, no structure). Reports the median seconds and pages/s of each and
their ratio; `--write` replaces the "## Ingest" section of bench/RESULTS.md with the table
and the command that made it, leaving the other sections as they are.
"""
from __future__ import annotations

import platform
import re
import shlex
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

SECTION = "## Ingest"


def add_parser(sub) -> None:
    p = sub.add_parser("ingest", help="PDF ingest pages/s against bare pdfminer extract_text")
    p.add_argument("pdfs", nargs="+", metavar="PDF", help="PDF files to time")
    p.add_argument("--repeat", type=int, default=3, help="timed runs of each reader per file (median)")
    p.add_argument("--write", metavar="FILE", nargs="?", const="bench/RESULTS.md",
                   help="write the table into FILE's '## Ingest' section (default bench/RESULTS.md)")
    p.set_defaults(func=main)


@dataclass
class Row:
    name: str
    pages: int
    status: str
    chars: int
    ours: float
    bare: float

    @property
    def ours_pps(self) -> float:
        return self.pages / self.ours if self.ours else 0.0

    @property
    def bare_pps(self) -> float:
        return self.pages / self.bare if self.bare else 0.0


def count_pages(path: Path) -> int:
    from pdfminer.pdfpage import PDFPage
    with path.open("rb") as fh:
        return sum(1 for _ in PDFPage.get_pages(fh))


def time_file(path: Path, repeat: int) -> Row:
    from pdfminer.high_level import extract_text

    from .. import ingest
    from ..config import load_config

    cfg = load_config()
    ours: list[float] = []
    bare: list[float] = []
    doc = None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        doc = ingest.load(path, cfg)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        extract_text(str(path))
        bare.append(time.perf_counter() - t0)
    assert doc is not None
    return Row(path.name, doc.pages or count_pages(path), doc.status, len(doc.text),
               statistics.median(ours), statistics.median(bare))


def table(rows: list[Row]) -> list[str]:
    out = ["| file | pages | status | text chars | ours s | ours pages/s | extract_text s | extract_text pages/s | ours / bare |",
           "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r.name} | {r.pages} | {r.status} | {r.chars} | {r.ours:.2f} | {r.ours_pps:.1f} | "
                   f"{r.bare:.2f} | {r.bare_pps:.1f} | {r.bare / r.ours if r.ours else 0:.2f}x |")
    return out


def write_section(path: Path, lines: list[str]) -> None:
    """Replace (or append) the `## Ingest` section, keeping every other section."""
    text = path.read_text("utf-8") if path.exists() else "# Benchmark results\n"
    body = "\n".join([SECTION, *lines]).rstrip() + "\n"
    pat = re.compile(rf"^{re.escape(SECTION)}\s*$.*?(?=^## |\Z)", re.M | re.S)
    if pat.search(text):
        text = pat.sub(lambda _: body + "\n", text, count=1)
    else:
        text = text.rstrip() + "\n\n" + body
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip() + "\n", "utf-8")


def main(args) -> int:
    import pdfminer

    paths = [Path(p) for p in args.pdfs]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"error: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    rows = []
    for p in paths:
        rows.append(time_file(p, args.repeat))
        r = rows[-1]
        print(f"{r.name}: {r.pages} pages, ours {r.ours:.2f}s ({r.ours_pps:.1f} pages/s), "
              f"extract_text {r.bare:.2f}s ({r.bare_pps:.1f} pages/s)", flush=True)
    lines = table(rows)
    print("\n".join(lines))
    if args.write:
        cmd = "pipeline bench ingest " + " ".join(shlex.quote(str(p)) for p in paths) + f" --repeat {args.repeat} --write"
        total_p = sum(r.pages for r in rows)
        notes = [
            "",
            f"Command: `{cmd}`",
            "",
            f"Median of {args.repeat} interleaved runs per reader and file, one process, on a shared 2-core machine "
            f"(Python {platform.python_version()}, pdfminer.six {pdfminer.__version__}). "
            "`ours` is `pipeline.ingest.load`: characters with font/size/box, our own lines, columns, reading order, "
            "roles, footnotes and markers, folding, one box per character. `extract_text` is pdfminer's default "
            "layout analysis returning plain text. Our reader skips pdfminer's LAParams grouping "
            "(it works on the raw characters) and spends that time on its own layout instead; most of "
            "both readers' time is pdfminer's content-stream interpreter, which they share.",
            "",
            f"All files: {total_p} pages, ours {sum(r.ours for r in rows):.2f}s "
            f"({total_p / max(sum(r.ours for r in rows), 1e-9):.1f} pages/s), extract_text "
            f"{sum(r.bare for r in rows):.2f}s ({total_p / max(sum(r.bare for r in rows), 1e-9):.1f} pages/s): "
            f"ours runs at {sum(r.bare for r in rows) / max(sum(r.ours for r in rows), 1e-9):.2f}x "
            "the speed of extract_text.",
        ]
        write_section(Path(args.write), lines + notes)
        print(f"wrote the {SECTION!r} section of {args.write}")
    return 0
