"""Corpora -> spaCy DocBin files (train/dev), tokenised by the pipeline's own tokenizer.

With jieba tokens an entity edge that falls inside a word cannot be represented: those
tokens are marked missing rather than guessed, and counted (`misaligned`)."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import spacy
from spacy.tokens import DocBin
from spacy.util import filter_spans

from .components import bioes_tags
from .corpora import corpus_samples
from .formats import Sample, split_long
from .labels import map_sample


def blank_zh(tokens: str = "char"):
    return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": tokens}}})


def make_doc(nlp, corpus: str, sample: Sample, stats: Counter):
    doc = nlp.make_doc(sample.text)
    ents, missing = map_sample(corpus, sample)
    spans, miss_spans = [], []
    for s, e, lab in ents:
        sp = doc.char_span(s, e, label=lab)
        if sp is None:
            stats["misaligned"] += 1
            sp = doc.char_span(s, e, alignment_mode="expand")
            if sp is not None:
                miss_spans.append(sp)
            continue
        stats[lab] += 1
        spans.append(sp)
    for s, e in missing:
        sp = doc.char_span(s, e, alignment_mode="expand")
        if sp is not None and all(sp.end <= x.start or sp.start >= x.end for x in spans):
            miss_spans.append(sp)
    miss_spans = [m for m in miss_spans if all(m.end <= x.start or m.start >= x.end for x in spans)]
    miss_spans = filter_spans(miss_spans)  # expanded spans may overlap each other
    doc.set_ents(spans, missing=miss_spans, default="outside")
    for tok, tag in zip(doc, bioes_tags(doc)):
        tok.tag_ = tag
    return doc


def build(shared: Path, out_dir: Path, corpora: list[str], tokens: str = "char", dev_share: float = 0.04,
          dev_max: int = 2000, seed: int = 0, log=print) -> dict:
    """Write train.spacy and dev.spacy. Dev: a seeded random carve of MSRA train (the target
    domain; MSRA test is never touched) plus the official dev splits of the other corpora."""
    nlp = blank_zh(tokens)
    rng = random.Random(seed)
    train, dev = DocBin(store_user_data=False), DocBin(store_user_data=False)
    stats: Counter = Counter()
    for corpus in corpora:
        parts = corpus_samples(shared, corpus)
        tr = [p for s in parts["train"] for p in split_long(s)]
        dv = [p for s in parts.get("dev", []) for p in split_long(s)]
        if corpus == "msra":
            rng.shuffle(tr)
            n = min(dev_max, int(len(tr) * dev_share))
            dv, tr = tr[:n], tr[n:]
        elif dv:
            dv = dv[:300]
        c = Counter()
        for s in tr:
            if s.text.strip():
                train.add(make_doc(nlp, corpus, s, c))
        for s in dv:
            if s.text.strip():
                dev.add(make_doc(nlp, corpus, s, Counter()))
        log(f"{corpus}: train {len(tr)} docs, dev {len(dv)} docs, entities {dict(c)}")
        stats.update({f"{corpus}.{k}": v for k, v in c.items()})
    out_dir.mkdir(parents=True, exist_ok=True)
    train.to_disk(out_dir / "train.spacy")
    dev.to_disk(out_dir / "dev.spacy")
    return dict(stats)
