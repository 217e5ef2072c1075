"""Batch runs: parallel workers with a time limit, incremental re-runs, crash safety, Dask.

Most tests run a small probe stage (a module written into tmp_path and named in the config
as `module:stage`) instead of the NLP stages, so they exercise the batch machinery in
seconds: it sleeps, hangs, raises or kills its worker when the document asks it to.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main as cli_main
from pipeline.config import load_config
from pipeline.engine import code_fingerprint, run

ROOT = Path(__file__).resolve().parents[1]

PROBE = '''
import os, time
from dataclasses import dataclass
from pipeline.registry import stage, table

@table("probe_marks")
@dataclass
class Mark:
    __order__ = ("doc_id", "n")
    doc_id: str
    n: int
    word: str

@stage("probe")
def make(cfg):
    conf = cfg.get("probe", {})
    sleep, marks = float(conf.get("sleep", 0)), conf.get("marks")
    def run(doc):
        if marks:
            open(os.path.join(marks, doc.doc_id), "w").close()
        if "HANG" in doc.text:
            time.sleep(3600)
        if "BOOM" in doc.text:
            raise ValueError("probe exploded")
        if "DIE" in doc.text:
            os._exit(3)
        time.sleep(sleep)
        if "BADROW" in doc.text:
            doc.add_rows("probe_marks", [Mark(doc.doc_id, "not a number", "x")])
        doc.add_rows("probe_marks", [Mark(doc.doc_id, i, w) for i, w in enumerate(sorted(set(doc.text.split())))])
    return run
'''


@pytest.fixture
def probe(tmp_path, monkeypatch):
    """A config running only the probe stage; returns a function writing a config file."""
    mod = tmp_path / "plug"
    mod.mkdir()
    (mod / "batchprobe.py").write_text(PROBE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(mod))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(mod), str(ROOT)]))

    def config(sleep: float = 0.0, marks: Path | None = None, timeout: float = 60) -> Path:
        path = tmp_path / "probe.toml"
        lines = ['[pipeline]', 'stages = ["batchprobe:probe"]', '[probe]', f'sleep = {sleep}']
        if marks:
            lines.append(f'marks = "{marks}"')
        lines += ["[run]", f"timeout = {timeout}"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path
    return config


def make_docs(folder: Path, n: int, extra: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        words = " ".join(f"w{(i * 7 + k) % 23}" for k in range(12))
        (folder / f"doc{i:02d}.txt").write_text(f"Report {i}. {words}\n\n第{i}段：收入增长{i}.5%。\n", encoding="utf-8")
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def exported(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.csv"))}


def documents(out: Path) -> dict[str, tuple[str, str]]:
    import pandas as pd
    df = pd.read_csv(out / "documents.csv", keep_default_na=False)
    return {Path(s).name: (st, m) for s, st, m in zip(df.source, df.status, df.message)}


def cli(*args: str, env_extra: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(env_extra or {})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(ROOT)) if p)
    return subprocess.run([sys.executable, "-m", "pipeline", *args], env=env, capture_output=True,
                          text=True, **kw)


def test_failures_and_hangs_get_status_rows_and_the_batch_goes_on(tmp_path, probe, capsys):
    src = make_docs(tmp_path / "in", 3, {"hang.txt": "this one will HANG", "boom.txt": "BOOM here",
                                         "die.txt": "workers DIE too", "empty.txt": "",
                                         "bad.txt": "a BADROW for the database"})
    out = tmp_path / "out"
    t0 = time.monotonic()
    code = cli_main(["run", str(src), "--out", str(out), "--jobs", "2", "--timeout", "2",
                     "--config", str(probe())])
    assert code == 0
    assert time.monotonic() - t0 < 40
    docs = documents(out)
    assert docs["hang.txt"] == ("error", "timed out after 2 s")
    assert docs["boom.txt"][0] == "error" and "probe exploded" in docs["boom.txt"][1]
    assert docs["die.txt"][0] == "error" and "worker died" in docs["die.txt"][1]
    assert docs["empty.txt"][0] == "empty"
    assert docs["bad.txt"][0] == "error" and "could not be stored" in docs["bad.txt"][1]
    assert [docs[f"doc{i:02d}.txt"][0] for i in range(3)] == ["ok"] * 3
    captured = capsys.readouterr()
    assert "doc/s" not in captured.err  # no progress bar when stderr is not a terminal
    assert "hang.txt: error: timed out after 2 s" in captured.err
    summary = captured.out.strip().splitlines()[-1]
    assert summary.startswith("8 documents (empty 1, error 4, ok 3)")
    # the three good documents have their rows, the failed ones none
    marks = (out / "probe_marks.csv").read_text(encoding="utf-8").splitlines()
    assert len({ln.split(",")[0] for ln in marks[1:]}) == 3


def test_incremental_reruns_redo_only_what_changed(tmp_path, probe):
    src = make_docs(tmp_path / "in", 4, {"boom.txt": "BOOM"})
    out = tmp_path / "out"
    cfg = load_config(probe())
    first = run([str(src)], out, cfg, jobs=2)
    assert (first.processed, first.skipped) == (5, 0)
    before = exported(out)

    # nothing changed: nothing processed, exports not even rewritten; the failed document
    # is retried once (an error may be transient) and then left alone
    second = run([str(src)], out, cfg, jobs=2)
    assert (second.processed, second.skipped) == (1, 4)
    third = run([str(src)], out, cfg, jobs=2)
    assert (third.processed, third.skipped, third.exported) == (0, 5, False)
    assert exported(out) == before

    # one file edited, one added: exactly those two
    (src / "doc01.txt").write_text("Changed words entirely.\n", encoding="utf-8")
    (src / "new.txt").write_text("A new arrival.\n", encoding="utf-8")
    fourth = run([str(src)], out, cfg, jobs=2)
    assert fourth.processed == 2
    marks = (out / "probe_marks.csv").read_text(encoding="utf-8")
    assert "entirely." in marks and "arrival." in marks

    # a file gone: its rows stay until --prune, then every table drops them
    (src / "doc02.txt").unlink()
    run([str(src)], out, cfg, jobs=2)
    assert "doc02.txt" in documents(out)
    fifth = run([str(src)], out, cfg, jobs=2, prune=True)
    assert fifth.pruned == 1 and fifth.processed == 0
    assert "doc02.txt" not in documents(out)
    fresh = tmp_path / "fresh"
    run([str(src)], fresh, cfg, jobs=1)
    assert exported(out) == exported(fresh)

    # a changed config redoes everything; so does --force
    assert run([str(src)], out, load_config(probe(sleep=0.01)), jobs=2).processed == 5
    assert run([str(src)], out, cfg, jobs=2, force=True).processed == 5


def test_sigkill_mid_batch_then_rerun_equals_an_uninterrupted_run(tmp_path, probe):
    src = make_docs(tmp_path / "in", 8)
    marks = tmp_path / "marks"
    marks.mkdir()
    conf = probe(sleep=0.6, marks=marks)
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    env = dict(os.environ)
    code_before = code_fingerprint.__wrapped__()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(src), "--out", str(killed),
                             "--jobs", "1", "--config", str(conf)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(list(marks.iterdir())) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "documents.csv").exists()  # it died before exporting
    import duckdb
    con = duckdb.connect(str(killed / "pipeline.duckdb"), read_only=True)
    stored = con.execute("SELECT count(*) FROM _state").fetchone()[0]
    con.close()
    assert 1 <= stored < 8  # killed mid-batch, after some documents were committed

    again = cli("run", str(src), "--out", str(killed), "--jobs", "2", "--config", str(conf))
    assert again.returncode == 0, again.stderr
    if code_fingerprint.__wrapped__() == code_before:  # (others may be editing the package)
        assert f"unchanged {stored}" in again.stdout  # resumed, not redone
    ok = cli("run", str(src), "--out", str(clean), "--jobs", "2", "--config", str(conf))
    assert ok.returncode == 0, ok.stderr
    assert exported(killed) == exported(clean)
    assert len(exported(clean)) == 3


def test_tables_identical_across_runs_and_hash_seeds(tmp_path, seed_path):
    src = make_docs(tmp_path / "in", 2)
    (src / "seed.txt").write_bytes(seed_path.read_bytes())
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"out{seed}"
        res = cli("run", str(src), "--out", str(out), "--jobs", "1", env_extra={"PYTHONHASHSEED": seed})
        assert res.returncode == 0, res.stderr
        outs.append(exported(out))
    assert outs[0] == outs[1]
    assert {"documents.csv", "blocks.csv"} <= set(outs[0])
    assert outs[0]["documents.csv"].count(b",ok,") == 3


def test_dask_local_cluster_gives_the_same_tables(tmp_path, probe):
    pytest.importorskip("distributed")
    src = make_docs(tmp_path / "in", 4, {"boom.txt": "BOOM"})
    cfg = load_config(probe())
    local, dask = tmp_path / "local", tmp_path / "dask"
    run([str(src)], local, cfg, jobs=2)
    rep = run([str(src)], dask, cfg, jobs=2, engine="dask")
    assert rep.processed == 5 and rep.statuses == {"ok": 4, "error": 1}
    assert exported(dask) == exported(local)


def test_exit_codes_and_messages(tmp_path):
    src = make_docs(tmp_path / "in", 1)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    bad = cli("run", str(src), "--out", str(blocker / "sub"))
    assert bad.returncode == 2 and "cannot write" in bad.stderr and "Traceback" not in bad.stderr
    none = cli("run", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "o"))
    assert none.returncode == 2 and "no .pdf or .txt" in none.stderr
    jobs = cli("run", str(src), "--out", str(tmp_path / "o"), "--jobs", "0")
    assert jobs.returncode == 2 and "--jobs" in jobs.stderr
    cfg = tmp_path / "stages.toml"
    cfg.write_text('[pipeline]\nstages = ["segment", "sentiment"]\n', "utf-8")
    unknown = cli("run", str(src), "--out", str(tmp_path / "o"), "--config", str(cfg))
    assert unknown.returncode == 2 and "sentiment" in unknown.stderr and "Traceback" not in unknown.stderr
