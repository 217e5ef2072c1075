"""Stage `segment`: sentences and tokens, with every offset pointing into `doc.text`.

A sentence never crosses a block (paragraph, heading, footnote). Each sentence is cut into
script runs — Chinese, or a stretch of Latin words inside it — so that each run goes to
the tokenizer of its language: `spacy.blank("zh")` with jieba, spaCy's English tokenizer.
The spaCy Docs of the runs stay on the document (`doc.meta["_runs"]`, never exported) so
the entities stage reads the same tokens without tokenizing again.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

from .document import Document
from .registry import stage, table
from .script import is_cjk, is_latin, lang_of

RUNS_KEY = "_runs"

# Chinese terminators (full width, and ASCII !? which Chinese text also uses) and the
# closing quotes/brackets that belong to the sentence they close.
_ZH_END = "。！？；!?"
_CLOSERS = "”’」』）)》〉】]\"'"
_EN_END = ".!?"
_SPLIT = re.compile(r"[。！？；!?.]+[" + re.escape(_CLOSERS) + r"]*")


@table("sentences")
@dataclass
class SentenceRow:
    __order__ = ("doc_id", "sent_id")
    doc_id: str
    sent_id: int
    start: int
    end: int
    lang: str
    text: str
    tokens: str


@dataclass
class Run:
    """A stretch of one script inside one sentence, with its spaCy Doc (offsets: run-relative)."""

    sent_id: int
    start: int
    end: int
    lang: str          # "zh" or "en"
    doc: Any = None    # spacy.tokens.Doc once tokenized


def data_path(rel: str):
    return resources.files("pipeline").joinpath("data", rel)


def read_lines(rel: str) -> list[str]:
    """Non-empty, non-comment lines of a data file in pipeline/data/."""
    text = data_path(rel).read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


@lru_cache(maxsize=4)
def abbreviations(rel: str = "segment/en_abbreviations.txt") -> frozenset[str]:
    return frozenset(read_lines(rel))


# -- sentences ---------------------------------------------------------------------------------
def _ends_english(text: str, i: int, j: int, abbr: frozenset[str], start: int = 0) -> bool:
    """Does the period/!/? run text[i:j] (closers included) end an English sentence?"""
    if j < len(text) and not text[j].isspace() and not is_cjk(text[j]):
        return False                       # 3.5, www.x.org, U.S.A, "e.g.,"
    if "." not in text[i:j] or any(c in "!?" for c in text[i:j]):
        return True
    k = i
    while k > 0 and (text[k - 1].isalnum() or text[k - 1] in ".-"):
        k -= 1
    word = text[k:i]
    if not word:
        return True
    if len(word) == 1 and word.isalpha():
        return False                       # an initial: "J. Smith"
    low = word.lower()
    if low in abbr or low.rstrip(".") in abbr:
        return False
    if k >= 2 and (text[k - 2:i].lower() in abbr):  # "et al."
        return False
    if word.isdigit() and text[start:k].strip() == "":
        return False                       # a list number at the start: "1. Introduction"
    if j < len(text):
        nxt = text[j:].lstrip()[:1]
        if nxt and nxt.islower():
            return False                   # "approx. five", "vs. the"
    return True


def split_sentences(text: str, abbr: frozenset[str] | None = None) -> list[tuple[int, int]]:
    """(start, end) of the sentences of one block, whitespace trimmed, covering its words."""
    abbr = abbreviations() if abbr is None else abbr
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SPLIT.finditer(text):
        i, j = m.span()
        marks = text[i:j]
        if any(c in _ZH_END for c in marks) and not (marks[0] in "!?" and _latin_before(text, i)):
            cut = True
        elif marks[0] in _EN_END:
            cut = _ends_english(text, i, j, abbr, start)
        else:
            cut = False
        if cut:
            spans.append((start, j))
            start = j
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e))
    return out


def _latin_before(text: str, i: int) -> bool:
    """Is the ASCII !/? at i in English text (then the English rule decides)?"""
    k = i - 1
    while k >= 0 and text[k] in " )\"'":
        k -= 1
    return k >= 0 and (is_latin(text[k]) or text[k].isdigit())


# -- runs --------------------------------------------------------------------------------------
def _en_char(ch: str) -> bool:
    return (ch.isascii() and (ch.isprintable() or ch.isspace())) or is_latin(ch) or ch in "’‘–"


def split_runs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, lang) runs of one sentence: Latin stretches are `en`, the rest `zh`.

    A stretch with no Latin letter (digits, punctuation) stays with its neighbour, so
    `2020年1月` is one Chinese run and `COVID-19` one English run.
    """
    pieces: list[list[Any]] = []
    i, n = 0, len(text)
    while i < n:
        j = i
        en = _en_char(text[i])
        while j < n and _en_char(text[j]) == en:
            j += 1
        chunk = text[i:j]
        if en and any(is_latin(c) for c in chunk):
            kind = "en"
        elif any(is_cjk(c) for c in chunk):
            kind = "zh"
        else:
            kind = ""          # neutral: digits, punctuation, spaces
        pieces.append([i, j, kind])
        i = j
    # neutral pieces join the run before them (or after, at the start)
    for k, p in enumerate(pieces):
        if not p[2]:
            prev = next((q[2] for q in reversed(pieces[:k]) if q[2]), None)
            nxt = next((q[2] for q in pieces[k + 1:] if q[2]), None)
            if not text[p[0]:p[1]].isascii():
                p[2] = "zh"    # full-width punctuation belongs to the Chinese
            else:
                p[2] = prev or nxt or "en"
    runs: list[tuple[int, int, str]] = []
    for s, e, kind in pieces:
        if runs and runs[-1][2] == kind:
            runs[-1] = (runs[-1][0], e, kind)
        else:
            runs.append((s, e, kind))
    out = []
    for s, e, kind in runs:       # trim whitespace at run edges
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            out.append((s, e, kind))
    return out


# -- tokenizers ----------------------------------------------------------------------------
_USERDICT_LOADED: set[str] = set()


@lru_cache(maxsize=1)
def stock_jieba():
    """A private jieba Tokenizer with jieba's own dictionary only, loaded once per process.

    The CRF's word features need it (the gazetteer's user words would shift them); the global
    tokenizer segmentation uses starts from a copy of its dictionary instead of reading
    jieba's cache a second time (~0.5 s per worker)."""
    import jieba
    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    cache = _freq_cache()
    freq = _read_freq_cache(cache) if cache else None
    if freq is not None:
        with tok.lock:
            tok.FREQ, tok.total = freq
            tok.initialized = True
    else:
        tok.initialize()
        if cache:
            _write_freq_cache(cache, tok.FREQ, tok.total)
    return tok


def _freq_cache() -> Path | None:
    """Where jieba's parsed stock dictionary is kept as a pickle: in the user's own cache
    folder (never a shared temp dir: a pickle there could be planted by another user), named
    after the dictionary file's size and time and the jieba and Python versions, so a changed
    dictionary or interpreter never reads a stale one. A pickle loads in ~0.2 s where jieba's
    own marshal cache takes ~0.6 s: that is in every worker's start-up."""
    import jieba
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    home = os.environ.get("HOME", "")
    if os.path.isabs(xdg):          # the XDG spec: a relative value is to be ignored
        root = Path(xdg) / "pipeline"
    elif os.path.isabs(home) and home != "/":
        root = Path(home) / ".cache" / "pipeline"
    else:
        return None                 # no home of our own: no cache (jieba's own is used)
    try:
        dict_file = Path(jieba.__file__).parent / "dict.txt"
        st = dict_file.stat()
    except OSError:
        return None
    key = hashlib.sha1(f"{dict_file}|{st.st_size}|{st.st_mtime_ns}|{jieba.__version__}|"
                       f"{sys.version_info[:2]}".encode()).hexdigest()[:16]
    return root / f"jieba-stock-{key}.pickle"


def _trusted(path: Path) -> bool:
    """Ours alone: the file and its folder owned by this user and writable by no one else
    (a pickle runs code when loaded: one another user could write must not be read)."""
    try:
        for p in (path, path.parent):
            st = p.stat()
            if st.st_uid != os.getuid() or st.st_mode & 0o022:
                return False
    except (OSError, AttributeError):   # missing; or no getuid (Windows): no cache
        return False
    return True


def _read_freq_cache(path: Path) -> tuple[dict[str, int], int] | None:
    if not _trusted(path):
        return None
    try:
        with path.open("rb") as fh:
            freq, total = pickle.load(fh)
        if isinstance(freq, dict) and isinstance(total, int) and freq:
            return freq, total
    except Exception:  # missing, unreadable or damaged: jieba reads its own cache instead
        pass
    return None


def _write_freq_cache(path: Path, freq: dict[str, int], total: int) -> None:
    """Atomically (temporary file, then rename): workers starting together may all write it."""
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        now = time.time()
        for old in path.parent.glob(".jieba-*.tmp"):    # left by a writer that was killed
            with contextlib.suppress(OSError):
                if now - old.stat().st_mtime > 600:
                    old.unlink()
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".jieba-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((freq, total), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:   # a read-only home: no cache, jieba's own is used every time
        if tmp:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


@lru_cache(maxsize=1)
def stock_word_tags() -> dict[str, str]:
    """jieba's stock dictionary: word -> its part of speech (nr, ns, nt, nz, n, v …).

    A copy of the table jieba.posseg reads from the dictionary file when imported (facts tags
    with it too), so a process reads the file once, not twice (~0.25 s of a worker's
    start-up). A copy, because posseg adds the tags of user words (jieba.add_word(…, tag=…))
    to its own table on every cut: the CRF's features must not change in the middle of a run."""
    import jieba.posseg
    return dict(jieba.posseg.dt.word_tag_tab)


def _init_global_jieba() -> None:
    import jieba
    dt = jieba.dt
    if dt.initialized:
        return
    stock = stock_jieba()
    with dt.lock:
        if not dt.initialized and dt.dictionary == stock.dictionary:
            dt.FREQ, dt.total = dict(stock.FREQ), stock.total
            dt.initialized = True
    dt.initialize()   # a no-op when the copy was taken


def load_userdict(files: list[str]) -> int:
    """Add the names of data files (first tab column) to jieba's dictionary, once per process.

    So jieba stops cutting names the gazetteer knows (`世界卫生组织` stays one token).
    """
    import jieba

    _init_global_jieba()
    added = 0
    for rel in files:
        if rel in _USERDICT_LOADED:
            continue
        try:
            lines = read_lines(rel)
        except FileNotFoundError:
            continue
        for ln in lines:
            word = ln.split("\t")[0].strip()
            if len(word) >= 2 and any(is_cjk(c) for c in word) and " " not in word:
                jieba.add_word(word, freq=max(jieba.get_FREQ(word) or 0, 1000))
                added += 1
        _USERDICT_LOADED.add(rel)
    return added


@lru_cache(maxsize=1)
def zh_nlp():
    import spacy

    _init_global_jieba()

    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})


@lru_cache(maxsize=1)
def en_nlp():
    import spacy

    return spacy.blank("en")


def block_spans(doc: Document) -> Iterator[tuple[int, int]]:
    """(start, end) of each text block in `doc.text`, in text order."""
    spans = sorted((b.start, b.end) for b in doc.blocks if b.start >= 0 and b.end > b.start)
    if not spans and doc.text:
        # a document built without blocks: newline-separated paragraphs
        pos = 0
        for para in doc.text.split("\n"):
            if para:
                spans.append((pos, pos + len(para)))
            pos += len(para) + 1
    yield from spans


def segment(doc: Document, batch_size: int = 64) -> list[Run]:
    """Fill table `sentences`; leave the tokenized runs in doc.meta["_runs"]."""
    text = doc.text
    runs: list[Run] = []
    sents: list[tuple[int, int]] = []
    for bs, be in block_spans(doc):
        for s, e in split_sentences(text[bs:be]):
            sid = len(sents)
            sents.append((bs + s, bs + e))
            for rs, re_, lang in split_runs(text[bs + s:bs + e]):
                runs.append(Run(sid, bs + s + rs, bs + s + re_, lang))
    for lang, nlp in (("zh", zh_nlp()), ("en", en_nlp())):
        mine = [r for r in runs if r.lang == lang]
        for r, d in zip(mine, nlp.pipe((text[r.start:r.end] for r in mine), batch_size=batch_size)):
            r.doc = d
    tokens: list[list[str]] = [[] for _ in sents]
    for r in runs:
        tokens[r.sent_id].extend(t.text for t in r.doc if not t.is_space)
    doc.add_rows("sentences", [
        SentenceRow(doc.doc_id, i, s, e, lang_of(text[s:e]), text[s:e], " ".join(tokens[i]))
        for i, (s, e) in enumerate(sents)])
    doc.meta[RUNS_KEY] = runs
    return runs


def runs_of(doc: Document) -> list[Run]:
    """The tokenized runs of a document (segmenting it first when no stage has yet)."""
    runs = doc.meta.get(RUNS_KEY)
    if runs is None:
        runs = segment(doc)
    return runs


@stage("segment")
def make_segment(cfg: dict[str, Any]):
    conf = cfg.get("segment", {})
    load_userdict(list(conf.get("userdict", [])))
    zh_nlp(), en_nlp()
    batch = int(conf.get("batch_size", 64))

    def run(doc: Document) -> None:
        segment(doc, batch_size=batch)

    return run
