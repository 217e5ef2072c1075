"""Character folding that repairs extraction artefacts, with a map back to the source.

PDF fonts and careless typesetting put look-alike code points into text that every later
stage would otherwise miss: Kangxi radicals (`⽅` U+2F45 for `方`), CJK radicals supplement
(`⻅` for `见`, from a data table since NFKC maps only two of them),
compatibility ideographs, full-width Latin letters and digits (`ＣＯＶＩＤ－１９`) and Latin
ligatures (`ﬁ`). Only those ranges are folded (NFKC per character); Chinese punctuation such
as `，（）：` is kept full-width, because it is correct Chinese typography, not an artefact.

API (shared by PDF and text ingest):
    fold_char(ch)  -> str                       the repaired form of one character
    fold(text)     -> (folded, src)             src[i] = index in `text` of folded[i]
    needs_fold(text) -> bool                    cheap check before calling fold
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

# (first, last) code point ranges folded with NFKC.
FOLD_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2EFF),    # CJK radicals supplement (those that have a decomposition)
    (0x2F00, 0x2FDF),    # Kangxi radicals
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0x2F800, 0x2FA1F),  # CJK compatibility ideographs supplement
    (0xFB00, 0xFB06),    # Latin ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ
)
# Full-width forms folded to ASCII: letters, digits and the symbols that are not Chinese
# punctuation. Full-width ，（）：；！？ and the like stay as they are.
FULLWIDTH_KEEP = set("，（）：；！？")
FULLWIDTH_FIRST, FULLWIDTH_LAST = 0xFF01, 0xFF5E


@lru_cache(maxsize=1)
def _radicals() -> dict[str, str]:
    """CJK radicals supplement -> ideograph (data/normalize/radicals_supplement.tsv); NFKC lacks most."""
    text = resources.files("pipeline").joinpath("data/normalize/radicals_supplement.tsv").read_text("utf-8")
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            a, b = line.split("\t")[:2]
            out[chr(int(a, 16))] = chr(int(b, 16))
    return out


def _in_ranges(o: int) -> bool:
    for lo, hi in FOLD_RANGES:
        if lo <= o <= hi:
            return True
    return False


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """The repaired form of one character (itself when nothing applies)."""
    o = ord(ch)
    if FULLWIDTH_FIRST <= o <= FULLWIDTH_LAST:
        return ch if ch in FULLWIDTH_KEEP else chr(o - 0xFEE0)
    if 0x2E80 <= o <= 0x2EFF and ch in _radicals():
        return _radicals()[ch]
    if _in_ranges(o):
        out = unicodedata.normalize("NFKC", ch)
        return out or ch
    return ch


def needs_fold(text: str) -> bool:
    return any(fold_char(c) != c for c in text)


def fold(text: str) -> tuple[str, list[int]]:
    """Fold `text`; also return, per output character, the index of its source character.

    One source character may become several (`ﬃ` -> `ffi`); they all map to the same index,
    so a span in the folded text always maps back to a span of the original.
    """
    out: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(text):
        f = fold_char(ch)
        out.append(f)
        src.extend([i] * len(f))
    return "".join(out), src
