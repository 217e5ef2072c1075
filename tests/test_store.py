"""The DuckDB store: one transaction per document, no duplicates, fixed row order, atomic exports."""
from __future__ import annotations

import duckdb
import pytest

from pipeline.store import Store, StoreError, table_spec

SPEC = {"columns": [["doc_id", "VARCHAR"], ["n", "BIGINT"], ["word", "VARCHAR"], ["score", "DOUBLE"]],
        "order": ["doc_id", "n"]}


def recs(doc_id: str, source: str, words: list[str], status: str = "ok") -> dict:
    return {
        "documents": [{"doc_id": doc_id, "source": source, "pages": 1, "chars": 10, "status": status,
                       "message": ""}],
        "words": [{"doc_id": doc_id, "n": i, "word": w, "score": None if i % 2 else 0.5}
                  for i, w in enumerate(words)],
    }


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "out")
    s.ensure_tables({"words": SPEC})
    yield s
    s.close()


def rows(store: Store, name: str) -> list[tuple]:
    return [tuple(r) for r in store.read(name).itertuples(index=False)]


def test_rewrite_replaces_a_documents_rows_and_a_failed_write_keeps_the_old_ones(store):
    store.write("a.txt", "h1", "k", recs("d1", "a.txt", ["x", "y", "z"]))
    store.write("a.txt", "h2", "k", recs("d2", "a.txt", ["new"]))
    assert [r[2] for r in rows(store, "words")] == ["new"]
    assert [r[0] for r in rows(store, "documents")] == ["d2"]
    bad = recs("d3", "a.txt", ["p", "q"])
    bad["words"][1]["n"] = "not a number"
    with pytest.raises(duckdb.Error):
        store.write("a.txt", "h3", "k", bad)
    assert [r[2] for r in rows(store, "words")] == ["new"]  # rolled back as a whole
    assert store.state()["a.txt"].content_hash == "h2"


def test_values_of_another_type_are_cast_as_the_database_would(store):
    """Rows go in as columns of Python values that the INSERT casts to the column's type: a
    numeric string in an int column is the int, an int in a float column a float."""
    odd = recs("d1", "a.txt", ["x", "y", "z"])
    odd["words"][1]["n"] = "41"
    odd["words"][2]["score"] = 2
    store.write("a.txt", "h1", "k", odd)
    got = [(r[1], r[2], r[3]) for r in rows(store, "words")]
    assert got[:2] == [(0, "x", 0.5), (2, "z", 2.0)] and got[2][:2] == (41, "y")


def test_same_content_under_two_names_is_stored_once(store):
    store.write("a.txt", "h", "k", recs("d1", "a.txt", ["x", "y"]))
    store.write("copy/a.txt", "h", "k", recs("d1", "copy/a.txt", ["x", "y"]))
    assert len(rows(store, "words")) == 2
    assert sorted(r[1] for r in rows(store, "documents")) == ["a.txt", "copy/a.txt"]
    assert store.prune({"copy/a.txt"}) == ["a.txt"]
    assert len(rows(store, "words")) == 2  # the copy still holds the content
    assert store.prune(set()) == ["copy/a.txt"]
    assert rows(store, "words") == [] and rows(store, "documents") == []


def test_rows_come_out_in_a_fixed_order_whatever_the_write_order(tmp_path):
    outs = []
    for order in (["b", "a", "c"], ["c", "a", "b"]):
        s = Store(tmp_path / "".join(order))
        s.ensure_tables({"words": SPEC})
        for name in order:
            s.write(f"{name}.txt", name, "k", recs(f"id_{name}", f"{name}.txt", [name * 2, name, "z"]))
        s.export()
        outs.append({p.name: p.read_bytes() for p in s.out.glob("*.csv")})
        s.close()
    assert outs[0] == outs[1]
    lines = outs[0]["words.csv"].decode().splitlines()
    assert lines[0] == "doc_id,n,word,score"
    assert lines[1:4] == ["id_a,0,aa,0.5", "id_a,1,a,", "id_a,2,z,0.5"]


def test_exports_are_whole_files_and_known_to_be_current(store):
    store.write("a.txt", "h", "k", recs("d1", "a.txt", ["x"]))
    assert not store.exports_current()
    written = store.export()
    assert {p.name for p in written} >= {"words.csv", "words.parquet", "documents.csv", "blocks.parquet"}
    assert not list(store.out.glob(".*.tmp")) and not list(store.out.glob("*.tmp"))
    assert store.exports_current()
    store.write("b.txt", "h2", "k", recs("d2", "b.txt", ["y"]))
    assert not store.exports_current()
    (store.out / "words.csv").unlink()
    store.export()
    (store.out / "words.parquet").unlink()
    assert not store.exports_current()


def test_a_changed_table_schema_rebuilds_it_and_invalidates_the_state(store):
    store.write("a.txt", "h", "k", recs("d1", "a.txt", ["x"]))
    changed = {"columns": SPEC["columns"] + [["extra", "VARCHAR"]], "order": SPEC["order"]}
    assert store.ensure_tables({"words": changed}) == ["words"]
    assert rows(store, "words") == []
    assert store.state()["a.txt"].config_hash == ""  # so the run processes it again
    assert store.ensure_tables({"words": changed}) == []


def test_the_registered_tables_have_a_spec():
    spec = table_spec("blocks")
    assert ["x0", "DOUBLE"] in spec["columns"] and ["page", "BIGINT"] in spec["columns"]


def test_a_second_run_on_the_same_dir_gets_a_clear_error(tmp_path):
    import subprocess
    import sys
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               f"con = duckdb.connect({str(tmp_path / 'pipeline.duckdb')!r}); print('ok', flush=True); "
                               "time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="in use by another run"):
            Store(tmp_path)
    finally:
        holder.kill()
        holder.wait()


def test_storing_rows_does_not_import_pandas(tmp_path):
    """The parent of a batch run writes every document; importing pandas there (~0.9 s of CPU)
    would be taken from the workers when they use every core."""
    import subprocess
    import sys
    from pathlib import Path
    probe = ("import sys; from pipeline.store import Store; s = Store(sys.argv[1]); "
             "s.ensure_tables({'words': %r}); "
             "s.write('a.txt', 'h', 'k', {'documents': [{'doc_id': 'd', 'source': 'a.txt', 'pages': 1, "
             "'chars': 3, 'status': 'ok', 'message': ''}], 'words': [{'doc_id': 'd', 'n': 1, 'word': 'x', "
             "'score': None}]}); s.export(); print('pandas' in sys.modules)") % (SPEC,)
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "out")], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1], check=True).stdout.strip()
    assert out == "False"
    assert (tmp_path / "out" / "words.csv").read_text().splitlines()[1] == "d,1,x,"

