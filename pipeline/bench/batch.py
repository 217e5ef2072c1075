"""`pipeline bench batch --shared ../shared`: the batch run end to end, as a user runs it.

On the 2025 government work reports plus the PDFs of ../shared/data/pdfs, in one go:
bare `pdfminer.high_level.extract_text` over the files (one process, the yardstick), then
`pipeline run` as a subprocess, cold, with each `--jobs` value, sampling the RSS of its
whole process tree (parent, forkserver, workers), then a re-run with nothing changed. Also
the start-up cost of one worker under forkserver and spawn. Appends an entry to the
"## Batch" section of bench/RESULTS.md (other sections are left as they are).
"""
from __future__ import annotations

import csv
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

SECTION = "## Batch"
ROOT = Path(__file__).resolve().parents[2]


def add_parser(sub) -> None:
    p = sub.add_parser("batch", help="pipeline run end to end: pages/s, jobs speed-up, peak RSS, no-change re-run")
    p.add_argument("--shared", default=str(ROOT.parent / "shared"), metavar="DIR", help="the shared data folder")
    p.add_argument("--limit", type=int, metavar="N", help="an evenly spaced sample of N files (a quick check)")
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2], metavar="N", help="job counts to time (default 1 2)")
    p.add_argument("--keep", metavar="DIR", help="keep the run outputs in DIR (default: a temporary folder)")
    p.add_argument("--write", metavar="FILE", default=str(ROOT / "bench" / "RESULTS.md"),
                   help="append the entry to FILE's '## Batch' section (default bench/RESULTS.md)")
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--note", default="", help="a line to add to the entry (e.g. machine load)")
    p.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="rounds of bare + each --jobs run, interleaved (every other round runs the job counts "
                        "in reverse); the table shows each run's median round (a shared VM's timings vary by "
                        "~10 %% from run to run)")
    p.set_defaults(func=main)


def corpus(shared: Path) -> list[Path]:
    files = sorted((shared / "data" / "gov_reports_2025").glob("*.pdf"))
    files += sorted((shared / "data" / "pdfs").glob("*.pdf"))
    return files


def count_pages(path: Path) -> int:
    from pdfminer.pdfpage import PDFPage
    try:
        with path.open("rb") as fh:
            return sum(1 for _ in PDFPage.get_pages(fh))
    except Exception:
        return 0


@dataclass
class Bare:
    seconds: float = 0.0
    chars: int = 0
    failed: int = 0


def median_of(items: list) -> Any:
    """The item of median `seconds` (the lower middle of an even count)."""
    return sorted(items, key=lambda x: x.seconds)[(len(items) - 1) // 2]


def bare_extract(files: list[Path]) -> Bare:
    """extract_text over every file, one process: what reading the PDFs costs at the least."""
    import logging

    from pdfminer.high_level import extract_text

    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # font warnings, one per page
    out = Bare()
    for f in files:
        t0 = time.perf_counter()
        try:
            out.chars += len(extract_text(str(f)))
        except Exception:
            out.failed += 1
        out.seconds += time.perf_counter() - t0
    return out


class TreeRSS:
    """Samples the summed RSS of a process and all its descendants.

    RSS (from /proc/PID/statm, cheap) every `every` seconds; PSS only every `pss_every`-th
    sample and when RSS reaches a new peak: it walks every page table of every process
    (smaps_rollup), which cost ~1.5 s of CPU over a 20 s run sampled at 0.2 s, stolen from
    the workers of a run that uses every core, so the monitor made `--jobs 2` look slower."""

    def __init__(self, pid: int, every: float = 0.2, pss_every: int = 10):
        import psutil

        self.proc = psutil.Process(pid)
        self.every, self.pss_every = every, max(1, pss_every)
        self.samples: list[tuple[float, int]] = []
        self.pss = 0  # proportional set size: shared pages counted once, not per process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.t0 = time.perf_counter()
        self._thread.start()

    def _loop(self) -> None:
        import psutil

        n, top = 0, 0
        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
            except psutil.Error:
                break
            total = sum(self._read(p, "memory_info", "rss") for p in procs)
            self.samples.append((time.perf_counter() - self.t0, total))
            # PSS on every pss_every-th sample, and whenever RSS reaches a new peak (a short
            # spike between two PSS samples would otherwise be missed; 5 % up, not every byte)
            if n % self.pss_every == 0 or total > top * 1.05:
                self.pss = max(self.pss, sum(self._read(p, "memory_full_info", "pss") for p in procs))
            top, n = max(top, total), n + 1
            self._stop.wait(self.every)

    @staticmethod
    def _read(p, how: str, field: str) -> int:
        import psutil
        try:
            mem = getattr(p, how)()
            return getattr(mem, field, mem.rss)
        except psutil.Error:
            return 0

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        return max((r for t, r in self.samples if start <= t <= end), default=0)


@dataclass
class Run:
    jobs: int
    seconds: float
    pages: int
    chars: int
    statuses: dict[str, int] = field(default_factory=dict)
    peak: int = 0
    peak_first_half: int = 0
    peak_pss: int = 0
    summary: str = ""
    stage_seconds: dict[str, float] = field(default_factory=dict)


def pipeline_run(files: list[Path], out: Path, jobs: int, extra: list[str] | None = None) -> Run:
    cmd = [sys.executable, "-m", "pipeline", "run", *map(str, files), "--out", str(out), "--jobs", str(jobs),
           *(extra or [])]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rss = TreeRSS(proc.pid)
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    rss.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"pipeline run failed ({proc.returncode}): {stderr.strip()[-500:]}")
    pages = chars = 0
    statuses: dict[str, int] = {}
    with (out / "documents.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            pages += int(row["pages"] or 0)
            chars += int(row["chars"] or 0)
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    try:
        stages = json.loads((out / "last_run.json").read_text(encoding="utf-8"))["stage_seconds"]
    except (OSError, ValueError, KeyError):
        stages = {}
    return Run(jobs, seconds, pages, chars, statuses, rss.peak(), rss.peak(0, seconds / 2), rss.pss,
               stdout.strip().splitlines()[-1] if stdout.strip() else "", stages)


def worker_startup(method: str, tmp: Path) -> float:
    """Seconds from starting one worker to its first (tiny) result: imports plus models."""
    from ..config import load_config
    from ..engine import LocalPool

    doc = tmp / f"startup-{method}.txt"
    doc.write_text("Startup probe. 启动测试。\n", encoding="utf-8")
    t0 = time.perf_counter()
    for _ in LocalPool(load_config(), 1, None, method=method).map([(str(doc), "")]):
        pass
    return time.perf_counter() - t0


def identical(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.glob("*.csv"))
    return bool(names) and names == sorted(p.name for p in b.glob("*.csv")) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names)


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def main(args) -> int:
    shared = Path(args.shared)
    files = corpus(shared)
    if not files:
        print(f"error: no PDFs under {shared}/data/gov_reports_2025 or {shared}/data/pdfs", file=sys.stderr)
        return 2
    if args.limit and args.limit < len(files):
        step = -(-len(files) // args.limit)
        files = files[::step][:args.limit]  # evenly spaced: both folders are represented
    pages = sum(count_pages(f) for f in files)
    size = sum(f.stat().st_size for f in files)
    print(f"{len(files)} files, {pages} pages, {size / 2**20:.1f} MB", file=sys.stderr)

    from ..engine import code_fingerprint

    code_before = code_fingerprint.__wrapped__()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-batch-"))
    work.mkdir(parents=True, exist_ok=True)
    rounds = max(1, args.repeat)
    bares: list[Bare] = []
    by_jobs: dict[int, list[Run]] = {j: [] for j in args.jobs}
    for k in range(rounds):
        bares.append(bare_extract(files))
        print(f"round {k + 1}: bare extract_text: {bares[-1].seconds:.1f}s", file=sys.stderr)
        # every other round runs the job counts in reverse, so a VM that slows down or speeds
        # up over a round does not always favour the same one
        for jobs in (args.jobs if k % 2 == 0 else list(reversed(args.jobs))):
            out = work / f"jobs{jobs}"
            if out.exists():
                import shutil
                shutil.rmtree(out)
            r = pipeline_run(files, out, jobs)
            by_jobs[jobs].append(r)
            print(f"round {k + 1}: --jobs {jobs}: {r.seconds:.1f}s, peak RSS {mb(r.peak)}; {r.summary}",
                  file=sys.stderr)
    bare = median_of(bares)
    runs: list[Run] = []
    for jobs in args.jobs:
        worst = max(by_jobs[jobs], key=lambda r: r.peak)   # memory: the worst round, not the median
        runs.append(replace(median_of(by_jobs[jobs]), peak=worst.peak, peak_first_half=worst.peak_first_half,
                            peak_pss=max(r.peak_pss for r in by_jobs[jobs])))
    last = runs[-1]
    again = pipeline_run(files, work / f"jobs{last.jobs}", last.jobs)
    print(f"no-change re-run: {again.seconds:.2f}s; {again.summary}", file=sys.stderr)
    code_changed = code_fingerprint.__wrapped__() != code_before
    same = all(identical(work / f"jobs{runs[0].jobs}", work / f"jobs{r.jobs}") for r in runs[1:])
    startup = {m: worker_startup(m, work) for m in ("forkserver", "spawn")}

    command = "pipeline bench batch " + " ".join(shlex.quote(a) for a in sys.argv[sys.argv.index("batch") + 1:]) \
        if "batch" in sys.argv else "pipeline bench batch"
    lines = [
        f"### {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {len(files)} PDFs, {pages} pages, "
        f"{size / 2**20:.1f} MB",
        "",
        f"Command: `{command}` (on {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())})",
        "",
        *([args.note, ""] if args.note else []),
        "| run | seconds | pages/s | chars/s | vs bare extract_text | peak RSS (tree) | peak RSS, first half "
        "| peak PSS (tree) | statuses |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| bare `extract_text` (1 process) | {bare.seconds:.1f} | {pages / bare.seconds:.2f} | "
        f"{bare.chars / bare.seconds:,.0f} | 1.00× | | | | {bare.failed} failed |",
    ]
    for r in runs:
        lines.append(f"| `pipeline run --jobs {r.jobs}` | {r.seconds:.1f} | {pages / r.seconds:.2f} | "
                     f"{r.chars / r.seconds:,.0f} | {bare.seconds / r.seconds:.2f}× | {mb(r.peak)} | "
                     f"{mb(r.peak_first_half)} | {mb(r.peak_pss)} | {', '.join(f'{k} {v}' for k, v in sorted(r.statuses.items()))} |")
    by = {r.jobs: r for r in runs}
    lines.append("")
    if 1 in by and 2 in by:
        lines.append(f"- speed-up from --jobs 1 to --jobs 2: {by[1].seconds / by[2].seconds:.2f}× (target ≥ 1.7×)")
    if 1 in by:
        lines.append(f"- end to end vs bare extract_text, one process each: {bare.seconds / by[1].seconds:.2f}× "
                     "(target ≥ 0.7×)")
    if rounds > 1:
        lines.append(f"- {rounds} rounds, each bare then every job count; the table shows each run's median round, "
                     "peak memory the worst round; even rounds ran the job counts in reverse order. "
                     "Seconds per round: bare "
                     + "/".join(f"{b.seconds:.1f}" for b in bares) + "; "
                     + "; ".join(f"--jobs {j} " + "/".join(f"{r.seconds:.1f}" for r in by_jobs[j]) for j in args.jobs))
        if 1 in by_jobs and 2 in by_jobs:
            lines.append("- per round: speed-up " + "/".join(
                f"{a.seconds / b.seconds:.2f}×" for a, b in zip(by_jobs[1], by_jobs[2]))
                + ", one process vs bare " + "/".join(
                f"{b.seconds / a.seconds:.2f}×" for a, b in zip(by_jobs[1], bares)))
    lines += [
        f"- no-change re-run (--jobs {last.jobs}): {again.seconds:.2f} s = {100 * again.seconds / last.seconds:.1f} % "
        f"of the cold run (target ≤ 5 %); it said: `{again.summary}`",
        f"- peak RSS of the process tree: {', '.join(f'--jobs {r.jobs} {mb(r.peak)}' for r in runs)} "
        "(target < 1.5 GB; RSS summed over the processes counts shared pages once per process, PSS once; "
        "the first half of the run against the whole shows whether memory grows with the corpus)",
        f"- tables identical across job counts: {'yes' if same else 'NO'}",
        "- where the --jobs " + str(runs[0].jobs) + " workers' time went: " + (", ".join(
            f"{k} {v:.1f} s ({100 * v / sum(runs[0].stage_seconds.values()):.0f} %)"
            for k, v in runs[0].stage_seconds.items()) or "n/a"),
        "- one worker's start-up to its first result (imports + models): "
        + ", ".join(f"{m} {s:.1f} s" for m, s in startup.items()),
        "",
    ]
    if code_changed:
        lines += ["**The package changed during the measurement** (someone edited pipeline/): runs saw "
                  "different code, so the re-run and the comparison of tables are not valid. Measure again "
                  "on a quiet tree.", ""]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        append(Path(args.write), text)
        print(f"appended to {args.write}", file=sys.stderr)
    return 0


def append(path: Path, entry: str) -> None:
    """Add the entry at the end of the '## Batch' section, creating it when missing."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    lines = old.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip() == SECTION)
    except StopIteration:
        new = old.rstrip("\n") + f"\n\n{SECTION}\n\nEnd to end batch runs (`pipeline bench batch`), newest last.\n\n" \
            + entry + "\n"
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        body = "\n".join(lines[:end]).rstrip("\n")
        rest = "\n".join(lines[end:])
        new = body + "\n\n" + entry + "\n" + ("\n" + rest + "\n" if rest else "")
    tmp = path.with_suffix(".tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
