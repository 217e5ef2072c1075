# Two commands do everything on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED ?= ../shared

.PHONY: run test install eval train-ner bench clean corpus-pdf

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/pipeline run corpus --out outputs

test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests

# The gold set also covers three PDFs of ../shared (not redistributable): they are scored when present.
GOLD_SHARED := $(wildcard $(addprefix $(SHARED)/data/pdfs/,zh_broker_research_report_2022.pdf \
	zh_en_battery_datasheet_bilingual.pdf zh_union_regulation_1page.pdf))

eval: $(STAMP)
	$(BIN)/pipeline run corpus $(GOLD_SHARED) --out outputs/eval-run
	$(BIN)/pipeline eval --gold corpus/gold --pred outputs/eval-run --out outputs/eval

# Rebuild the two-column PDF of the seed that ingest is tested against.
corpus-pdf: $(STAMP)
	$(BIN)/python scripts/typeset_seed.py corpus/000_63f442ddd4362203.txt corpus/000_63f442ddd4362203.pdf

# Retrain the shipped Chinese NER (the CRF of pipeline/models/zh_crf) from ../shared/data/train
# (see pipeline/entities/training/LABELS.md; `--kind cnn` trains the spaCy tagger instead).
train-ner: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[train]'
	$(BIN)/python -m pipeline.entities.training --shared $(SHARED) --kind crf --out pipeline/models/zh_crf

bench: $(STAMP)
	$(BIN)/python -m pipeline.bench all --shared $(SHARED)

clean:
	rm -rf $(VENV) outputs/*.csv outputs/*.parquet outputs/*.duckdb outputs/eval
