"""The gold format: one JSON file per document, its offsets checked against the clean text.

A gold file says which source it annotates (file name and sha256 of the file), the sha256
of the clean text (`Document.text` after ingest) its offsets point into, optionally the
part of that text it covers (`scope`), and four lists: entities, dates, numbers, facts.
Loading checks every span against the text, so a gold file that drifted from its text
(ingest changed) fails loudly, naming the span and where it is now, instead of silently
scoring against the wrong characters. The format is documented in corpus/gold/README.md.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

FORMAT = "pipeline-gold/1"
KINDS = ("entities", "dates", "numbers", "facts")
# Per kind: the fields every item must have (besides start/end/text) and the optional ones.
REQUIRED = {
    "entities": ("label",),
    "dates": ("value",),
    "numbers": ("value",),
    "facts": ("subject", "metric", "value"),
}
OPTIONAL = {
    "entities": {"canonical": ""},
    "dates": {"mod": "", "type": ""},
    "numbers": {"unit": "", "approx": False, "kind": ""},
    "facts": {"subject_canonical": "", "metric_canonical": "", "unit": "", "approx": False,
              "change": "", "date_value": ""},
}


class GoldError(ValueError):
    """A gold file that cannot be used: bad JSON, a missing field, or spans off their text."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        shown = problems[:12] + ([f"... and {len(problems) - 12} more"] if len(problems) > 12 else [])
        super().__init__(f"{path}: " + "; ".join(shown))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- the text a gold file points into -----------------------------------------------------
@dataclass
class DocText:
    """One document's clean text, rebuilt from the blocks table, with the page of each block."""

    doc_id: str
    source: str
    text: str
    blocks: list[tuple[int, int, int, str]] = field(default_factory=list)  # (start, end, page, role)

    def page_ranges(self, pages: Iterable[int]) -> list[tuple[int, int]]:
        """Offsets of the text on the given pages, merged where they touch."""
        want = set(pages)
        spans = sorted((s, e) for s, e, p, _ in self.blocks if p in want)
        merged: list[tuple[int, int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], e))
            else:
                merged.append((s, e))
        return merged

    def page_at(self, offset: int) -> int:
        for s, e, p, _ in self.blocks:
            if s <= offset < e:
                return p
        return 0


def rebuild_text(blocks: pd.DataFrame) -> str:
    """Document.text from its blocks: each non-furniture block at its offset, joined by newlines."""
    rows = blocks[blocks["start"].astype(int) >= 0].sort_values("start")
    if rows.empty:
        return ""
    length = int(rows["end"].max())
    buf = ["\n"] * length
    for start, text in zip(rows["start"].astype(int), rows["text"].fillna("").astype(str)):
        buf[start:start + len(text)] = list(text)
    return "".join(buf)


def read_table(pred_dir: str | Path, name: str) -> pd.DataFrame | None:
    """DIR/<name>.parquet, else DIR/<name>.csv, else None when the run has no such table."""
    d = Path(pred_dir)
    pq, csv = d / f"{name}.parquet", d / f"{name}.csv"
    errors = []
    for path in (pq, csv):
        if not path.exists():
            continue
        try:
            if path.suffix == ".parquet":
                return pd.read_parquet(path)
            return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"doc_id": str})
        except Exception as exc:  # a damaged export: try the other format, else say which file
            errors.append(f"{path}: {' '.join(str(exc).split())[:200]}")
    if errors:
        raise TableError("cannot read " + "; ".join(errors))
    return None


class TableError(ValueError):
    """A prediction table that exists but cannot be read."""


def texts_from_pred(pred_dir: str | Path) -> dict[str, DocText]:
    """doc_id -> DocText for every document of a run directory."""
    try:
        blocks = read_table(pred_dir, "blocks")
        docs = read_table(pred_dir, "documents")
    except TableError as exc:
        raise FileNotFoundError(str(exc)) from None
    if blocks is None or docs is None:
        raise FileNotFoundError(f"{pred_dir}: no blocks/documents table: is this the --out DIR of `pipeline run`?")
    missing = {"doc_id", "start", "end", "text", "page", "role"} - set(blocks.columns)
    if missing:
        raise FileNotFoundError(f"{pred_dir}: the blocks table lacks {', '.join(sorted(missing))}")
    out: dict[str, DocText] = {}
    by_doc = {k: g for k, g in blocks.groupby("doc_id")}
    for doc_id, source in zip(docs["doc_id"].astype(str), docs["source"].astype(str)):
        g = by_doc.get(doc_id)
        if g is None:
            out[doc_id] = DocText(doc_id, source, "")
            continue
        spans = [(int(s), int(e), int(p), str(r)) for s, e, p, r in
                 zip(g["start"], g["end"], g["page"], g["role"]) if int(s) >= 0]
        out[doc_id] = DocText(doc_id, source, rebuild_text(g), sorted(spans))
    return out


def text_from_source(path: str | Path) -> DocText:
    """Ingest one file (no NLP stages) to get its clean text: for curating without a run."""
    from .. import ingest
    from ..config import load_config
    doc = ingest.load(str(path), load_config())
    if doc.status != "ok":
        raise ValueError(f"{path}: ingest status {doc.status}: {doc.message}")
    blocks = sorted((b.start, b.end, b.page, b.role) for b in doc.blocks if b.start >= 0)
    return DocText(doc.doc_id, str(path), doc.text, blocks)


# -- gold documents -------------------------------------------------------------------------
@dataclass
class GoldDoc:
    path: str
    source_name: str
    source_sha256: str
    text_sha256: str
    scope: list[tuple[int, int]] | None          # None: the whole text is annotated
    items: dict[str, list[dict[str, Any]]]
    kinds: tuple[str, ...]                       # the lists the file has (absent = not curated)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return self.source_sha256[:16]

    def in_scope(self, start: int, end: int | None = None) -> bool:
        if self.scope is None:
            return True
        return any(s <= start < e for s, e in self.scope)


def read_gold_json(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except OSError as exc:
        raise GoldError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    except json.JSONDecodeError as exc:
        raise GoldError(str(path), [f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]) from None
    if not isinstance(data, dict):
        raise GoldError(str(path), ["top level must be a JSON object"])
    return data


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse_gold(data: dict[str, Any], path: str = "<gold>") -> GoldDoc:
    """Check the structure of a gold file (not yet its offsets) and fill optional fields."""
    problems: list[str] = []
    src = data.get("source")
    if not isinstance(src, dict) or not src.get("name") or not src.get("sha256"):
        problems.append('"source" must be {"name": FILE, "sha256": HEX}')
        src = src if isinstance(src, dict) else {}
    if not isinstance(data.get("text_sha256"), str) or len(data.get("text_sha256", "")) != 64:
        problems.append('"text_sha256" must be the 64-hex sha256 of the clean text (run `pipeline gold anchor`)')
    scope = data.get("scope")
    if scope is not None:
        if not (isinstance(scope, list) and all(isinstance(r, list) and len(r) == 2 and all(isinstance(x, int) for x in r)
                                                 and r[0] < r[1] for r in scope)):
            problems.append('"scope" must be a list of [start, end] offset pairs (or absent for the whole text)')
            scope = None
        else:
            scope = [tuple(r) for r in scope]
    items: dict[str, list[dict[str, Any]]] = {}
    kinds = tuple(k for k in KINDS if k in data)
    for kind in kinds:
        rows = data.get(kind)
        if not isinstance(rows, list):
            problems.append(f'"{kind}" must be a list')
            continue
        clean: list[dict[str, Any]] = []
        for i, row in enumerate(rows):
            where = f"{kind}[{i}]"
            if not isinstance(row, dict):
                problems.append(f"{where}: must be an object")
                continue
            for key in ("start", "end"):
                if not isinstance(row.get(key), int) or isinstance(row.get(key), bool):
                    problems.append(f"{where}: {key!r} must be an integer offset")
            if not isinstance(row.get("text"), str) or not row.get("text"):
                problems.append(f"{where}: 'text' must be the span's text")
            for key in REQUIRED[kind]:
                if key not in row or row[key] in (None, ""):
                    problems.append(f"{where} {row.get('text', '')!r}: missing {key!r}")
            if kind in ("numbers", "facts") and "value" in row and not _is_number(row["value"]):
                problems.append(f"{where} {row.get('text', '')!r}: 'value' must be a number, got {row['value']!r}")
            if kind == "facts":
                for key in ("subject", "subject_canonical"):
                    v = row.get(key)
                    if v is not None and not (isinstance(v, str) or (isinstance(v, list) and v
                                                                     and all(isinstance(x, str) for x in v))):
                        problems.append(f"{where}: {key!r} must be a string or a list of strings")
            if kind == "dates" and "value" in row and not isinstance(row["value"], str):
                problems.append(f"{where} {row.get('text', '')!r}: 'value' must be a TIMEX3 string such as \"2020-11-30\"")
            full = dict(OPTIONAL[kind])
            full.update({k: v for k, v in row.items() if v is not None})
            clean.append(full)
        items[kind] = clean
    if problems:
        raise GoldError(path, problems)
    meta = {k: v for k, v in data.items() if k not in KINDS and k not in ("source", "text_sha256", "scope")}
    return GoldDoc(path, str(src["name"]), str(src["sha256"]).lower(), data["text_sha256"].lower(),
                   scope, items, kinds, meta)


def _context(text: str, start: int, end: int, width: int = 15) -> str:
    return (text[max(0, start - width):start] + "[" + text[start:end] + "]" + text[end:end + width]).replace("\n", "⏎")


def check_offsets(gold: GoldDoc, text: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the gold spans against `text`.

    An error names the span, what the text holds there now, and where the span's text
    occurs instead, so a curator can see at once whether ingest shifted the text.
    """
    errors: list[str] = []
    warnings: list[str] = []
    for kind in gold.kinds:
        for i, row in enumerate(gold.items[kind]):
            s, e, want = row["start"], row["end"], row["text"]
            where = f"{kind}[{i}] {want!r} at {s}-{e}"
            if not (0 <= s < e <= len(text)):
                errors.append(f"{where}: outside the text (length {len(text)})")
                continue
            have = text[s:e]
            if have != want:
                found = [j for j in _find_all(text, want)]
                hint = (f"; {want!r} now occurs at {', '.join(str(j) for j in found[:3])}"
                        f" (nearest shift {min((j - s for j in found), key=abs):+d})") if found else "; its text no longer occurs"
                errors.append(f"{where}: the text there is now {have!r} ({_context(text, s, e)}){hint}")
            if gold.scope is not None and not gold.in_scope(s):
                errors.append(f"{where}: outside the gold file's scope {gold.scope}")
    if not errors and sha256_text(text) != gold.text_sha256:
        warnings.append(f"{gold.path}: the clean text changed since curation (text_sha256 differs) but every span "
                        "still matches; check the new text for mentions to add, then refresh the hash with "
                        "`pipeline gold anchor`")
    return errors, warnings


def _find_all(text: str, needle: str) -> Iterable[int]:
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + 1)


def label_warnings(gold: GoldDoc) -> list[str]:
    """Entity labels outside the label set of GUIDELINES.md: most often a typo."""
    from .importers import label_policy
    known = set(label_policy()["entities"])
    odd = sorted({r["label"] for r in gold.items.get("entities", []) if str(r["label"]).upper() not in known})
    return [f"{gold.path}: entity label(s) {', '.join(odd)} are not in the label set "
            "(pipeline/data/evaluate/labels.json)"] if odd else []


def gold_files(path: str | Path) -> list[Path]:
    p = Path(path)
    if p.is_dir():
        return sorted(f for f in p.glob("*.json") if not f.name.startswith("."))
    return [p]


def match_text(gold: GoldDoc, texts: dict[str, DocText]) -> DocText | None:
    """The run's document this gold file annotates: by source sha256, else by file name."""
    if gold.doc_id in texts:
        return texts[gold.doc_id]
    for t in texts.values():
        if Path(t.source).name == gold.source_name:
            return t
    return None


@dataclass
class GoldSet:
    docs: list[tuple[GoldDoc, DocText]]
    errors: list[str]          # files that could not be used, each with why
    warnings: list[str]


def load_gold(path: str | Path, texts: dict[str, DocText]) -> GoldSet:
    """Every gold file under `path`, checked against its text; bad files are reported, not fatal."""
    docs: list[tuple[GoldDoc, DocText]] = []
    errors: list[str] = []
    warnings: list[str] = []
    files = gold_files(path)
    if not files:
        errors.append(f"{path}: no gold .json files")
    for f in files:
        try:
            gold = parse_gold(read_gold_json(f), str(f))
        except GoldError as exc:
            errors.append(str(exc))
            continue
        doc = match_text(gold, texts)
        if doc is None:
            # Not an error: a run over part of the corpus is scored on the part it covers.
            warnings.append(f"{f}: skipped, its source {gold.source_name} (sha256 {gold.source_sha256[:16]}…) is "
                            "not in the prediction directory (run the pipeline on it to score it)")
            continue
        twin = next((g.path for g, d in docs if d.doc_id == doc.doc_id), None)
        if twin:
            errors.append(f"{f}: annotates the same document as {twin}; keep one gold file per document "
                          "(put curation passes in subfolders and use `pipeline gold compare`)")
            continue
        errs, warns = check_offsets(gold, doc.text)
        if errs:
            errors.append(str(GoldError(str(f), errs)))
            continue
        warnings.extend(warns + label_warnings(gold))
        docs.append((gold, doc))
    return GoldSet(docs, errors, warnings)


def dump_gold(data: dict[str, Any]) -> str:
    """Gold JSON written the same way every time: one item per line, so diffs stay readable."""
    head = {k: v for k, v in data.items() if k not in KINDS}
    lines = ["{"]
    parts = [f"  {json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}" for k, v in head.items()]
    for kind in KINDS:
        if kind not in data:
            continue
        rows = data[kind]
        if not rows:
            parts.append(f'  "{kind}": []')
            continue
        inner = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in rows)
        parts.append(f'  "{kind}": [\n{inner}\n  ]')
    lines.append(",\n".join(parts))
    lines.append("}")
    return "\n".join(lines) + "\n"
