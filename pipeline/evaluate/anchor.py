"""Authoring helper: a curator writes spans by their text, this turns them into offsets.

A draft is a gold file without offsets (corpus/gold/README.md shows one). Each item gives
its `text` and, when that text repeats, how to find the right occurrence:

    "occurrence": N     the N-th occurrence (1-based) within the draft's scope
    "after": "…"        the occurrence right after this left context (with "occurrence"
                        counting among those)
    "all": true         every occurrence in scope (one gold item each)
    nothing             the first occurrence at or after the previous item of the same list
                        (and not already taken by the same text), so a list written in
                        reading order anchors itself

An item that already has start/end keeps them when they still hold its text; with
`repair`, one whose text moved is put on the nearest occurrence (and the move reported).
Anchoring never looks at predictions: gold is written from the text alone.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from .gold import FORMAT, KINDS, DocText, _find_all, sha256_file, sha256_text

CONTROL = ("occurrence", "after", "all")


class AnchorError(ValueError):
    pass


def parse_pages(spec: Any) -> list[int]:
    """[1, 2] or "1-2,5" -> [1, 2, 5]."""
    if isinstance(spec, list):
        return [int(x) for x in spec]
    pages: list[int] = []
    for part in str(spec).split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            pages.extend(range(int(a), int(b) + 1))
        else:
            pages.append(int(part))
    return pages


def resolve_scope(draft: dict[str, Any], doc: DocText) -> list[tuple[int, int]] | None:
    """The draft's scope as offset ranges: {"pages": …}, [[start, end], …], or None (whole text)."""
    scope = draft.get("scope")
    if scope is None:
        return None
    if isinstance(scope, dict) and "pages" in scope:
        ranges = doc.page_ranges(parse_pages(scope["pages"]))
        if not ranges:
            raise AnchorError(f"scope pages {scope['pages']} hold no text in {doc.source}")
        return ranges
    if isinstance(scope, list):
        return [(int(a), int(b)) for a, b in scope]
    raise AnchorError('"scope" must be {"pages": "1-2"} or a list of [start, end] pairs')


def _in(scope: list[tuple[int, int]] | None, start: int, end: int) -> bool:
    return scope is None or any(s <= start and end <= e for s, e in scope)


def anchor_items(kind: str, items: list[dict[str, Any]], text: str, scope: list[tuple[int, int]] | None,
                 repair: bool = False) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """(anchored items, problems, notes) for one list of a draft."""
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    notes: list[str] = []
    cursor = 0
    used: set[tuple[int, str]] = set()
    for n, item in enumerate(items):
        where = f"{kind}[{n}]"
        want = item.get("text")
        if not isinstance(want, str) or not want:
            problems.append(f"{where}: needs a non-empty 'text'")
            continue
        where = f"{where} {want!r}"
        base = {k: v for k, v in item.items() if k not in CONTROL and k not in ("start", "end")}
        hits = [i for i in _find_all(text, want) if _in(scope, i, i + len(want))]
        if isinstance(item.get("start"), int):
            s = item["start"]
            if text[s:s + len(want)] == want and _in(scope, s, s + len(want)):
                out.append({"start": s, "end": s + len(want), **base})
                cursor = s
                used.add((s, want))
                continue
            if not repair or not hits:
                problems.append(f"{where}: no longer at {s} (the text there is {text[s:s + len(want)]!r})"
                                + (f"; it occurs at {hits[:5]}, use --repair to move it" if hits else ""))
                continue
            best = min(hits, key=lambda i: abs(i - s))
            notes.append(f"{where}: moved {s} -> {best} ({best - s:+d})")
            out.append({"start": best, "end": best + len(want), **base})
            cursor = best
            used.add((best, want))
            continue
        after = item.get("after")
        if after:
            hits = [i for i in hits if text[max(0, i - len(after)):i] == after]
        if not hits:
            problems.append(f"{where}: not found" + (f" after {after!r}" if after else "") + (" in scope" if scope else ""))
            continue
        if item.get("all"):
            for i in hits:
                out.append({"start": i, "end": i + len(want), **base})
            notes.append(f"{where}: all -> {len(hits)} occurrence(s)")
            continue
        occ = item.get("occurrence")
        if occ is not None:
            if not isinstance(occ, int) or not 1 <= occ <= len(hits):
                problems.append(f"{where}: occurrence {occ!r} but there are {len(hits)}")
                continue
            s = hits[occ - 1]
        elif after:
            s = hits[0]  # the left context is the disambiguation
        else:
            later = [i for i in hits if i >= cursor and (i, want) not in used]
            if not later:
                problems.append(f"{where}: no occurrence after the previous item (at {cursor}); "
                                f"it occurs at {hits[:5]}: give 'occurrence' or 'after', or keep the list in reading order")
                continue
            s = later[0]
        out.append({"start": s, "end": s + len(want), **base})
        used.add((s, want))
        cursor = s
    order = {"start": 0, "end": 1, "text": 2}
    out = [dict(sorted(r.items(), key=lambda kv: (order.get(kv[0], 3)))) for r in out]
    out.sort(key=lambda r: (r["start"], r["end"]))
    seen = set()
    for r in out:
        subject = r.get("subject")  # a fact about several things lists them
        key = (r["start"], r["end"], r.get("label"),
               tuple(subject) if isinstance(subject, list) else subject, r.get("metric"))
        if key in seen:
            problems.append(f"{kind}: {r['text']!r} at {r['start']} is listed twice")
        seen.add(key)
    return out, problems, notes


def anchor_draft(draft: dict[str, Any], doc: DocText, source_sha256: str, repair: bool = False
                 ) -> tuple[dict[str, Any], list[str], list[str]]:
    """A complete gold document from a draft; problems say which items could not be placed."""
    problems: list[str] = []
    notes: list[str] = []
    scope = resolve_scope(draft, doc)
    src = draft.get("source")
    name = src.get("name") if isinstance(src, dict) else Path(str(src or doc.source)).name
    out: dict[str, Any] = {"format": FORMAT, "source": {"name": name, "sha256": source_sha256},
                           "text_sha256": sha256_text(doc.text), "text_length": len(doc.text)}
    if scope is not None:
        out["scope"] = [list(r) for r in scope]
        if isinstance(draft.get("scope"), dict):
            out["scope_pages"] = draft["scope"].get("pages")
    for k in ("annotator", "pass", "notes", "date"):
        if k in draft:
            out[k] = draft[k]
    for kind in KINDS:
        if kind not in draft:
            continue
        items, p, n = anchor_items(kind, draft[kind] or [], doc.text, scope, repair)
        out[kind] = items
        problems += p
        notes += n
    return out, problems, notes


def find_doc(draft_source: Any, pred: str | None, source: str | None) -> tuple[DocText, str]:
    """The text a draft annotates and the sha256 of its source file."""
    from .gold import texts_from_pred, text_from_source
    name = draft_source.get("name") if isinstance(draft_source, dict) else draft_source
    path = source or (name if name and Path(str(name)).exists() else None)
    if pred:
        texts = texts_from_pred(pred)
        sha = draft_source.get("sha256", "") if isinstance(draft_source, dict) else ""
        if path:
            sha = sha256_file(path)
        for t in texts.values():
            if (sha and t.doc_id == sha[:16]) or Path(t.source).name == Path(str(name or path)).name:
                if not sha:
                    if not Path(t.source).exists():
                        raise AnchorError(f"cannot read {t.source} to hash it; pass --source FILE")
                    sha = sha256_file(t.source)
                return t, sha
        raise AnchorError(f"{name or path} is not among the documents of {pred}")
    if not path:
        raise AnchorError(f"cannot find the source {name!r}: pass --source FILE or --pred DIR")
    return text_from_source(path), sha256_file(path)
