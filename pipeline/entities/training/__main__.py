"""Reproduce the shipped Chinese NER from ../shared/data/train.

`--kind crf` (the default, `make train-ner`): the CRF of pipeline/models/zh_crf (crf.py here).
`--kind cnn`: the earlier spaCy CNN tagger, corpora -> DocBin -> `spacy train` ->
pipeline/models/zh_ner (kept to compare; `[entities] zh_model = "cnn"` runs it).

CNN training runs in a child process on one thread, stopped at `--max-steps` or after
`--time-budget` seconds, whichever comes first; the best model on the dev set so far is
kept, so a budget cut still leaves a usable model. Work files go to a temp dir."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .convert import build
from .corpora import CORPORA
from .shrink import shrink

CONFIG = Path(__file__).with_name("config.cfg")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.entities.training", description=__doc__)
    p.add_argument("--shared", type=Path, default=Path("../shared"))
    p.add_argument("--kind", choices=("crf", "cnn"), default="crf", help="model to train (default crf)")
    p.add_argument("--out", type=Path, default=None, help="default pipeline/models/zh_crf (crf) or zh_ner (cnn)")
    p.add_argument("--iterations", type=int, default=120, help="crf: L-BFGS iterations")
    p.add_argument("--tokens", choices=("char", "jieba"), default="char",
                   help="token unit of the pipeline (char won over jieba words, see LABELS.md)")
    p.add_argument("--features", type=int, default=None, help="crf: feature set (default: the current one, 4)")
    p.add_argument("--clusters", type=Path, default=None,
                   help="crf: reuse this clusters.json instead of learning the clusters again (~5 min)")
    p.add_argument("--corpora", default=None, help="comma-separated (crf default: msra,cluener,resume; cnn: all six)")
    p.add_argument("--max-steps", type=int, default=200000)
    p.add_argument("--time-budget", type=float, default=2250, help="seconds of training before it is stopped")
    p.add_argument("--work", type=Path, default=None, help="work dir (default: a temp dir, removed after)")
    p.add_argument("--reuse-data", action="store_true", help="keep the DocBins already in --work")
    a, extra = p.parse_known_args(argv)  # e.g. --training.eval_frequency 100 goes on to `spacy train`
    if not (a.shared / "data" / "train").is_dir():
        print(f"error: no training data under {a.shared}/data/train", file=sys.stderr)
        return 2
    if a.kind == "crf":
        return _train_crf(a)
    a.out = a.out or Path("pipeline/models/zh_ner")
    a.corpora = a.corpora or ",".join(CORPORA)
    work = a.work or Path(tempfile.mkdtemp(prefix="zh_ner_"))
    work.mkdir(parents=True, exist_ok=True)
    log_lines: list[str] = []

    def log(msg: str) -> None:
        print(msg, flush=True)
        log_lines.append(msg)

    log(f"# zh_ner training {time.strftime('%Y-%m-%d %H:%M:%S')} tokens={a.tokens} corpora={a.corpora} "
        f"max_steps={a.max_steps} time_budget={a.time_budget}s")
    if a.reuse_data and (work / "data" / "train.spacy").exists():
        f = work / "data" / "stats.json"
        stats = json.loads(f.read_text()) if f.exists() else {}
        log(f"reusing {work / 'data'}")
    else:
        stats = build(a.shared, work / "data", a.corpora.split(","), tokens=a.tokens, log=log)
        (work / "data" / "stats.json").write_text(json.dumps(stats), encoding="utf-8")
    cmd = [sys.executable, "-m", "spacy", "train", str(CONFIG), "--output", str(work / "out"),
           "--paths.train", str(work / "data" / "train.spacy"), "--paths.dev", str(work / "data" / "dev.spacy"),
           "--code", str(Path(__file__).with_name("components.py")), "--nlp.tokenizer.segmenter", a.tokens, "--training.max_steps", str(a.max_steps), *extra]
    log("$ " + " ".join(cmd))
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)

    def stop() -> None:
        if proc.poll() is None:
            log(f"# time budget of {a.time_budget:.0f}s reached: stopping, keeping model-best")
            proc.terminate()

    timer = threading.Timer(a.time_budget, stop)
    timer.start()
    assert proc.stdout is not None
    for line in proc.stdout:
        log(line.rstrip())
    proc.wait()
    timer.cancel()
    best = work / "out" / "model-best"
    if not (best / "meta.json").exists():
        log("error: training produced no model")
        return 1
    log(f"# trained for {time.time() - t0:.0f}s; exit {proc.returncode}")
    if a.out.exists():
        shutil.rmtree(a.out)
    shutil.rmtree(best / "bioes_ents", ignore_errors=True)
    shutil.copytree(best, a.out)
    shrink(a.out)
    meta = json.loads((a.out / "meta.json").read_text())
    log(f"# dev scores of model-best: {json.dumps(meta.get('performance', {}), ensure_ascii=False)}")
    (a.out / "training.log").write_text("\n".join(log_lines) + "\n", encoding="utf-8")
    (a.out / "training_data.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), encoding="utf-8")
    if a.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _train_crf(a: argparse.Namespace) -> int:
    from .crf import DEFAULT_CORPORA, train
    out = a.out or Path("pipeline/models/zh_crf")
    corpora = a.corpora.split(",") if a.corpora else list(DEFAULT_CORPORA)
    lines: list[str] = []

    def log(msg: str) -> None:
        print(msg, flush=True)
        lines.append(msg)

    from ..crf import FEATURES
    feature_set = a.features or FEATURES
    log(f"# zh_crf training {time.strftime('%Y-%m-%d %H:%M:%S')} corpora={','.join(corpora)} "
        f"iterations={a.iterations} features={feature_set}")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    train(a.shared, tmp, corpora, log, iterations=a.iterations, feature_set=feature_set, clusters_from=a.clusters)
    (tmp / "training.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)   # the old model stays until the new one is complete
    return 0


if __name__ == "__main__":
    sys.exit(main())
