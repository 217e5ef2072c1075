"""Make the trained pipeline fit the package budget (30 MB) without retraining.

Two savings, both lossless for prediction at our precision: the hash-embedding tables are
stored as float16 (ZhNer.load casts them back to float32), and vocab/strings.json keeps
only single characters and tag names (training put every character bigram and jieba word
in it; the features are hashed, so the model never reads those strings back)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy


def to_float16(nlp) -> None:
    for _name, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is None:
            continue
        for node in model.walk():
            for pname in node.param_names:
                if node.has_param(pname):
                    arr = node.get_param(pname)
                    if arr.dtype == numpy.float32 and arr.size >= 100000:
                        node.set_param(pname, arr.astype(numpy.float16))


def to_float32(nlp) -> None:
    for _name, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if model is None:
            continue
        for node in model.walk():
            for pname in node.param_names:
                if node.has_param(pname):
                    arr = node.get_param(pname)
                    if arr.dtype != numpy.float32:
                        node.set_param(pname, numpy.ascontiguousarray(arr, dtype=numpy.float32))


def shrink(path: Path) -> None:
    import spacy

    from . import components  # noqa: F401
    nlp = spacy.load(path)
    to_float16(nlp)
    nlp.to_disk(path)
    keep = {s for s in nlp.get_pipe("tagger").labels} | {"O", ""}
    f = path / "vocab" / "strings.json"
    strings = json.loads(f.read_text(encoding="utf-8"))
    f.write_text(json.dumps([s for s in strings if len(s) <= 1 or s in keep], ensure_ascii=False), encoding="utf-8")
