"""`pipeline gold show|anchor|check|compare|tasks|import`: the curator's tools for the gold set.

    show    print a document's clean text with offsets (or find a string in it)
    anchor  turn a draft written by span text into a gold file with offsets and hashes
    check   validate gold files against their text (every span, with where it moved)
    compare agreement between two curation passes, and every difference
    tasks   the text as tasks for Label Studio or doccano (and a Label Studio config)
    import  a Label Studio or doccano export into a gold file

None of these reads predicted spans: gold is written from the text alone.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("gold", help="curate gold files (show text, anchor drafts, check, import)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    gsub = p.add_subparsers(dest="gold_command", metavar="ACTION")

    def text_args(q):
        q.add_argument("--pred", metavar="DIR", help="take the text from this run directory (else ingest the source)")
        q.add_argument("--source", metavar="FILE", help="the source file (.pdf/.txt) the gold annotates")

    s = gsub.add_parser("show", help="print a document's clean text with offsets")
    s.add_argument("doc", nargs="?", metavar="SOURCE", help="source file (or its name/doc_id with --pred)")
    text_args(s)
    s.add_argument("--pages", metavar="1-2", help="only these pages")
    s.add_argument("--find", metavar="TEXT", action="append", help="list the occurrences of TEXT with offsets")
    s.add_argument("--plain", action="store_true", help="the bare text, for pasting into an annotation tool")
    s.set_defaults(func=show)

    a = gsub.add_parser("anchor", help="a draft (spans by text) -> a gold file with offsets")
    a.add_argument("draft", metavar="DRAFT.json")
    text_args(a)
    a.add_argument("-o", "--output", required=True, metavar="GOLD.json")
    a.add_argument("--repair", action="store_true", help="move spans whose text moved to the nearest occurrence")
    a.set_defaults(func=anchor)

    c = gsub.add_parser("check", help="validate gold files against their text")
    c.add_argument("gold", metavar="PATH", help="a gold file or folder")
    c.add_argument("--pred", metavar="DIR", help="take texts from this run directory")
    c.add_argument("--sources", metavar="DIR", action="append", default=[],
                   help="folders holding the source files (matched by name); default: corpus/ and ../shared/data/pdfs")
    c.set_defaults(func=check)

    m = gsub.add_parser("compare", help="agreement between two curation passes, and their differences")
    m.add_argument("first", metavar="PASS1", help="gold file or folder of the first pass (scored as gold)")
    m.add_argument("second", metavar="PASS2", help="gold file or folder of the second pass (scored as predictions)")
    m.add_argument("--pred", metavar="DIR", help="take texts from this run directory")
    m.add_argument("--sources", metavar="DIR", action="append", default=[], help="folders holding the source files")
    m.add_argument("--out", metavar="DIR", help="write eval.json, errors.csv (the differences) and index.html here")
    m.set_defaults(func=compare)

    t = gsub.add_parser("tasks", help="tasks (and a Label Studio config) to curate a document in an annotation tool")
    t.add_argument("doc", nargs="?", metavar="SOURCE")
    text_args(t)
    t.add_argument("--format", required=True, choices=("labelstudio", "doccano"))
    t.add_argument("--pages", metavar="1-2", help="only these pages (one task per page)")
    t.add_argument("-o", "--output", required=True, metavar="TASKS.json")
    t.set_defaults(func=tasks)

    i = gsub.add_parser("import", help="a Label Studio or doccano export -> a gold file")
    i.add_argument("export", metavar="EXPORT.json")
    i.add_argument("--format", required=True, choices=("labelstudio", "doccano"))
    text_args(i)
    i.add_argument("-o", "--output", required=True, metavar="GOLD.json")
    i.set_defaults(func=import_cmd)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _err(msg: str) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return 2


def _doc(args, name: str | None):
    from ..evaluate.anchor import find_doc
    if args.pred and name and not args.source:
        from ..evaluate.gold import texts_from_pred
        for t in texts_from_pred(args.pred).values():
            if t.doc_id == name or Path(t.source).name == Path(name).name or t.source == name:
                from ..evaluate.gold import sha256_file
                return t, (sha256_file(t.source) if Path(t.source).exists() else t.doc_id)
    return find_doc(name, args.pred, args.source)


def show(args) -> int:
    from ..evaluate.anchor import AnchorError, parse_pages
    try:
        doc, sha = _doc(args, args.doc or args.source)
    except (AnchorError, ValueError, FileNotFoundError) as exc:
        return _err(str(exc))
    ranges = doc.page_ranges(parse_pages(args.pages)) if args.pages else [(0, len(doc.text))]
    if args.find:
        for needle in args.find:
            hits = [i for lo, hi in ranges for i in _all(doc.text, needle, lo, hi)]
            print(f"{needle!r}: {len(hits)} occurrence(s)")
            for n, i in enumerate(hits, 1):
                ctx = doc.text[max(0, i - 12):i] + "[" + needle + "]" + doc.text[i + len(needle):i + len(needle) + 12]
                print(f"  #{n} {i}-{i + len(needle)} p{doc.page_at(i)}  {ctx.replace(chr(10), '⏎')}")
        return 0
    if args.plain:
        for lo, hi in ranges:
            sys.stdout.write(doc.text[lo:hi] + "\n")
        return 0
    print(f"# {doc.source}  doc_id {doc.doc_id}  source sha256 {sha}  {len(doc.text)} chars")
    for s, e, page, role in doc.blocks:
        if any(lo <= s < hi for lo, hi in ranges):
            print(f"[{s:>6}-{e:<6}] p{page} {role:<8} {doc.text[s:e]}")
    return 0


def _all(text: str, needle: str, lo: int, hi: int):
    i = text.find(needle, lo)
    while 0 <= i and i + len(needle) <= hi:
        yield i
        i = text.find(needle, i + 1)


def anchor(args) -> int:
    from ..evaluate.anchor import AnchorError, anchor_draft
    from ..evaluate.gold import GoldError, dump_gold, read_gold_json
    try:
        draft = read_gold_json(args.draft)
        doc, sha = _doc(args, draft.get("source") if not isinstance(draft.get("source"), dict)
                        else draft["source"].get("name"))
        gold, problems, notes = anchor_draft(draft, doc, sha, repair=args.repair)
    except (GoldError, AnchorError, ValueError, FileNotFoundError) as exc:
        return _err(str(exc))
    for n in notes:
        print(f"note: {n}")
    if problems:
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        print(f"not written: {len(problems)} problem(s) in {args.draft}", file=sys.stderr)
        return 1
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(dump_gold(gold), "utf-8")
    counts = ", ".join(f"{len(gold[k])} {k}" for k in ("entities", "dates", "numbers", "facts") if k in gold)
    print(f"wrote {args.output}: {counts}")
    return 0


def _source_dirs(args) -> list[Path]:
    root = Path(__file__).resolve().parents[2]
    return [Path(d) for d in args.sources] or [root / "corpus", root.parent / "shared" / "data" / "pdfs"]


def _texts_for(paths: list[str], args) -> dict:
    """doc_id -> DocText for the sources of the gold files under `paths` (from --pred, else ingested)."""
    from ..evaluate.gold import GoldError, gold_files, match_text, parse_gold, read_gold_json, text_from_source, texts_from_pred
    texts = texts_from_pred(args.pred) if args.pred else {}
    for path in paths:
        for f in gold_files(path):
            try:
                gold = parse_gold(read_gold_json(f), str(f))
            except GoldError:
                continue  # reported when the file is loaded
            if match_text(gold, texts) is None:
                src = next((d / gold.source_name for d in _source_dirs(args) if (d / gold.source_name).exists()), None)
                if src is not None:
                    try:
                        t = text_from_source(src)
                    except ValueError:
                        continue
                    texts[t.doc_id] = t
    return texts


def compare(args) -> int:
    import pandas as pd

    from ..evaluate.evaluation import ERROR_COLUMNS, compact_table, score_set
    from ..evaluate.gold import GoldSet, load_gold
    from ..evaluate.report import write_report
    texts = _texts_for([args.first, args.second], args)
    first, second = load_gold(args.first, texts), load_gold(args.second, texts)
    for e in first.errors + second.errors:
        print(f"gold error: {e}", file=sys.stderr)
    by_doc = {d.doc_id: g for g, d in second.docs}
    both = [(g, d) for g, d in first.docs if d.doc_id in by_doc]
    if not both:
        return _err("no document is curated in both passes")
    tables: dict[str, pd.DataFrame | None] = {}
    for kind in ("entities", "dates", "numbers", "facts"):
        rows = [dict(r, doc_id=d.doc_id) for _, d in both if kind in by_doc[d.doc_id].kinds
                for r in by_doc[d.doc_id].items[kind]]
        tables[kind] = pd.DataFrame(rows) if rows else None
    only = [Path(d.source).name for g, d in first.docs if d.doc_id not in by_doc]
    ev = score_set(GoldSet(both, [], first.warnings), tables)
    if only:
        ev.notes.append(f"only in the first pass (not compared): {', '.join(only)}")
    print(f"{len(both)} document(s) in both passes; {len(ev.errors)} differences (F1 = agreement)")
    print(compact_table(ev.scores))
    for n in ev.notes:
        if "prediction directory" not in n:
            print(f"note: {n}")
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "eval.json").write_text(json.dumps(ev.to_json(), ensure_ascii=False, indent=1), "utf-8")
        pd.DataFrame(ev.errors, columns=ERROR_COLUMNS).to_csv(out / "errors.csv", index=False, encoding="utf-8")
        write_report(ev, out / "index.html")
        print(f"wrote {out / 'errors.csv'} and {out / 'index.html'}")
    return 1 if first.errors or second.errors else 0


def check(args) -> int:
    from ..evaluate.gold import (GoldError, check_offsets, gold_files, label_warnings, match_text, parse_gold,
                                 read_gold_json, text_from_source, texts_from_pred)
    texts = texts_from_pred(args.pred) if args.pred else {}
    dirs = _source_dirs(args)
    bad = 0
    files = gold_files(args.gold)
    if not files:
        return _err(f"no gold .json files at {args.gold}")
    for f in files:
        try:
            gold = parse_gold(read_gold_json(f), str(f))
            doc = match_text(gold, texts)
            if doc is None:
                path = next((d / gold.source_name for d in dirs if (d / gold.source_name).exists()), None)
                if path is None:
                    raise GoldError(str(f), [f"source {gold.source_name} not found (give --pred or --sources)"])
                doc = text_from_source(path)
            errors, warnings = check_offsets(gold, doc.text)
            warnings += label_warnings(gold)
            if errors:
                raise GoldError(str(f), errors)
        except (GoldError, ValueError) as exc:
            bad += 1
            problems = exc.problems if isinstance(exc, GoldError) else [str(exc)]
            print(f"FAIL {f}")
            for p in problems:
                print(f"  {p}")
            continue
        n = sum(len(gold.items[k]) for k in gold.kinds)
        print(f"ok   {f}: {n} spans" + "".join(f"\n  warning: {w}" for w in warnings))
    return 1 if bad else 0


def tasks(args) -> int:
    from ..evaluate.anchor import AnchorError, parse_pages
    from ..evaluate.importers import labelstudio_config, make_tasks
    try:
        doc, _ = _doc(args, args.doc or args.source)
    except (AnchorError, ValueError, FileNotFoundError) as exc:
        return _err(str(exc))
    if args.pages:
        pieces = [doc.text[lo:hi] for p in parse_pages(args.pages) for lo, hi in doc.page_ranges([p])]
    else:
        pieces = [doc.text]
    pieces = [p for p in pieces if p.strip()]
    if not pieces:
        return _err("no text on those pages")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(make_tasks(pieces, args.format), "utf-8")
    print(f"wrote {out}: {len(pieces)} task(s)")
    if args.format == "labelstudio":
        cfg = out.with_suffix(".config.xml")
        cfg.write_text(labelstudio_config(), "utf-8")
        print(f"wrote {cfg}: the labelling config (Labels + a per-region TextArea for values)")
    return 0


def import_cmd(args) -> int:
    from ..evaluate.anchor import AnchorError
    from ..evaluate.gold import dump_gold
    from ..evaluate.importers import ImportProblem, import_export
    if not args.source and not args.pred:
        return _err("give --source FILE (or --pred DIR with --source) for the document the export annotates")
    try:
        doc, sha = _doc(args, args.source)
        gold = import_export(args.export, args.format, doc.text, Path(doc.source).name, sha)
    except (ImportProblem, AnchorError, ValueError, FileNotFoundError, KeyError, TypeError) as exc:
        return _err(str(exc) if not isinstance(exc, (KeyError, TypeError)) else f"unexpected export shape: {exc!r}")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(dump_gold(gold), "utf-8")
    missing = sum(1 for k in ("dates", "numbers") for r in gold[k] if r.get("value") in (None, ""))
    print(f"wrote {args.output}: " + ", ".join(f"{len(gold[k])} {k}" for k in ("entities", "dates", "numbers"))
          + (f"; {missing} date/number span(s) still need a 'value'" if missing else ""))
    return 0
