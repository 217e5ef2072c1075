"""Label Studio and doccano exports into the gold format.

Annotators may curate in those tools on the document's clean text (as printed by
`pipeline gold show --plain`), whole or in pieces (a page, a paragraph): each task's text
is located in the clean text, and its spans shifted by where it sits, so the offsets in
the gold file point into Document.text whatever piece was annotated. A task whose text is
not found verbatim is an error naming the task, never a silent shift.

Labels go to `dates` or `numbers` when pipeline/data/evaluate/labels.json lists them there,
else to `entities`. Values come from a per-region text area in Label Studio (a bare value,
or `value=…; unit=…; approx=true; mod=…`); doccano has no per-span values, so its dates and
numbers arrive without a value, which `pipeline gold check` then asks the curator to fill.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from .gold import FORMAT, sha256_text


class ImportProblem(ValueError):
    pass


def label_policy() -> dict[str, list[str]]:
    return json.loads(resources.files("pipeline").joinpath("data/evaluate/labels.json").read_text("utf-8"))


def _route(label: str, policy: dict[str, list[str]]) -> str:
    up = label.upper()
    if up in policy["dates"]:
        return "dates"
    if up in policy["numbers"]:
        return "numbers"
    return "entities"


def parse_attrs(raw: str) -> dict[str, Any]:
    """`11320000` -> {value}; `value=5.2; unit=%; approx=true` -> those keys."""
    raw = raw.strip()
    if not raw:
        return {}
    if "=" not in raw:
        return {"value": raw}
    out: dict[str, Any] = {}
    for part in raw.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def _typed(kind: str, attrs: dict[str, Any]) -> dict[str, Any]:
    out = dict(attrs)
    if kind == "numbers" and "value" in out:
        try:
            out["value"] = float(out["value"])
            if out["value"].is_integer():
                out["value"] = int(out["value"])
        except (TypeError, ValueError):
            pass  # left as text: the gold check names it
    if "approx" in out:
        out["approx"] = str(out["approx"]).strip().lower() in ("true", "1", "yes")
    return out


def _item(kind: str, start: int, end: int, text: str, label: str, attrs: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"start": start, "end": end, "text": text}
    if kind == "entities":
        row["label"] = label
        row.update({k: v for k, v in attrs.items() if k == "canonical"})
    else:
        row["value"] = None
        if kind == "dates" and label.upper() in ("DURATION", "SET", "TIME"):
            row["type"] = label.upper()
        row.update(_typed(kind, attrs))
    return row


def _offset(task_text: str, doc_text: str, task_name: str) -> int:
    if task_text == doc_text:
        return 0
    k = doc_text.find(task_text)
    if k < 0:
        raise ImportProblem(f"task {task_name}: its text (\"{task_text[:30]}…\") is not part of the document's clean text")
    if doc_text.find(task_text, k + 1) >= 0:
        raise ImportProblem(f"task {task_name}: its text occurs more than once in the document; annotate a longer piece")
    return k


def _spans_labelstudio(export: Any) -> list[tuple[str, str, list[tuple[int, int, str, str, dict[str, Any]]]]]:
    """(task name, task text, [(start, end, text, label, attrs)]) per task."""
    if isinstance(export, dict):
        export = [export]
    if not isinstance(export, list):
        raise ImportProblem("a Label Studio export is a JSON list of tasks")
    tasks = []
    for t in export:
        if not isinstance(t, dict) or not isinstance(t.get("data"), dict):
            raise ImportProblem("a Label Studio task needs a 'data' object")
        text = next((v for k, v in t["data"].items() if k == "text"), None)
        if text is None:
            text = next((v for v in t["data"].values() if isinstance(v, str)), "")
        anns = t.get("annotations") or t.get("completions") or []
        anns = [a for a in anns if not a.get("was_cancelled")]
        if not anns:
            tasks.append((str(t.get("id")), text, []))
            continue
        result = anns[-1].get("result", [])  # the latest annotation of the task
        regions: dict[str, dict[str, Any]] = {}
        attrs: dict[str, dict[str, Any]] = {}
        for r in result:
            v = r.get("value", {})
            rid = str(r.get("id", len(regions)))
            if r.get("type") == "labels" or "labels" in v:
                regions[rid] = v
            elif r.get("type") == "textarea" or "text" in v and isinstance(v.get("text"), list):
                attrs.setdefault(rid, {}).update(parse_attrs(" ; ".join(v.get("text", []))))
            elif r.get("type") == "choices" and v.get("choices"):
                attrs.setdefault(rid, {})["mod"] = v["choices"][0]
        spans = []
        for rid, v in regions.items():
            labels = v.get("labels") or []
            if not labels:
                continue
            s, e = int(v["start"]), int(v["end"])
            spans.append((s, e, v.get("text", text[s:e]), labels[0], attrs.get(rid, {})))
        tasks.append((str(t.get("id")), text, spans))
    return tasks


def _spans_doccano(export: Any) -> list[tuple[str, str, list[tuple[int, int, str, str, dict[str, Any]]]]]:
    if isinstance(export, dict):
        export = [export]
    tasks = []
    for t in export:
        text = t.get("text") or t.get("data") or ""
        spans = []
        for lab in t.get("label") or t.get("labels") or []:
            s, e, name = int(lab[0]), int(lab[1]), str(lab[2])
            spans.append((s, e, text[s:e], name, {}))
        for ent in t.get("entities") or []:
            s, e = int(ent["start_offset"]), int(ent["end_offset"])
            spans.append((s, e, text[s:e], str(ent["label"]), {}))
        tasks.append((str(t.get("id", len(tasks))), text, spans))
    return tasks


def read_export(path: str | Path, fmt: str) -> Any:
    raw = Path(path).read_text("utf-8")
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        if fmt == "doccano":  # doccano exports JSONL: one task per line
            try:
                return [json.loads(line) for line in raw.splitlines() if line.strip()]
            except json.JSONDecodeError as exc:
                raise ImportProblem(f"{path}: not JSON or JSONL: {exc.msg} at line {exc.lineno}") from None
        raise ImportProblem(f"{path}: not valid JSON") from None


def import_export(path: str | Path, fmt: str, doc_text: str, source_name: str, source_sha256: str
                  ) -> dict[str, Any]:
    """A gold document from an export of one document's text (whole, or in pieces)."""
    export = read_export(path, fmt)
    tasks = _spans_labelstudio(export) if fmt == "labelstudio" else _spans_doccano(export)
    policy = label_policy()
    out: dict[str, Any] = {"format": FORMAT, "source": {"name": source_name, "sha256": source_sha256},
                           "text_sha256": sha256_text(doc_text), "text_length": len(doc_text),
                           "imported_from": f"{fmt}:{Path(path).name}", "entities": [], "dates": [], "numbers": []}
    scope: list[list[int]] = []
    for name, text, spans in tasks:
        k = _offset(text, doc_text, name)
        scope.append([k, k + len(text)])
        for s, e, span_text, label, attrs in spans:
            if doc_text[k + s:k + e] != span_text:
                raise ImportProblem(f"task {name}: span {s}-{e} {span_text!r} does not match its own text")
            kind = _route(label, policy)
            out[kind].append(_item(kind, k + s, k + e, span_text, label, attrs))
    for kind in ("entities", "dates", "numbers"):
        out[kind].sort(key=lambda r: (r["start"], r["end"]))
    if scope != [[0, len(doc_text)]]:
        scope.sort()
        merged: list[list[int]] = []
        for s, e in scope:
            if merged and s <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        out["scope"] = merged
    return out


# -- the other way: tasks for the annotation tools --------------------------------------------
def tool_labels() -> list[str]:
    """The labels an annotator picks from: entity types, then date and number types."""
    policy = label_policy()
    return policy["entities"] + ["DATE", "DURATION", "SET", "NUMBER"]


def labelstudio_config() -> str:
    """A Label Studio labelling config whose exports `import_export` reads back."""
    labels = "\n".join(f'    <Label value="{x}"/>' for x in tool_labels())
    return ("<View>\n  <Labels name=\"label\" toName=\"text\">\n" + labels + "\n  </Labels>\n"
            "  <Text name=\"text\" value=\"$text\"/>\n"
            "  <TextArea name=\"norm\" toName=\"text\" perRegion=\"true\" editable=\"true\"\n"
            "            placeholder=\"value (2020-11, 11320000) or value=5.2; unit=%; approx=about; mod=END\"/>\n"
            "</View>\n")


def make_tasks(pieces: list[str], fmt: str) -> str:
    """One task per piece of clean text (a page range), as the tool imports them."""
    if fmt == "labelstudio":
        return json.dumps([{"data": {"text": p}} for p in pieces], ensure_ascii=False, indent=1)
    return "\n".join(json.dumps({"text": p, "label": []}, ensure_ascii=False) for p in pieces) + "\n"
