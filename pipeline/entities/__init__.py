"""Stage `entities`: names of organisations, people, places, publications and events.

Sources, merged into one non-overlapping set per document:
  * the trained Chinese model (pipeline.entities.model, labels PER/LOC/ORG mapped to OntoNotes),
  * rules and a gazetteer read from pipeline/data/entities/ (see rules.py),
  * en_core_web_sm on English runs of useful length (english.py).
Precedence: 《》 titles first; then rules and gazetteer, the longer span first (a long name
holding a place name is one entity), between equal spans gazetteer > quoted name > person
rule > suffix rule; then the model's spans where they overlap nothing chosen, or only
gazetteer place names inside a longer model name. Alias linking (aliases.py) then
gives every mention its `canonical` and fills table `aliases`.
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..document import Document
from ..registry import stage, table
from ..script import is_cjk
from ..segment import SentenceRow, runs_of
from . import aliases as _aliases
from .english import KEEP, english_cands
from .rules import (Cand, Lexicon, Tok, abbreviation_cands, common_body, deictic_cands, division_cands, gazetteer_cands, lexicon, pattern_cands, person_cands, place_cands,
                    quoted_cands, suffix_cands, title_cands, titled_name_cands)



@table("entities")
@dataclass
class EntityRow:
    __order__ = ("doc_id", "start", "end")
    doc_id: str
    sent_id: int
    start: int
    end: int
    text: str
    label: str
    lang: str
    canonical: str
    source: str       # model, rule, gazetteer
    page: int


def map_model_label(label: str, name: str, lex: Lexicon) -> str | None:
    """The Chinese model's PER/LOC/ORG in OntoNotes terms (a 研讨会 the model calls ORG is an EVENT)."""
    if label in ("PER", "PERSON"):
        return "PERSON"
    if label == "ORG":
        return lex.label_by_suffix(name) or "ORG"
    if label in ("LOC", "GPE"):
        return lex.place_label(name)
    return label if label in KEEP else None


def resolve(cands: list[Cand]) -> list[Cand]:
    """No overlaps. 《》 titles first; then rules and gazetteer, longer spans first (between equal
    spans the higher `prio`); then the model fills what is left, and may take over only place
    names from the gazetteer that lie inside its longer span (中国 inside 中国日报社)."""
    size = max((c.end for c in cands), default=0)
    owner: list[Cand | None] = [None] * size     # which chosen span holds each character

    def overlaps(c: Cand) -> list[Cand]:
        seen: list[Cand] = []
        for o in owner[c.start:c.end]:
            if o is not None and (not seen or seen[-1] is not o):
                seen.append(o)
        return seen

    def take(c: Cand) -> None:
        owner[c.start:c.end] = [c] * (c.end - c.start)

    known = [c for c in cands if c.source != "model" and c.end > c.start]
    for c in sorted(known, key=lambda c: (c.prio < 9, -(c.end - c.start), -c.prio, c.start)):
        if not overlaps(c):
            take(c)
    model = [c for c in cands if c.source == "model" and c.end > c.start]
    for c in sorted(model, key=lambda c: (-(c.end - c.start), c.start)):
        hit = overlaps(c)
        if hit and all(o.source == "gazetteer" and o.label in ("GPE", "LOC") and c.start <= o.start
                       and o.end <= c.end and (o.end - o.start) < (c.end - c.start) for o in hit):
            hit = []
        if not hit:
            take(c)
    chosen: list[Cand] = []
    for o in owner:
        if o is not None and (not chosen or chosen[-1] is not o):
            chosen.append(o)
    return chosen


def load_zh_ner(kind: str | bool):
    """The configured Chinese NER: "crf" (the shipped CRF, pipeline/models/zh_crf), "cnn" (the
    spaCy CNN tagger, pipeline/models/zh_ner, when present), the directory of a CRF trained
    elsewhere, or false (rules only)."""
    if kind is True:
        kind = "crf"
    if not kind:
        return None
    if kind == "crf":
        from .crf import CrfNer
        return CrfNer.load()
    if kind == "cnn":
        from .model import ZhNer
        return ZhNer.load()
    if isinstance(kind, str) and (Path(kind) / "meta.json").is_file():
        from .crf import CrfNer     # a CRF trained elsewhere: `python -m pipeline.entities.training --out DIR`
        return CrfNer.load(kind)
    raise ValueError(f"entities.zh_model must be \"crf\", \"cnn\", a CRF model directory or false, not {kind!r}")


class ZhModel:
    """The trained Chinese NER, or nothing (with one warning) when the package lacks it."""

    def __init__(self, kind: str | bool):
        self.ner = None
        try:
            self.ner = load_zh_ner(kind)
        except Exception as exc:  # a missing model must not stop the rules
            print(f"warning: entities: Chinese NER model not available ({exc}); rules only",
                  file=sys.stderr)

    def cands(self, text: str, sents: list[tuple[int, int]], lex: Lexicon,
              toks: list[list[Tok]] | None = None) -> list[Cand]:
        if self.ner is None:
            return []
        todo = [i for i, (s, e) in enumerate(sents) if any(is_cjk(c) for c in text[s:e])]
        out = []
        for i, spans in zip(todo, self.ner.predict([text[sents[i][0]:sents[i][1]] for i in todo])):
            s = sents[i][0]
            cuts = _inner_cuts(toks[i], lex) if toks else set()
            for a, b, label in spans:
                name = text[s + a:s + b]
                lab = map_model_label(label, name.strip(), lex)
                if not (lab and name.strip()):
                    continue
                start = s + a + len(name) - len(name.lstrip())
                end = start + len(name.strip())
                while start < end and not (text[start].isalnum() or text[start] in "《"):
                    start += 1      # punctuation at the edges: 延吉-
                while end > start and not text[end - 1].isalnum():
                    end -= 1
                if not any(is_cjk(c) for c in text[start:end]):
                    continue        # Latin text is the English model's and the alias rules' job
                if (start > 0 and text[start - 1].isascii() and text[start - 1].isalnum() and text[start].isascii()
                        or end < len(text) and text[end].isascii() and text[end].isalnum() and text[end - 1].isascii()):
                    continue        # cuts a Latin word or a URL
                if start in cuts or end in cuts or not plausible(text[start:end], lab, lex):
                    continue        # cuts a dictionary word: 中国科(学家), 武汉一(线)
                out.append(Cand(start, end, lab, "model", prio=1))
        return out


_NAME_TAGS = ("nr", "ns", "nt", "nz", "j")


_BRACKETS = {"(": ")", "（": "）", "[": "]", "【": "】", "《": "》"}


def _balanced(name: str) -> bool:
    depth: list[str] = []
    closers = set(_BRACKETS.values())
    for c in name:
        if c in _BRACKETS:
            depth.append(_BRACKETS[c])
        elif c in closers:
            if not depth or depth.pop() != c:
                return False
    return not depth


def plausible(name: str, label: str, lex: Lexicon) -> bool:
    """Shape checks on a model span: what no name looks like is dropped, whatever the model says."""
    if len(name) < 2:
        return False
    if any(c.isspace() for c in name) or not _balanced(name):
        return False                # runs over a line end or half a bracket: 高测股份(688556.SH
    if common_body(name, lex):
        return False                # 自治区党委, 省政府: a description, not a name
    han = [is_cjk(c) for c in name]
    if any(han) and re.search(r"[0-9０-９][0-9０-９.]*[A-Za-z%]*$", name):
        return False                # 吉化1, 乐山5GW: a footnote marker or a quantity glued on
    if any(han) and not all(han[i] or name[i] in "·•-" for i in range(len(name))) and label == "PERSON":
        return False
    if label == "PERSON" and all(han) and not 2 <= len(name) <= 4:
        return False                # Chinese personal names are 2-4 characters
    tag = lex.tag(name)
    if tag is not None and not tag.startswith(_NAME_TAGS):
        return False                # a common word: 城市, 美丽
    return True


def _inner_cuts(toks: list[Tok], lex: Lexicon) -> set[int]:
    """Offsets inside tokens that jieba's dictionary knows as words: no name starts or ends there."""
    cuts: set[int] = set()
    for t in toks:
        if len(t.text) > 1 and lex.tag(t.text) is not None:
            cuts.update(range(t.start + 1, t.end))
    return cuts


def extract(doc: Document, lex: Lexicon, model: ZhModel, cfg: dict[str, Any]) -> None:
    text = doc.text
    runs = runs_of(doc)
    rows: list[SentenceRow] = [r for r in doc.tables.get("sentences", []) if r.doc_id == doc.doc_id]
    sents = [(r.start, r.end) for r in rows]
    toks: list[list[Tok]] = [[] for _ in sents]
    for r in runs:
        toks[r.sent_id].extend(Tok(r.start + t.idx, r.start + t.idx + len(t.text), t.text)
                               for t in r.doc if not t.is_space)
    cands: list[Cand] = []
    for si, (s, e) in enumerate(sents):
        st = text[s:e]
        if not any(is_cjk(c) for c in st):
            continue
        cands += title_cands(st, s, lex)
        cands += suffix_cands(toks[si], st, s, lex)
        cands += quoted_cands(st, s, lex)
        cands += person_cands(st, s, toks[si], lex)
        cands += gazetteer_cands(st, s, toks[si], lex)
        cands += pattern_cands(st, s, lex)
        cands += abbreviation_cands(st, s, lex)
        cands += place_cands(toks[si], lex)
        cands += titled_name_cands(st, s, toks[si], lex)
        cands += deictic_cands(toks[si], lex)
    if cfg.get("divisions", True):
        cands += division_cands(text, [t for ts in toks for t in ts], lex)
    cands += model.cands(text, sents, lex, toks)
    if cfg.get("english", True):
        cands += english_cands(text, runs, cfg)
    linker = _aliases.Linker(lex)
    chosen = resolve(cands)
    region = _region(doc, cands, lex)
    for c in chosen:
        if c.canonical == "@region":
            c.canonical = region or text[c.start:c.end]
    ents = linker.link(text, sents, toks, chosen)
    starts = [s for s, _ in sents]
    out = []
    for c in ents:
        name = text[c.start:c.end]
        sid = max(bisect_right(starts, c.start) - 1, 0)
        out.append(EntityRow(doc.doc_id, sid, c.start, c.end, name, c.label,
                             "zh" if any(is_cjk(ch) for ch in name) else "en",
                             c.canonical or _aliases.norm(name), c.source, doc.page_at(c.start)))
    doc.add_rows("entities", out)
    doc.add_rows("aliases", linker.rows(doc.doc_id))


def _region(doc: Document, cands: list[Cand], lex: Lexicon) -> str | None:
    """The place a report is about: the first GPE named in its title (2025年西藏政府工作报告), else
    a name opening the title that ends in an administrative unit (2024年湖南省政府工作报告)."""
    titles = [(b.start, b.end) for b in doc.blocks if b.role == "title" and b.start >= 0]
    for c in sorted(cands, key=lambda c: c.start):
        if c.label == "GPE" and c.canonical != "@region" and any(a <= c.start < b for a, b in titles):
            return c.canonical or doc.text[c.start:c.end]
    for a, b in titles:
        head = re.sub(r"^[\s\d０-９]*年(?:度)?", "", doc.text[a:b].strip())
        for n in range(min(len(head), 10), 1, -1):   # the whole name first: 广州市, not 广州
            name = head[:n]
            if not (name.endswith(lex.gpe_suffixes) and all(is_cjk(ch) for ch in name)):
                continue
            # the administrative ending itself (广州市 -> 广州), not every ending character (-> 广)
            ending = max((x for x in lex.gpe_suffixes if name.endswith(x)), key=len)
            stem = name[:len(name) - len(ending)]
            # the stem alone vouches for the name only when it is not itself a whole place name
            # already (灞桥区国民经济…: 灞桥区 is the place, not 灞桥区国)
            if _place(name, lex) or (_place(stem, lex) and not stem.endswith(lex.gpe_suffixes)):
                return name
    return None


def _place(word: str, lex: Lexicon) -> bool:
    return (lex.tag(word) or "").startswith("ns") or lex.gazetteer.get(word) == "GPE"


@stage("entities")
def make_entities(cfg: dict[str, Any]):
    conf = cfg.get("entities", {})
    lex = lexicon(conf.get("data", "entities"))
    model = ZhModel(conf.get("zh_model", "crf"))

    def run(doc: Document) -> None:
        extract(doc, lex, model, conf)

    return run
