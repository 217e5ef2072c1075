"""The spaCy CNN tagger for Chinese NER (`[entities] zh_model = "cnn"`): load it once per process
and predict character-offset spans. The shipped default is the CRF of crf.py; this model is
built with `python -m pipeline.entities.training --kind cnn` and is not shipped.

    from pipeline.entities.model import ZhNer
    ner = ZhNer.load()
    ner.predict(["中国疾控中心病毒病研究所全球首发……"])  # [[(0, 12, "ORG"), ...]]

The model (pipeline/models/zh_ner) is a spaCy pipeline over
single-character tokens, so every predicted span maps exactly to character offsets.
Long texts are cut at sentence ends before they reach the model (it was trained on
sentences) and the offsets are mapped back.
"""
from __future__ import annotations

import re
import threading
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

Span = tuple[int, int, str]

MAX_CHUNK = 300  # characters per piece sent to the model; about a long sentence
_SENT_END = re.compile(r"[。！？!?；;\n]+[”’」』）)]*")
_CACHE: dict[str, object] = {}
_LOCK = threading.Lock()


def load_once(path: Path, build):
    """A model is loaded once per process and path (workers keep it for every document)."""
    key = str(Path(path).resolve())
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = build()
        return _CACHE[key]


def default_path() -> Path:
    """pipeline/models/zh_ner inside the installed package."""
    return Path(str(resources.files("pipeline") / "models" / "zh_ner"))


class ModelMissing(RuntimeError):
    """The trained pipeline is not where it should be (run `make train-ner`)."""


class ZhNer:
    def __init__(self, nlp, path: Path):
        self.nlp = nlp
        self.path = path
        if "ner" in nlp.pipe_names:
            labels = nlp.get_pipe("ner").labels
        else:
            labels = {t.split("-", 1)[1] for t in nlp.get_pipe("tagger").labels if "-" in t}
        self.labels = tuple(sorted(labels))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "ZhNer":
        """Load the pipeline (the shipped one by default), once per process and path."""
        p = Path(path) if path else default_path()

        def build() -> "ZhNer":
            if not (p / "meta.json").is_file():
                raise ModelMissing(f"no trained NER pipeline at {p} (build it with "
                                   "`python -m pipeline.entities.training --kind cnn`)")
            import spacy

            from .training import components  # noqa: F401  (registers the bioes_ents factory)
            from .training.shrink import to_float32
            nlp = spacy.load(p)
            to_float32(nlp)  # embeddings ship as float16 (package size)
            return cls(nlp, p)
        return load_once(p, build)

    def predict(self, texts: Sequence[str], batch_size: int = 16) -> list[list[Span]]:
        """Entities of each text as (start, end, label) with character offsets into that text.

        Small batches: the tagger's intermediate arrays grow with the characters in a batch
        (256 pieces of 300 chars cost ~250 MB more per worker and ran slower than 16).
        """
        pieces: list[str] = []
        owners: list[tuple[int, int]] = []  # (text index, offset of the piece in the text)
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                continue
            for off, piece in _chunks(text):
                pieces.append(piece)
                owners.append((i, off))
        out: list[list[Span]] = [[] for _ in texts]
        for (i, off), doc in zip(owners, self.nlp.pipe(pieces, batch_size=batch_size)):
            out[i].extend((off + e.start_char, off + e.end_char, e.label_) for e in doc.ents)
        return out

    def predict_one(self, text: str) -> list[Span]:
        return self.predict([text])[0]


def _chunks(text: str, limit: int = MAX_CHUNK) -> Iterable[tuple[int, str]]:
    """Cut a text into pieces of at most `limit` chars, at sentence ends where possible."""
    if len(text) <= limit:
        yield 0, text
        return
    start = 0
    while start < len(text):
        if len(text) - start <= limit:
            yield start, text[start:]
            return
        window = text[start:start + limit]
        ends = [m.end() for m in _SENT_END.finditer(window)]
        cut = ends[-1] if ends and ends[-1] > limit // 4 else None
        if cut is None:  # no sentence end: cut at a comma, else hard
            commas = [m.end() for m in re.finditer(r"[，,、：:\s]", window)]
            cut = commas[-1] if commas and commas[-1] > limit // 4 else limit
        yield start, text[start:start + cut]
        start += cut
