"""Train the shipped CRF NER (pipeline/models/zh_crf) from the corpora in ../shared/data/train.

Only corpora whose annotation covers every name in a sentence can teach a CRF "outside":
a sentence with a span mapped to `?` (a type whose boundaries follow another convention,
see LABELS.md) is left out rather than trained as if its names were not names. A seeded
share of MSRA train is held out as dev and scored after training (the MSRA test set is
never read here). L-BFGS with elastic-net regularisation: L1 keeps the model small.
"""
from __future__ import annotations

import json
import random
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable

from ..crf import (CLUSTERS_FILE, FEATURES, LEXICON_FILE, MAX_NAME, MODEL_FILE, CrfNer, NameLexicon, bioes_tags,
                   features, load_clusters)
from ...script import is_cjk
from .corpora import corpus_samples
from .formats import split_long
from .labels import LABELS, map_sample

DEFAULT_CORPORA = ("msra", "cluener", "resume")


def _surnames() -> set[str]:
    from ..crf import _lexicon
    return set(_lexicon()[0])


def add_name(stats: dict, name: str, surnames: set[str]) -> None:
    """Count one training PER name into the unigram name model of crf.NameList (names.json).
    Only Han names count (a surname of data/entities/surnames.txt): 克林顿 would teach 克."""
    if not 2 <= len(name) <= 4 or not all("\u4e00" <= c <= "\u9fff" for c in name):
        return
    sl = 2 if name[:2] in surnames and len(name) >= 3 else 1
    if name[:sl] not in surnames:
        return
    given = name[sl:]
    if not 1 <= len(given) <= 2:
        return
    stats["surname"][name[:sl]] = stats["surname"].get(name[:sl], 0) + 1
    stats["given_len"][str(len(given))] = stats["given_len"].get(str(len(given)), 0) + 1
    for c in given:
        stats["given"][c] = stats["given"].get(c, 0) + 1


def known_names() -> dict[str, str]:
    """Names the package already knows, in the model's labels: the hand-made gazetteer
    (data/entities/gazetteer.tsv) and China's administrative divisions (places.py). They join
    the lexicon feature of every fold alike, so training and tagging see the same signal."""
    from ..places import divisions
    from ..rules import lexicon
    lex = lexicon()
    to_model = {"GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG", "PERSON": "PER"}
    out = {n: to_model[lab] for n, lab in lex.gazetteer.items() if lab in to_model and 2 <= len(n) <= MAX_NAME}
    divs = divisions(lex.tag)
    for n in [*divs.full, *divs.short, *country_names()]:
        if 2 <= len(n) <= MAX_NAME:
            out.setdefault(n, "LOC")
    return out


@lru_cache(maxsize=1)
def country_names() -> tuple[str, ...]:
    """The Chinese names of the world's countries and territories, current (ISO 3166-1, official
    and common names) and former (ISO 3166-3, where translated: 上沃尔特共和国), from pycountry's
    translations (zh_CN has no entry for some former ones: 扎伊尔, 南斯拉夫).
    Empty when pycountry is not installed (it is only needed for training: `.[train]`)."""
    try:
        import gettext
        import pycountry
    except ImportError:
        return ()
    names: set[str] = set()
    for domain, db in (("iso3166-1", pycountry.countries), ("iso3166-3", pycountry.historic_countries)):
        try:
            tr = gettext.translation(domain, pycountry.LOCALES_DIR, languages=["zh_CN"])
        except OSError:
            continue
        for c in db:
            for attr in ("name", "common_name", "official_name"):
                en = getattr(c, attr, None)
                zh = tr.gettext(en) if en else ""
                if zh and zh != en and all(is_cjk(ch) for ch in zh):
                    names.add(zh)
    return tuple(sorted(names))


def name_stats(shared: Path, corpora: list[str]) -> dict:
    """The name model from the PER spans of the training corpora (MSRA's test set is never read)."""
    surnames = _surnames()
    stats: dict = {"surname": {}, "given": {}, "given_len": {}}
    for name in corpora:
        for sample in corpus_samples(shared, name)["train"]:
            ents, _ = map_sample(name, sample)
            for s, e, lab in ents:
                if lab == "PER":
                    add_name(stats, sample.text[s:e], surnames)
    return stats


def _score(gold: list[list[tuple[int, int, str]]], pred: list[list[tuple[int, int, str]]]) -> dict:
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        gs, ps = set(g), set(p)
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return {"p": round(prec, 4), "r": round(rec, 4), "f": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0}


def train(shared: Path, out: Path, corpora: list[str], log: Callable[[str], None], *, c1: float = 0.05,
          c2: float = 0.01, iterations: int = 120, dev_share: float = 0.03, seed: int = 0, folds: int = 5,
          feature_set: int = FEATURES, clusters_from: Path | None = None) -> dict:
    import pycrfsuite
    from collections import Counter

    t0 = time.time()
    rng = random.Random(seed)
    trainer = pycrfsuite.Trainer(verbose=False)
    dev: list[tuple[str, list[tuple[int, int, str]]]] = []
    train_set: list[tuple[str, list[tuple[int, int, str]]]] = []
    stats: dict[str, dict[str, int]] = {}
    for name in corpora:
        st = stats.setdefault(name, {"sentences": 0, "chars": 0, "skipped_partial": 0, "dev": 0})
        for sample in corpus_samples(shared, name)["train"]:
            for piece in split_long(sample, 200):
                if not piece.text.strip():
                    continue
                ents, missing = map_sample(name, piece)
                if missing:
                    st["skipped_partial"] += 1
                    continue
                if name == "msra" and rng.random() < dev_share:
                    dev.append((piece.text, ents))
                    st["dev"] += 1
                    continue
                train_set.append((piece.text, ents))
                st["sentences"] += 1
                st["chars"] += len(piece.text)
        log(f"{name}: {st}")
    # names seen in training, by fold (blocks of 200 sentences, so an article stays in one fold):
    # a sentence of fold k sees only the names of the other folds
    per_fold = [Counter() for _ in range(folds)]
    for i, (text, ents) in enumerate(train_set):
        per_fold[(i // 200) % folds].update((text[a:b], lab) for a, b, lab in ents if 2 <= b - a <= MAX_NAME)
    total = sum(per_fold, Counter())

    def lexicon_of(counts: Counter) -> dict[str, str]:
        best: dict[str, tuple[int, str]] = {}
        for (nm, lab), c in counts.items():
            if c > 0 and c > best.get(nm, (0, ""))[0]:
                best[nm] = (c, lab)
        return {nm: lab for nm, (c, lab) in best.items()}

    out.mkdir(parents=True, exist_ok=True)
    clusters = None
    if feature_set >= 4:
        if clusters_from:
            (out / CLUSTERS_FILE).write_bytes(Path(clusters_from).read_bytes())
            log(f"clusters from {clusters_from}")
        else:
            from .clusters import build as build_clusters, raw_texts
            from .corpora import CORPORA
            raw = build_clusters(raw_texts(shared, CORPORA, log), log)
            (out / CLUSTERS_FILE).write_text(json.dumps(raw, ensure_ascii=False, sort_keys=True), encoding="utf-8")
            del raw
        clusters = load_clusters(out / CLUSTERS_FILE)
    known = known_names()
    if not country_names():
        log("warning: pycountry is not installed (pip install -e '.[train]'): the lexicon has no country "
            "names, so this model will not match the shipped one")
    full_lexicon = {**known, **lexicon_of(total)}
    fold_lexicons = [NameLexicon({**known, **lexicon_of(total - per_fold[k])}) for k in range(folds)]
    for i, (text, ents) in enumerate(train_set):
        trainer.append(features(text, feature_set, fold_lexicons[(i // 200) % folds], clusters),
                       bioes_tags(len(text), ents))
    del fold_lexicons
    (out / LEXICON_FILE).write_text(json.dumps(full_lexicon, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    log(f"lexicon: {len(full_lexicon)} names ({len(known)} from the gazetteers, the rest seen in training; "
        f"{folds}-fold for the training features)")
    log(f"features in {time.time() - t0:.0f}s")
    names = name_stats(shared, corpora)
    (out / "names.json").write_text(json.dumps(names, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    log(f"name model: {len(names['surname'])} surnames, {len(names['given'])} given-name characters")
    params = {"c1": c1, "c2": c2, "max_iterations": iterations, "feature.possible_transitions": True}
    trainer.set_params(params)
    t1 = time.time()
    trainer.train(str(out / MODEL_FILE))
    log(f"trained {iterations} L-BFGS iterations in {time.time() - t1:.0f}s; "
        f"final loss {trainer.logparser.last_iteration.get('loss') if trainer.logparser.last_iteration else '?'}")
    meta = {"kind": "crf", "features": feature_set, "labels": list(LABELS), "corpora": corpora, "params": params,
            "training": stats, "seconds": round(time.time() - t0)}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    ner = CrfNer(out)
    pred = ner.predict([t for t, _ in dev])
    meta["dev"] = {"sentences": len(dev), **_score([g for _, g in dev], pred)}
    (out / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"dev ({len(dev)} held-out MSRA train sentences): {meta['dev']}")
    log(f"model {(out / MODEL_FILE).stat().st_size / 1e6:.1f} MB")
    return meta
