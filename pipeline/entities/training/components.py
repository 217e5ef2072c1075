"""The pipeline component that turns the tagger's per-token BIOES tags into `doc.ents`.

The shipped model tags each token (a character) with B-/I-/E-/S-LABEL or O: a softmax tagger
trains and runs several times faster than spaCy's transition-based NER on character tokens
at the same accuracy budget. Decoding is lenient: an I-/E- tag that does not continue an
entity of its type starts one, so a wrong tag costs one boundary, not the entity.
"""
from __future__ import annotations

from spacy.language import Language
from spacy.scorer import get_ner_prf
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.entities.training.formats import tags_to_spans


def bioes_tags(doc: Doc) -> list[str]:
    """BIOES tags of doc.ents; tokens with missing entity annotation get '' (missing)."""
    tags = ["O" if t.ent_iob_ == "O" else "" for t in doc]
    for e in doc.ents:
        if len(e) == 1:
            tags[e.start] = f"S-{e.label_}"
        else:
            tags[e.start] = f"B-{e.label_}"
            for i in range(e.start + 1, e.end - 1):
                tags[i] = f"I-{e.label_}"
            tags[e.end - 1] = f"E-{e.label_}"
    return tags


class BioesToEnts:
    def __init__(self, name: str = "bioes_ents"):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, s, e, label=lab) for s, e, lab in tags_to_spans([t.tag_ or "O" for t in doc])]
        doc.ents = filter_spans(spans)
        return doc

    def score(self, examples, **kwargs):
        return get_ner_prf(examples)


@Language.factory("bioes_ents", default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None})
def make_bioes_ents(nlp: Language, name: str) -> BioesToEnts:
    return BioesToEnts(name)


class CharContext:
    """Per-character context features for the tok2vec, written to token slots it hashes:
    NORM = the character bigram starting here, LEMMA = the jieba word that contains the
    character with its position (B/M/E/S). Character tokens alone make the network learn
    every word from scratch; these give it word evidence and boundaries at hashing cost.

    jieba runs on a private Tokenizer with its stock dictionary, so features do not shift
    when other code adds words to jieba's global dictionary."""

    def __init__(self, name: str = "char_context"):
        self.name = name
        self._jieba = None

    def _cut(self, text: str) -> list[str]:
        if self._jieba is None:
            import logging

            import jieba
            jieba.setLogLevel(logging.WARNING)
            self._jieba = jieba.Tokenizer()
        return self._jieba.lcut(text, HMM=True)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        if not len(doc):
            return doc
        word_at: dict[int, str] = {}
        pos = 0
        for w in self._cut(text):
            n = len(w)
            for k in range(n):
                tag = "S" if n == 1 else "B" if k == 0 else "E" if k == n - 1 else "M"
                word_at[pos + k] = f"{tag}|{w if n <= 8 else '<long>'}"
            pos += n
        toks = list(doc)
        for i, t in enumerate(toks):
            nxt = toks[i + 1].text if i + 1 < len(toks) else "</s>"
            t.norm_ = t.text + nxt
            t.lemma_ = word_at.get(t.idx, "S|" + t.text)
        return doc

    def pipe(self, docs, batch_size: int = 128):
        for doc in docs:
            yield self(doc)


@Language.factory("char_context")
def make_char_context(nlp: Language, name: str) -> CharContext:
    return CharContext(name)
