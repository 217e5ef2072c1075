"""Alias linking: one canonical entity for a Chinese name, its English name and its acronym.

Patterns (all general, by punctuation and script):
  中文名（English Name，ABBR）  中文名（ABBR）  中文名（ABBR, English Name）  《中文》（English）
  English Name (ABBR)          Research Data Alliance-RDA
Every mention then carries its group's `canonical` (the canonical name: the Chinese one
when there is one), and every other mention of any alias in the document — the acronym
alone, the English name alone — is found and linked to it.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Iterable

from ..registry import table
from ..script import is_cjk, is_latin
from .rules import Cand, Lexicon, Tok

_PAREN = re.compile(r"[（(]([^（）()\n]{1,200})[）)]")
_PART = re.compile(r"[^，,;；、]+")
_ABBR = re.compile(r"[A-Z][A-Za-z0-9&]*(?:[-.][A-Za-z0-9]+)*")
_EN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9&'’.:\- ]*")
_EN_ABBR = re.compile(r"(?P<name>[A-Za-z][A-Za-z0-9&'’.\- ]*?[A-Za-z])\s*[-–—]\s*(?P<abbr>[A-Z][A-Z0-9&]{1,11})")
_MINOR = {"of", "and", "for", "the", "on", "in", "to", "at", "de", "des", "du", "la", "le", "et", "&", "a", "an"}
_CAPSEQ = re.compile(r"((?:[A-Z][\w'’&.-]*|of|and|for|the|on|in|to|at|de)"
                     r"(?:\s+(?:[A-Z][\w'’&.-]*|of|and|for|the|on|in|to|at|de))*)\s*$")
_DELIMS = set("，、。；：“”‘’《》（）(),;:!?！？「」『』【】 \n\t")


@table("aliases")
@dataclass
class AliasRow:
    __order__ = ("doc_id", "canonical", "kind", "alias")
    doc_id: str
    canonical: str
    alias: str
    lang: str
    kind: str       # zh, en, abbr


def norm(name: str) -> str:
    """The form two mentions of one name share: whitespace collapsed, brackets dropped."""
    return " ".join(name.replace("《", "").replace("》", "").split())


def is_abbr(s: str) -> bool:
    return (2 <= len(s) <= 12 and _ABBR.fullmatch(s) is not None
            and sum(c.isupper() for c in s) >= 2 and not s.isdigit())


def is_en_name(s: str) -> bool:
    if not _EN_NAME.fullmatch(s) or len(s) < 3:
        return False
    words = s.split()
    return any(w[:1].isupper() for w in words) and sum(c.isalpha() for c in s) >= 3


def initials_match(name: str, abbr: str) -> bool:
    """Do the acronym's letters come from the name's words (Committee on Data … -> CODATA too)?"""
    letters = [c.upper() for c in abbr if c.isalpha()]
    words = re.findall(r"[A-Za-z]+", name)
    if not letters or not words:
        return False
    main = [w[0].upper() for w in words if w.lower() not in _MINOR]
    if letters == main:
        return True
    # otherwise the acronym must be spelled, in order, from the start of the name's words
    text = " ".join(words).upper()
    if letters[0] != text[0]:
        return False
    pos = 0
    for ch in letters:
        pos = text.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    return len(letters) >= 2


def split_parts(content: str, base: int) -> list[tuple[str, str, int, int]] | None:
    """(kind, text, start, end) of a parenthetical's parts; None when it is not a name gloss."""
    parts = []
    for m in _PART.finditer(content):
        raw = m.group()
        s = base + m.start() + (len(raw) - len(raw.lstrip()))
        t = raw.strip()
        if not t:
            continue
        e = s + len(t)
        if is_abbr(t):
            parts.append(("abbr", t, s, e))
        elif (ea := _EN_ABBR.fullmatch(t)) and initials_match(ea["name"], ea["abbr"]):
            parts.append(("en", ea["name"], s, s + len(ea["name"])))
            parts.append(("abbr", ea["abbr"], s + ea.start("abbr"), s + ea.end("abbr")))
        elif is_en_name(t):
            parts.append(("en", t, s, e))
        else:
            return None
    return parts or None


class Linker:
    """Builds alias groups over one document and links every mention to its group."""

    def __init__(self, lex: Lexicon):
        self.lex = lex
        self.canon_of: dict[str, str] = {}      # alias -> canonical
        self.label_of: dict[str, str] = {}      # canonical -> label
        self.names: dict[str, list[tuple[str, str]]] = {}  # canonical -> [(alias, kind)]

    def _group(self, names: list[tuple[str, str]], label: str) -> str:
        known = [self.canon_of[norm(a)] for a, _ in names if norm(a) in self.canon_of]
        canonical = known[0] if known else norm(names[0][0])
        self.label_of.setdefault(canonical, label)
        have = self.names.setdefault(canonical, [])
        for alias, kind in names:
            a = norm(alias)
            self.canon_of.setdefault(a, canonical)
            if (a, kind) not in have:
                have.append((a, kind))
        return canonical

    # -- the patterns ------------------------------------------------------------------------------
    def link(self, text: str, sents: list[tuple[int, int]], toks: list[list[Tok]],
             ents: list[Cand]) -> list[Cand]:
        """Add the alias mentions to `ents` (resolved, non-overlapping); set every canonical."""
        by_end = {e.end: e for e in ents}
        new: list[Cand] = []
        for si, (ss, se) in enumerate(sents):
            stext = text[ss:se]
            for m in _PAREN.finditer(stext):
                p = ss + m.start()
                parts = split_parts(m.group(1), ss + m.start(1))
                if not parts:
                    continue
                head = self._head(text, ss, p, ss + m.end(), se, by_end, toks[si], parts)
                if head is None:
                    continue
                zh = is_cjk(text[head.start]) or not is_latin(text[head.start])
                names = [(text[head.start:head.end], "zh" if zh else "en")] + [(t, k) for k, t, _, _ in parts]
                canonical = self._group(names, head.label)
                head.canonical = canonical
                label = self.label_of[canonical]
                for kind, t, s, e in parts:
                    new.append(Cand(s, e, label, "rule", prio=8, canonical=canonical))
                if head not in ents:
                    new.append(head)
            for m in _EN_ABBR.finditer(stext):          # Research Data Alliance-RDA
                name, abbr = m["name"], m["abbr"]
                cap = _CAPSEQ.search(name)
                name = cap.group(1).strip() if cap else ""
                while name and name.split()[0].lower() in _MINOR:
                    name = name.split(" ", 1)[1] if " " in name else ""
                if len(name.split()) < 2 or not initials_match(name, abbr):
                    continue
                ns = ss + m.start("name") + m["name"].rfind(name)
                label = self.lex.en_label(name) or "ORG"
                canonical = self._group([(name, "en"), (abbr, "abbr")], label)
                new.append(Cand(ns, ns + len(name), self.label_of[canonical], "rule", 8, canonical))
                new.append(Cand(ss + m.start("abbr"), ss + m.end("abbr"), self.label_of[canonical],
                                "rule", 8, canonical))
        ents = _overlay(ents, new)
        ents = _overlay(ents, self._mentions(text, sents, ents))
        for e in ents:
            c = self.canon_of.get(norm(text[e.start:e.end]))
            if c:
                e.canonical = c
                e.label = self.label_of.get(c, e.label)
            elif not e.canonical:
                e.canonical = norm(text[e.start:e.end])
        return ents

    def _head(self, text: str, ss: int, p: int, close: int, se: int, by_end: dict[int, Cand],
              toks: list[Tok], parts) -> Cand | None:
        """The entity a parenthetical glosses: the one ending just before it, else the name there."""
        e = by_end.get(p) or (by_end.get(p - 1) if p > ss and text[p - 1] == "》" else None)
        if e is not None:
            return e
        before = text[ss:p]
        abbrs = [t for k, t, _, _ in parts if k == "abbr"]
        ens = [t for k, t, _, _ in parts if k == "en"]
        if before.rstrip() and is_latin(before.rstrip()[-1]):
            # English Name (ABBR): capitalised words whose initials spell the acronym
            cap = _CAPSEQ.search(before)
            if not cap or not abbrs:
                return None
            name = cap.group(1)
            words = name.split()
            while words and words[0].lower() in _MINOR:
                words = words[1:]
            name = " ".join(words)
            if len(words) < 2 or not initials_match(name, abbrs[0]):
                return None
            s = ss + before.rfind(name)
            label = self.lex.en_label(name) or "ORG"
            return Cand(s, s + len(name), label, "rule", prio=8)
        # a Chinese name bounded by punctuation on both sides (、未来地球（Future Earth）、), or
        # on its left only when the English name says what it is (…Agency, …Journal)
        en_label = next((self.lex.en_label(t) for t in ens if self.lex.en_label(t)), None)
        if close < se and text[close] not in _DELIMS and en_label is None:
            return None
        q = p
        while q > ss and text[q - 1] not in _DELIMS:
            q -= 1
        seg = text[q:p]
        if not (2 <= len(seg) <= 20) or not any(is_cjk(c) for c in seg):
            return None
        inside = [t for t in toks if q <= t.start and t.end <= p]
        if any(not (self.lex.name_like(t.text) or t.text in self.lex.connectors) for t in inside):
            return None
        label = self.lex.label_by_suffix(seg) or en_label or "ORG"
        return Cand(q, p, label, "rule", prio=8)

    def _mentions(self, text: str, sents: list[tuple[int, int]], ents: list[Cand]) -> list[Cand]:
        """Every other occurrence of a known alias in the sentences (acronym, English name …)."""
        out = []
        starts = [a for a, _ in sents]
        taken = sorted((e.start, e.end) for e in ents)
        for alias, canonical in self.canon_of.items():
            if len(alias) < 2 or not self._searchable(alias, canonical):
                continue
            if alias.isascii():
                pat = re.compile(r"(?<![A-Za-z0-9])" + r"\s+".join(re.escape(w) for w in alias.split())
                                 + r"(?![A-Za-z0-9])")
            else:
                pat = re.compile(re.escape(alias))
            for m in pat.finditer(text):
                s, e = m.span()
                k = bisect_right(starts, s) - 1
                if k < 0 or e > sents[k][1]:
                    continue        # not inside one sentence
                if any(a < e and s < b for a, b in taken):
                    continue
                out.append(Cand(s, e, self.label_of.get(canonical, "ORG"), "rule", 7, canonical))
                taken.append((s, e))
        return out

    def _searchable(self, alias: str, canonical: str) -> bool:
        """Search the text for it? Not a common word: a Chinese title (科学, 自然) is found only
        inside 《》 (by the title rule), a one-word English name (Nature) only where glossed."""
        if alias.isascii():
            return is_abbr(alias) or len(alias.split()) >= 2
        return len(alias) >= 4 and self.label_of.get(canonical) != "WORK_OF_ART"

    def rows(self, doc_id: str) -> list[AliasRow]:
        out = []
        for canonical, names in self.names.items():
            for alias, kind in names:
                out.append(AliasRow(doc_id, canonical, alias, "zh" if kind == "zh" else "en", kind))
        return out


def _overlay(ents: Iterable[Cand], new: list[Cand]) -> list[Cand]:
    """`new` spans replace any entity they overlap; the rest stay."""
    keep = [e for e in ents if not any(n.start < e.end and e.start < n.end for n in new if n is not e)]
    added: list[Cand] = []
    for n in sorted(new, key=lambda c: (c.start, -(c.end - c.start))):
        if n in keep or any(a.start < n.end and n.start < a.end for a in added):
            continue
        added.append(n)
    return sorted(keep + added, key=lambda c: c.start)
