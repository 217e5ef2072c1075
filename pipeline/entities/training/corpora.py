"""The training corpora in ../shared/data/train: where each file is and how it is read.

Zips are read in memory (never unpacked into the repository). The MSRA test file inside
MSRA.zip is never read for training: it is the evaluation set."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from . import formats as F


def corpus_samples(shared: Path, name: str) -> dict[str, list[F.Sample]]:
    """{"train": [...], "dev": [...]} for one corpus; dev may be empty (carved later)."""
    t = Path(shared) / "data" / "train"
    if name == "msra":
        return {"train": list(F.read_columns(F.zip_member_lines(t / "msra" / "MSRA.zip", "msra_train_bio"))), "dev": []}
    if name == "cluener":
        return {"train": list(F.read_cluener(F.open_text(t / "cluener2020" / "train.json"))), "dev": []}
    if name == "weibo":
        d = t / "weibo_ner"
        return {s: list(F.read_columns(F.open_text(d / f"weiboNER_2nd_conll.{s}"), strip_digit=True)) for s in ("train", "dev")}
    if name == "resume":
        d = t / "resume_ner"
        return {s: list(F.read_columns(F.open_text(d / f"{s}.char.bmes"))) for s in ("train", "dev")}
    if name == "uner":
        d = t / "uner_zh_gsdsimp"
        return {s: list(F.read_columns(F.open_text(d / f"zh_gsdsimp-ud-{s}.iob2"), token_col=1, tag_col=2)) for s in ("train", "dev")}
    if name == "pfr":
        lines = F.zip_member_lines(t / "pfr_199801" / "199801.zip", "199801.txt", encoding="gbk")
        return {"train": list(F.read_pfr(lines)), "dev": []}
    raise ValueError(f"unknown corpus {name!r}")


CORPORA = ("msra", "cluener", "weibo", "resume", "uner", "pfr")
