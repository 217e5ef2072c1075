"""Map each corpus' labels to ours (PER/LOC/ORG), as listed in label_map.tsv (see LABELS.md).

A label mapped to `O` is trained as outside; `?` marks a span whose characters are trained as
missing (neither entity nor outside), for types like CLUENER `address` whose boundaries follow
another convention than MSRA's; labels not in the table for a corpus are also missing."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .formats import Sample

LABELS = ("PER", "LOC", "ORG")
MAP_FILE = Path(__file__).with_name("label_map.tsv")


@lru_cache(maxsize=None)
def label_map() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for line in MAP_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        corpus, src, dst = line.split("\t")[:3]
        out.setdefault(corpus, {})[src] = dst.strip()
    return out


def map_sample(corpus: str, sample: Sample) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """(entities, missing) in our labels; overlapping entities keep the longer one."""
    table = label_map()[corpus]
    ents, missing = [], []
    for s, e, lab in sample.spans:
        dst = table.get(lab, "?")
        if dst in LABELS:
            ents.append((s, e, dst))
        elif dst == "?":
            missing.append((s, e))
    ents.sort(key=lambda x: (-(x[1] - x[0]), x[0]))
    kept: list[tuple[int, int, str]] = []
    for s, e, lab in ents:
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, lab))
    missing = [(s, e) for s, e in missing if all(e <= ks or s >= ke for ks, ke, _ in kept)]
    return sorted(kept), missing
