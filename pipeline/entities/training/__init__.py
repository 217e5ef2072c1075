"""Training of the shipped Chinese NER model (pipeline/models/zh_ner) from ../shared/data/train.

`python -m pipeline.entities.training --shared ../shared --out pipeline/models/zh_ner`
(= `make train-ner`) converts the corpora (formats.py, corpora.py), maps their labels
(label_map.tsv, LABELS.md), writes DocBins (convert.py) and runs `spacy train` on config.cfg.
"""
