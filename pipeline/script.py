"""Which script a character or a run of text is in: the zh/en decision every stage shares."""
from __future__ import annotations


def is_cjk(ch: str) -> bool:
    """Han ideographs (and the compatibility blocks a repaired PDF may still carry)."""
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2EBEF
            or 0xF900 <= o <= 0xFAFF or 0x3007 == o)


def is_cjk_punct(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFF0F or 0xFF1A <= o <= 0xFF20 or ch in "“”‘’—…·《》〈〉「」『』【】（），。、：；！？"


def is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalpha() or "\u00C0" <= ch <= "\u024F"


def lang_of(text: str, mixed_share: float = 0.2) -> str:
    """`zh`, `en` or `mixed` by the share of Han characters among letters.

    A Chinese paragraph with a few acronyms stays `zh`; an English one quoting one Chinese
    name stays `en`; only a real mix (each over `mixed_share` of letters) is `mixed`.
    """
    han = sum(1 for c in text if is_cjk(c))
    # Latin letters counted as words' worth of characters, so "COVID" weighs like 2 Han.
    lat = sum(1 for c in text if is_latin(c)) / 2.5
    total = han + lat
    if total == 0:
        return "zh" if any(is_cjk_punct(c) for c in text) else "en"
    if han / total >= 1 - mixed_share:
        return "zh"
    if lat / total >= 1 - mixed_share:
        return "en"
    return "mixed"
