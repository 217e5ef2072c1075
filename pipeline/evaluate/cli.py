"""`pipeline eval --gold PATH --pred DIR [--out DIR] [--min-f1 X]`: score a run against gold."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("eval", help="score a run against the hand-curated gold",
                       description="Score the tables of a run (DIR of `pipeline run`) against gold JSON files: "
                                   "SemEval-2013 strict/exact/partial/type views, value accuracy, facts. "
                                   "Writes eval.json, errors.csv and index.html to --out.")
    p.add_argument("--gold", required=True, metavar="PATH", help="a gold .json file or a folder of them")
    p.add_argument("--pred", required=True, metavar="DIR", help="the --out DIR of `pipeline run`")
    p.add_argument("--out", metavar="DIR", help="where eval.json, errors.csv and index.html go (default: PRED/eval)")
    p.add_argument("--min-f1", type=float, metavar="X",
                   help="exit 1 when the strict F1 of any scored table is below X")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import pandas as pd

    from .evaluation import ERROR_COLUMNS, compact_table, evaluate
    from .report import write_report

    if not Path(args.gold).exists():
        print(f"error: no gold at {args.gold}", file=sys.stderr)
        return 2
    try:
        ev = evaluate(args.gold, args.pred)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for e in ev.gold_errors:
        print(f"gold error: {e}", file=sys.stderr)
    if not ev.docs:
        print("error: no usable gold document", file=sys.stderr)
        return 2
    out = Path(args.out) if args.out else Path(args.pred) / "eval"
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "eval.json").write_text(json.dumps(ev.to_json(), ensure_ascii=False, indent=1), "utf-8")
        pd.DataFrame(ev.errors, columns=ERROR_COLUMNS).to_csv(out / "errors.csv", index=False, encoding="utf-8")
        write_report(ev, out / "index.html")
    except OSError as exc:
        print(f"error: cannot write to {out}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"{len(ev.docs)} gold document(s); {len(ev.errors)} error rows")
    print(compact_table(ev.scores))
    for n in ev.notes:
        print(f"note: {n}")
    print(f"wrote {out / 'eval.json'}, {out / 'errors.csv'}, {out / 'index.html'}")
    status = 1 if ev.gold_errors else 0
    if args.min_f1 is not None:
        low = [f"{k} {ev.scores[k]['strict']['f1']:.3f}" for k in ev.scores
               if ev.scores[k]["strict"]["f1"] < args.min_f1]
        if low:
            print(f"FAIL: strict F1 below {args.min_f1}: {', '.join(low)}", file=sys.stderr)
            status = 1
    return status
