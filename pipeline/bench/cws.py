"""`pipeline bench cws GOLD [--train-words FILE]`: word segmentation scored the SIGHAN way.

GOLD has one sentence per line, words separated by whitespace (SIGHAN 2005 gold files);
the input is the same line with the spaces removed. The segmenter is the one the
`segment` stage uses (spaCy's Chinese tokenizer over jieba), run twice: with jieba's own
dictionary only, then with the project's user dictionary loaded ([segment] userdict).
Scores: word precision, recall and F1 on exact word spans; with --train-words, recall of
the gold words outside the training word list (OOV) and inside it (IV), as the SIGHAN
`score` script reports them. The last line is `overall P=… R=… F1=…` of the segmenter as
the pipeline runs it (with the dictionary).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


def add_parser(sub) -> None:
    p = sub.add_parser("cws", help="Chinese word segmentation P/R/F1 and OOV recall (SIGHAN scoring)")
    p.add_argument("gold", metavar="GOLD", help="gold file: one sentence per line, words separated by spaces")
    p.add_argument("--train-words", metavar="FILE", help="training word list (one word a line) for OOV recall")
    p.add_argument("--limit", type=int, default=0, help="score only the first N lines")
    p.set_defaults(func=main)


@dataclass
class Score:
    gold: int = 0
    pred: int = 0
    match: int = 0
    oov: int = 0
    oov_hit: int = 0
    iv: int = 0
    iv_hit: int = 0
    chars: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def p(self) -> float:
        return self.match / self.pred if self.pred else 0.0

    @property
    def r(self) -> float:
        return self.match / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0


def spans(words: list[str]) -> set[tuple[int, int]]:
    out, pos = set(), 0
    for w in words:
        out.add((pos, pos + len(w)))
        pos += len(w)
    return out


def score(gold_lines: list[list[str]], pred_lines: list[list[str]], train: set[str] | None) -> Score:
    s = Score()
    for gw, pw in zip(gold_lines, pred_lines):
        g, p = spans(gw), spans(pw)
        hit = g & p
        s.gold += len(g)
        s.pred += len(p)
        s.match += len(hit)
        if train is not None:
            for w, sp in zip(gw, sorted(g)):
                if w in train:
                    s.iv += 1
                    s.iv_hit += sp in hit
                else:
                    s.oov += 1
                    s.oov_hit += sp in hit
    return s


def segment_lines(lines: list[str]) -> tuple[list[list[str]], float]:
    """Words of each line by the segment stage's Chinese tokenizer."""
    from ..segment import zh_nlp

    nlp = zh_nlp()
    t0 = time.perf_counter()
    out = [[t.text for t in d if not t.is_space] for d in nlp.pipe(lines, batch_size=256)]
    return out, time.perf_counter() - t0


def report(name: str, s: Score, train: bool) -> str:
    line = f"{name:<26} P={s.p:.4f} R={s.r:.4f} F1={s.f1:.4f}"
    if train:
        line += (f"  OOV rate={s.oov / max(s.gold, 1):.4f} OOV-R={s.oov_hit / max(s.oov, 1):.4f}"
                 f"  IV-R={s.iv_hit / max(s.iv, 1):.4f}")
    return line + f"  ({s.chars / max(s.seconds, 1e-9):,.0f} chars/s)"


def main(args) -> int:
    from ..config import load_config
    from ..segment import load_userdict

    path = Path(args.gold)
    if not path.is_file():
        print(f"error: gold file {path} not found", file=sys.stderr)
        return 2
    gold = [ln.split() for ln in path.read_text("utf-8", errors="replace").splitlines()]
    gold = [g for g in gold if g]
    if args.limit:
        gold = gold[: args.limit]
    if not gold:
        print(f"error: {path} has no segmented lines", file=sys.stderr)
        return 2
    train = None
    if args.train_words:
        tw = Path(args.train_words)
        if not tw.is_file():
            print(f"error: training word list {tw} not found", file=sys.stderr)
            return 2
        train = {w.strip() for w in tw.read_text("utf-8", errors="replace").splitlines() if w.strip()}
    raw = ["".join(g) for g in gold]
    chars = sum(map(len, raw))
    print(f"{path}: {len(gold)} lines, {sum(map(len, gold))} gold words, {chars} chars")
    results = {}
    for name in ("jieba dictionary only", "with project dictionary"):
        if name.startswith("with"):
            files = load_config().get("segment", {}).get("userdict", [])
            n = load_userdict(list(files))
            name = f"{name} (+{n} words)" if n else name
        pred, secs = segment_lines(raw)
        s = score(gold, pred, train)
        s.chars, s.seconds = chars, secs
        results[name] = s
        print(report(name, s, train is not None))
    s = list(results.values())[-1]
    print(f"overall P={s.p:.4f} R={s.r:.4f} F1={s.f1:.4f}")
    return 0
