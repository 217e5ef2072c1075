"""The shipped Chinese NER: a linear-chain CRF over characters (python-crfsuite).

    from pipeline.entities.crf import CrfNer
    ner = CrfNer.load()
    ner.predict(["中国疾控中心病毒病研究所全球首发……"])  # [[(0, 12, "ORG"), ...]]

Why a CRF: Chinese names are decided by a few characters either side (surnames, 省/市/公司
endings, 在…的 frames) and by tag-to-tag consistency (an ORG that opened must close as ORG);
a CRF weighs exactly those, decodes the best tag sequence as a whole, trains in minutes on
one core with L-BFGS and tags ~3.5× faster than the CNN tagger it replaced. Features come
from `features()` below: characters and character n-grams in a ±2 window, character classes,
the jieba word around each character (a private stock-dictionary Tokenizer, so adding names
to jieba's global dictionary does not shift the features) and its neighbours, and lexicon
cues read from pipeline/data/entities/ (surnames, institution and place endings).

The model directory holds `model.crfsuite` (weights), `meta.json` (labels, feature set,
training figures), `lexicon.json` (known names, feature set 3), `clusters.json` (character
and bigram clusters, feature set 4), `names.json` (the name-list
model of NameList) and `training.log`; `python -m pipeline.entities.training` rebuilds it.
"""
from __future__ import annotations

import json
import threading
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

from ..segment import read_lines, stock_jieba, stock_word_tags
from .model import MAX_CHUNK, ModelMissing, Span, _chunks, load_once
from .training.formats import tags_to_spans

MODEL_FILE = "model.crfsuite"


def default_path() -> Path:
    """pipeline/models/zh_crf inside the installed package."""
    return Path(str(resources.files("pipeline") / "models" / "zh_crf"))


# ---------------------------------------------------------------- lexicon cues (data files)

@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], tuple[dict[str, str], tuple[int, ...]]]:
    """(surnames, (ending -> label, ending lengths longest first)): the files the rules read."""
    surnames = frozenset(read_lines("entities/surnames.txt"))
    ends: dict[str, str] = {}
    for line in read_lines("entities/suffixes.tsv"):
        cols = line.split("\t")
        if len(cols) >= 2:
            ends.setdefault(cols[0], cols[1])
    for line in read_lines("entities/gpe_suffixes.txt"):
        ends.setdefault(line.split("\t")[0], "GPE")
    return surnames, (ends, tuple(sorted({len(k) for k in ends}, reverse=True)))


def _ending(word: str, ends: tuple[dict[str, str], tuple[int, ...]]) -> str:
    table, sizes = ends
    for k in sizes:
        if len(word) > k:
            lab = table.get(word[-k:])
            if lab:
                return lab
    return ""


# ---------------------------------------------------------------- features

def _cut(text: str) -> list[str]:
    """jieba's words with its stock dictionary (segment.stock_jieba: no user words)."""
    return stock_jieba().lcut(text, HMM=True)


def _cls4(ch: str) -> str:
    """Feature set 4: full-width Latin letters (ｉｂｍ, as MSRA writes acronyms) are letters."""
    if "\uff21" <= ch <= "\uff3a" or "\uff41" <= ch <= "\uff5a":
        return "L"
    return _cls(ch)


def _cls(ch: str) -> str:
    o = ord(ch)
    if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
        return "C"
    if ch.isdigit():
        return "D"
    if ch.isascii() and ch.isalpha():
        return "L"
    if ch.isspace():
        return "S"
    return "P"


FEATURES = 4  # version of the feature set a model is trained with (meta.json "features")
LEXICON_FILE = "lexicon.json"
CLUSTERS_FILE = "clusters.json"


def load_clusters(path: Path) -> dict | None:
    """clusters.json -> {"c": {char: (coarse, fine)}, "b": {bigram: cluster}}, ids as strings."""
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {"c": {c: (str(a), str(b)) for c, (a, b) in raw["c"].items()},
            "b": {k: str(v) for k, v in raw["b"].items()}}


MAX_NAME = 12


class NameLexicon(dict):
    """Known names (name -> label) with, derived once, the length of the longest name each
    first character opens (at most MAX_NAME), so a position is tried only at lengths a name
    could have."""

    @cached_property
    def longest(self) -> dict[str, int]:
        table: dict[str, int] = {}
        for name in self:
            if 2 <= len(name) <= MAX_NAME and len(name) > table.get(name[0], 0):
                table[name[0]] = len(name)
        return table


def lexicon_marks(text: str, lexicon: dict[str, str] | None) -> list[str]:
    """Per character, where it stands in a name of at least two characters of the lexicon
    (forward longest match): B-LOC, I-LOC, E-LOC … or ""."""
    n = len(text)
    marks = [""] * n
    if not lexicon:
        return marks
    longest = (lexicon if isinstance(lexicon, NameLexicon) else NameLexicon(lexicon)).longest
    i = 0
    while i < n:
        for k in range(min(longest.get(text[i], 0), n - i), 1, -1):
            lab = lexicon.get(text[i:i + k])
            if lab:
                marks[i] = "B-" + lab
                for j in range(i + 1, i + k - 1):
                    marks[j] = "I-" + lab
                marks[i + k - 1] = "E-" + lab
                i += k
                break
        else:
            i += 1
    return marks


def features(text: str, version: int = FEATURES, lexicon: dict[str, str] | None = None,
             clusters: dict | None = None) -> list[list[str]]:
    """One list of string features per character of `text`. Version 2 adds the jieba dictionary's
    part of speech of the word around the character and the skip bigram c-1 c+1; version 3 where
    the character stands in a name seen in training (`lexicon`: name -> label; in training each
    sentence sees only the names of the other folds, so the weight learnt is how far a name seen
    elsewhere can be trusted); version 4 the clusters (learnt from raw text,
    training/clusters.py) of the characters around it and of the bigrams it is in."""
    n = len(text)
    if not n:
        return []
    lex_marks = lexicon_marks(text, lexicon) if version >= 3 else None
    surnames, ends = _lexicon()
    wtags = stock_word_tags() if version >= 2 else None
    pad = "\x02\x02" + text + "\x03\x03"
    cls = _cls4 if version >= 4 else _cls
    cpad = "<<" + "".join(cls(c) for c in text) + ">>"
    ccl = bcl = None
    if version >= 4 and clusters:
        chars_cl, bcl = clusters["c"], clusters["b"]
        unknown = ("?", "?")
        ccl = [unknown] + [chars_cl.get(c, unknown) for c in text] + [unknown]
    words = _cut(text)
    last = len(words) - 1
    out: list[list[str]] = []
    i = 0
    prev_wp = ""
    for k, w in enumerate(words):
        m = len(w)
        wt = w if m <= 6 else "<long>"
        pv = words[k - 1] if k else "<s>"
        nx = words[k + 1] if k < last else "</s>"
        pv = pv if len(pv) <= 6 else "<long>"
        nx = nx if len(nx) <= 6 else "<long>"
        e = _ending(w, ends) if m > 1 else ""
        tg = wtags.get(w, "?") if wtags is not None else ""
        wl = str(min(len(wt), 5))
        for j in range(m):
            wp = "S" if m == 1 else "B" if j == 0 else "E" if j == m - 1 else "M"
            p = i + 2
            c0 = pad[p]
            f = [
                "c0=" + c0, "c-1=" + pad[p - 1], "c1=" + pad[p + 1], "c-2=" + pad[p - 2], "c2=" + pad[p + 2],
                "b-1=" + pad[p - 1:p + 1], "b0=" + pad[p:p + 2], "b-2=" + pad[p - 2:p], "b1=" + pad[p + 1:p + 3],
                "t0=" + pad[p - 1:p + 2],
                "k=" + cpad[p - 1:p + 2],
                "w=" + wp + wt, "wp=" + wp + pv, "wn=" + wp + nx, "wl=" + wp + wl,
            ]
            if e:
                f.append("we=" + wp + e)
            if wtags is not None:
                f.append("wt=" + wp + tg)
                f.append("s=" + pad[p - 1] + pad[p + 1])
            if lex_marks is not None:
                lm = lex_marks[i]
                f.append("lx=" + lm)
                f.append("lxp=" + (lex_marks[i - 1] if i else "<") + "|" + lm)
            if ccl is not None:
                cm1, cc0, cp1 = ccl[i], ccl[i + 1], ccl[i + 2]
                f += ("u0=" + cc0[1], "U0=" + cc0[0], "u-1=" + cm1[1], "u1=" + cp1[1],
                      "UU=" + cm1[0] + "|" + cc0[0] + "|" + cp1[0],
                      "v-1=" + bcl.get(pad[p - 1:p + 1], "?"), "v0=" + bcl.get(pad[p:p + 2], "?"))
            if c0 in surnames:
                f.append("sn=" + wp)
            if i and pad[p - 1] in surnames and prev_wp in "BS":
                f.append("snp=" + wp)
            out.append(f)
            prev_wp = wp
            i += 1
    return out


# ---------------------------------------------------------------- decoding

def bioes_tags(n: int, spans: Sequence[tuple[int, int, str]]) -> list[str]:
    tags = ["O"] * n
    for s, e, lab in spans:
        if e - s == 1:
            tags[s] = "S-" + lab
        else:
            tags[s] = "B-" + lab
            for i in range(s + 1, e - 1):
                tags[i] = "I-" + lab
            tags[e - 1] = "E-" + lab
    return tags


class NameList:
    """Splits a run of personal names written without separators (出席的有石兆彬石宗源卢荣景…:
    committee lists, and PDF name lists whose spaces ingest removed between CJK characters) into
    the names. A unigram name model learned from the training corpora's PER spans (names.json:
    surname and given-name character counts, given-name lengths) scores each way of cutting the
    run into names by dynamic programming: a known surname plus one or two given characters
    (unseen given characters smoothed), or, at a heavy cost, an odd piece (a minority or
    transliterated name: 多吉才让, 克尤木·巴吾东). A run is split when it holds at least three
    regular names and odd pieces are at most a quarter of the pieces.""" 

    MIN_SURNAME = 10     # a surname must open at least this many training names (or be listed)
    MIN_NAMES = 3        # regular names in a run before it is split (two names are too easily a
                         # transliterated foreign name: 普里马科夫)
    ODD_COST = -40.0     # log-score of an odd piece: used only where no reading as names exists

    def __init__(self, stats: dict):
        import math
        self.log = math.log
        sur, giv = stats.get("surname", {}), stats.get("given", {})
        self.surname = {k: v for k, v in sur.items() if v >= self.MIN_SURNAME}
        for k in _lexicon()[0]:          # the curated surname list (data/entities/surnames.txt)
            self.surname[k] = max(self.surname.get(k, 0), sur.get(k, 0), self.MIN_SURNAME)
        self.sur_total = sum(sur.values()) or 1
        self.given = giv
        self.giv_total = sum(giv.values()) or 1
        lens = stats.get("given_len", {})
        tot = sum(lens.values()) or 1
        self.len_p = {int(k): v / tot for k, v in lens.items() if v}

    def _given(self, c: str) -> float:
        return self.log(self.given.get(c, 0.2) / self.giv_total)

    def split(self, text: str, label: str = "") -> list[tuple[int, int]] | None:
        n = len(text)
        if n < 4 or not all(_cls(c) == "C" or c == "·" for c in text) or text[0] == "·" or text[-1] == "·":
            return None
        if _ending(text, _lexicon()[1]):
            return None    # …联盟, …基金会, …博物馆: an institution or place, not a list of people
        neg = float("-inf")
        # best[j] = (score, start of the last piece, pieces, odd pieces)
        best: list[tuple[float, int, int, int]] = [(0.0, -1, 0, 0)] + [(neg, -1, 0, 0)] * n

        def offer(i: int, j: int, sc: float, odd: int) -> None:
            cand = best[i][0] + sc
            if cand > best[j][0]:
                best[j] = (cand, i, best[i][2] + 1, best[i][3] + odd)

        for i in range(n):
            if best[i][0] == neg or text[i] == "·":
                continue
            for sl in (1, 2):
                sur = text[i:i + sl]
                if len(sur) < sl or sur not in self.surname or "·" in sur:
                    continue
                base = self.log(self.surname[sur] / self.sur_total)
                for gl, lp in self.len_p.items():
                    j = i + sl + gl
                    if 1 <= gl and j <= n and "·" not in text[i + sl:j]:
                        offer(i, j, base + self.log(lp) + sum(self._given(c) for c in text[i + sl:j]), 0)
            for j in range(i + 2, min(n, i + 12) + 1):   # odd piece: 2-4 characters, or X·Y
                piece = text[i:j]
                dots = piece.count("·")
                if (dots == 0 and j - i <= 4) or (dots == 1 and piece[-1] != "·" and (j == n or text[j] != "·")):
                    offer(i, j, self.ODD_COST * (1 + dots), 1)
        score, _, pieces, odd = best[n]
        if score == neg or odd * 4 > pieces or pieces - odd < self.MIN_NAMES:
            return None
        cuts, j = [], n
        while j > 0:
            i = best[j][1]
            cuts.append((i, j))
            j = i
        return cuts[::-1]


class CrfNer:
    """Load once per process and path; `predict` has the same contract as the old ZhNer."""

    def __init__(self, path: Path):
        import pycrfsuite

        self.path = path
        self.meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        self.labels = tuple(self.meta.get("labels", ("LOC", "ORG", "PER")))
        self.version = int(self.meta.get("features", 1))
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open(str(path / MODEL_FILE))
        lex = path / LEXICON_FILE
        self.lexicon = NameLexicon(json.loads(lex.read_text(encoding="utf-8"))) if lex.is_file() else None
        self.clusters = load_clusters(path / CLUSTERS_FILE) if self.version >= 4 else None
        names = path / "names.json"
        self.names = NameList(json.loads(names.read_text(encoding="utf-8"))) if names.is_file() else None
        self._lock = threading.Lock()  # a crfsuite Tagger is not re-entrant

    @classmethod
    def load(cls, path: str | Path | None = None) -> "CrfNer":
        p = Path(path) if path else default_path()

        def build() -> "CrfNer":
            if not (p / MODEL_FILE).is_file() or not (p / "meta.json").is_file():
                raise ModelMissing(f"no trained CRF NER model at {p} (run `make train-ner`)")
            return cls(p)
        return load_once(p, build)

    def tag(self, text: str) -> list[str]:
        if not text:
            return []
        feats = features(text, self.version, self.lexicon, self.clusters)
        with self._lock:
            return self._tagger.tag(feats)

    def predict(self, texts: Sequence[str], batch_size: int = 0) -> list[list[Span]]:
        """Entities of each text as (start, end, label), character offsets into that text.
        Long texts are tagged in sentence-sized pieces, as the model was trained."""
        out: list[list[Span]] = []
        for text in texts:
            spans: list[Span] = []
            if isinstance(text, str) and text.strip():
                for off, piece in _chunks(text, MAX_CHUNK):
                    for s, e, lab in tags_to_spans(self.tag(piece)):
                        parts = self.names.split(piece[s:e], lab) if self.names and e - s >= 4 else None
                        if parts:
                            spans.extend((off + s + a, off + s + b, "PER") for a, b in parts)
                        else:
                            spans.append((off + s, off + e, lab))
            out.append(spans)
        return out

    def predict_one(self, text: str) -> list[Span]:
        return self.predict([text])[0]
