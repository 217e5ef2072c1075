"""Readers for the NER gold formats we train on and benchmark against.

Every reader yields `Sample`s: the sentence text plus character-offset spans with the
corpus' own labels, so label mapping (labels.py) and tokenisation stay separate concerns.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator


@dataclass
class Sample:
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, source label)


def tags_to_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """Token-index spans from BIO / IOB1 / IOB2 / BMES / BIOES tags.

    Lenient like conlleval: an I-/M-/E- tag that does not continue an entity of the same
    type starts one (IOB1, and the stray I- tags of Weibo NER)."""
    spans: list[tuple[int, int, str]] = []
    start, cur = None, None

    def close(i: int) -> None:
        nonlocal start, cur
        if cur is not None:
            spans.append((start, i, cur))
        start, cur = None, None

    for i, tag in enumerate(tags):
        if tag in ("O", "-", "") or "-" not in tag:
            close(i)
            continue
        prefix, label = tag.split("-", 1)
        prefix = prefix.upper()
        if prefix in ("B", "S") or cur != label:
            close(i)
            start, cur = i, label
        if prefix in ("S", "E"):
            close(i + 1)
    close(len(tags))
    return spans


def _token_offsets(tokens: list[str], sep: str) -> list[tuple[int, int]]:
    offs, pos = [], 0
    for t in tokens:
        offs.append((pos, pos + len(t)))
        pos += len(t) + len(sep)
    return offs


def _sample(tokens: list[str], tags: list[str], sep: str) -> Sample:
    offs = _token_offsets(tokens, sep)
    spans = [(offs[s][0], offs[e - 1][1], lab) for s, e, lab in tags_to_spans(tags)]
    return Sample(sep.join(tokens), spans)


_COMMENT = re.compile(r"^# ?(sent_id|text|newdoc|newpar|id)\b")


def read_columns(lines: Iterable[str], sep: str = "", token_col: int = 0, tag_col: int = -1,
                 strip_digit: bool = False, docstart: bool = True) -> Iterator[Sample]:
    """One token per line, whitespace-separated columns, token first (or `token_col`) and tag
    last, a blank line between sentences (bio, bmes, iob2, CoNLL-2003). Lines starting with
    '#' (CoNLL-U comments) and -DOCSTART- are skipped. `sep` joins tokens: '' for Chinese
    characters/words, ' ' for English."""
    toks: list[str] = []
    tags: list[str] = []
    for line in lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            if toks:
                yield _sample(toks, tags, sep)
            toks, tags = [], []
            continue
        if _COMMENT.match(line):
            continue
        cols = line.split()
        if docstart and cols[0] == "-DOCSTART-":
            continue
        if len(cols) < 2:
            continue  # a token without a tag: nothing to learn from it
        tok, tag = cols[token_col], cols[tag_col]
        if strip_digit and len(tok) > 1 and tok[-1].isdigit():
            tok = tok[:-1]
        toks.append(tok)
        tags.append(tag)
    if toks:
        yield _sample(toks, tags, sep)


_MSRA_CHUNK = re.compile(r"^(.*)/([a-z]+)$", re.S)


def read_msra(lines: Iterable[str], tags: tuple[str, ...] = ("nr", "ns", "nt")) -> Iterator[Sample]:
    """The SIGHAN-2006 MSRA answer format: `text/nr text/ns text/nt text/o` chunks separated by
    spaces, one paragraph per line; untagged chunks are outside text."""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        text, spans = [], []
        pos = 0
        for chunk in line.split():
            m = _MSRA_CHUNK.match(chunk)
            word, tag = (m.group(1), m.group(2)) if m and m.group(1) else (chunk, "o")
            if tag in tags:
                spans.append((pos, pos + len(word), tag))
            text.append(word)
            pos += len(word)
        yield Sample("".join(text), spans)


_PFR_TOKEN = re.compile(r"^(\[)?(.+?)/([A-Za-z]+)(?:\]([a-z]+))?$")


def read_pfr(lines: Iterable[str]) -> Iterator[Sample]:
    """People's Daily 1998 (PFR): `word/pos` tokens, `[w/pos w/pos]nt` compound names. Adjacent
    nr tokens form one person (江/nr 泽民/nr); a bracket's outer tag (nt, ns) wins over the inner
    tags; other brackets (nz, i, l) keep their inner tags."""
    for line in lines:
        toks = line.split()
        if not toks:
            continue
        if re.match(r"^\d{8}-\d\d-\d{3}-\d{3}/m$", toks[0]):
            toks = toks[1:]
        text: list[str] = []
        spans: list[tuple[int, int, str]] = []
        pos = 0
        bracket_start, inner = None, []
        for tok in toks:
            m = _PFR_TOKEN.match(tok)
            if not m:
                word, pos_tag, opened, outer = tok, "x", False, None
            else:
                opened, word, pos_tag, outer = bool(m.group(1)), m.group(2), m.group(3), m.group(4)
            if opened:
                bracket_start, inner = pos, []
            s, e = pos, pos + len(word)
            text.append(word)
            pos = e
            item = (s, e, pos_tag)
            if bracket_start is not None:
                inner.append(item)
            else:
                _add_pfr(spans, item)
            if outer is not None and bracket_start is not None:
                if outer in ("nt", "ns"):
                    spans.append((bracket_start, e, "[]" + outer))
                else:
                    for it in inner:
                        _add_pfr(spans, it)
                bracket_start, inner = None, []
        yield Sample("".join(text), spans)


def _add_pfr(spans: list[tuple[int, int, str]], item: tuple[int, int, str]) -> None:
    s, e, tag = item
    if tag not in ("nr", "ns", "nt"):
        return
    if tag == "nr" and spans and spans[-1][2] == "nr" and spans[-1][1] == s:
        spans[-1] = (spans[-1][0], e, "nr")
    else:
        spans.append((s, e, tag))


def read_cluener(lines: Iterable[str]) -> Iterator[Sample]:
    """CLUENER2020 JSON lines: {"text", "label": {type: {mention: [[start, end_inclusive]]}}}."""
    for line in lines:
        if not line.strip():
            continue
        rec = json.loads(line)
        spans = []
        for typ, mentions in (rec.get("label") or {}).items():
            for _m, where in mentions.items():
                for s, e in where:
                    spans.append((s, e + 1, typ))
        yield Sample(rec["text"], sorted(spans))


_SENT_END = re.compile(r"[。！？!?；;]+[”’」』）)]*")


def split_long(sample: Sample, max_len: int = 150) -> list[Sample]:
    """Cut a long paragraph at sentence ends that fall outside every entity, so training
    documents stay sentence-sized."""
    if len(sample.text) <= max_len:
        return [sample]
    cuts = [m.end() for m in _SENT_END.finditer(sample.text)
            if all(not (s < m.end() < e) for s, e, _ in sample.spans)]
    out, start = [], 0
    for c in cuts + [len(sample.text)]:
        if c <= start or (c - start < 20 and c != len(sample.text)):
            continue
        out.append(Sample(sample.text[start:c], [(s - start, e - start, l) for s, e, l in sample.spans if s >= start and e <= c]))
        start = c
    return [o for o in out if o.text.strip()]


def open_text(path: Path, encoding: str = "utf-8") -> list[str]:
    return path.read_text(encoding=encoding, errors="replace").splitlines()


def zip_member_lines(path: Path, member: str, encoding: str = "utf-8") -> list[str]:
    """Read a member of a zip in memory: nothing is unpacked into the repository."""
    with zipfile.ZipFile(path) as z:
        with z.open(member) as fh:
            return io.TextIOWrapper(fh, encoding=encoding, errors="replace").read().splitlines()
