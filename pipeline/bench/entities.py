"""`pipeline bench entities [FILE ...] [--repeat N]`: throughput of the segment + entities stages.

Ingests each file (default: the seed in corpus/), builds the stages once (models load
outside the timing), then times `segment` and `entities` over the documents, N times.
Reports chars/s of each stage and of both, English words/s of the English runs the
English model read, and jieba.posseg over the same text in the same run as a reference.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

SEED = Path(__file__).resolve().parents[2] / "corpus" / "000_63f442ddd4362203.txt"


def add_parser(sub) -> None:
    p = sub.add_parser("entities", help="chars/s of the segment + entities stages (default: on the seed)")
    p.add_argument("files", nargs="*", metavar="FILE", help=".txt or .pdf files (default: the seed)")
    p.add_argument("--repeat", type=int, default=3, help="timed passes (the best is reported)")
    p.add_argument("--rules-only", action="store_true", help="without the Chinese model ([entities] zh_model = false)")
    p.set_defaults(func=main)


def main(args) -> int:
    import copy

    from .. import ingest
    from ..config import load_config
    from ..engine import build

    files = [Path(f) for f in args.files] or [SEED]
    missing = [f for f in files if not f.is_file()]
    if missing:
        print(f"error: not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 2
    over = {"pipeline": {"stages": ["segment", "entities"]}}
    if args.rules_only:
        over["entities"] = {"zh_model": False}
    cfg = load_config(overrides=over)
    docs = [ingest.load(str(f), cfg) for f in files]
    docs = [d for d in docs if d.status == "ok"]
    if not docs:
        print("error: no readable document", file=sys.stderr)
        return 2
    stages = dict(build(cfg))
    chars = sum(len(d.text) for d in docs)
    best = {"segment": 1e9, "entities": 1e9}
    cpu = {"segment": 1e9, "entities": 1e9}
    en_words = 0
    n_ents = 0
    for _ in range(max(1, args.repeat)):
        work = [copy.copy(d) for d in docs]
        for d in work:
            d.tables, d.meta = {}, dict(d.meta)
        for name in ("segment", "entities"):
            t0, c0 = time.perf_counter(), time.process_time()
            for d in work:
                stages[name](d)
            best[name] = min(best[name], time.perf_counter() - t0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
        en_words = sum(sum(1 for t in r.doc if t.is_alpha) for d in work for r in d.meta["_runs"]
                       if r.lang == "en")
        n_ents = sum(len(d.tables.get("entities", [])) for d in work)
    import jieba.posseg as pseg
    text = "\n".join(d.text for d in docs)
    t0 = time.perf_counter()
    for _ in range(max(1, args.repeat)):
        list(pseg.cut(text))
    posseg = (time.perf_counter() - t0) / max(1, args.repeat)
    posseg_cpu = None
    c0 = time.process_time()
    list(pseg.cut(text))
    posseg_cpu = time.process_time() - c0
    best["segment+entities"] = best["segment"] + best["entities"]
    cpu["segment+entities"] = cpu["segment"] + cpu["entities"]
    best["jieba.posseg"], cpu["jieba.posseg"] = posseg, posseg_cpu
    print(f"{len(docs)} documents, {chars} chars, {en_words} English words, {n_ents} entities")
    print("wall-clock and CPU time (CPU is what the machine's load does not change)")
    for name in ("segment", "entities", "segment+entities", "jieba.posseg"):
        print(f"{name:<17} {best[name]:7.3f}s {chars / best[name]:>10,.0f} chars/s   "
              f"cpu {cpu[name]:7.3f}s {chars / max(cpu[name], 1e-9):>10,.0f} chars/s")
    return 0
