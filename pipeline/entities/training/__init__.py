"""Training of the shipped Chinese NER model from ../shared/data/train.

`python -m pipeline.entities.training --shared ../shared` (= `make train-ner`) reads the corpora
(formats.py, corpora.py), maps their labels (label_map.tsv, LABELS.md) and trains the CRF of
pipeline/models/zh_crf (crf.py). `--kind cnn` instead writes DocBins (convert.py) and runs
`spacy train` on config.cfg for the earlier CNN tagger (pipeline/models/zh_ner).
"""
