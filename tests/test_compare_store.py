"""`evalkit compare` on stored runs (--store PATH --runs A B, or --scorecard-id ID --periods P1 P2).

Two runs of examples/county-254 (2024 and 2025) are stored in a temporary history store and also exported
with `evalkit run --format json -o`. Comparing the stored runs must give what comparing the exported files
gives: the text byte for byte, the JSON byte for byte except the "source" of each side, which names where
the result came from ("STORE run N" instead of the file's name).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.store.history import Store

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "county-254"
SCORECARD_ID = "county-organs-254"


def inputs(data: Path = EXAMPLE / "data.csv") -> list[str]:
    return [str(EXAMPLE / "scorecard.yaml"), "--data", str(data), "--units", str(EXAMPLE / "units.csv")]


def quiet_main(args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """(store, {period: exported result file}) with run 1 = 2024 and run 2 = 2025."""
    folder = tmp_path_factory.mktemp("compare-store")
    db = folder / "history.db"
    files = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("EVALKIT_STORE", raising=False)
        for run_id, period in ((1, "2024"), (2, "2025")):
            code, _, err = quiet_main(["run", *inputs(), "--period", period, "--store", db])
            assert code == 0 and f"stored as run {run_id} in {db}" in err, err
            files[period] = folder / f"{period}.json"
            code, _, err = quiet_main(["run", *inputs(), "--period", period, "--format", "json", "-o", files[period]])
            assert code == 0, err
    return db, files


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def relabel(text: str, files, labels) -> str:
    """The file-based JSON with each side's "source" (the file name) replaced by the stored run's label."""
    for path, label in zip(files, labels):
        old, new = f'"source": {json.dumps(str(path), ensure_ascii=False)}', f'"source": {json.dumps(label, ensure_ascii=False)}'
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


OPTIONS = [
    ["--format", "json"],
    ["--format", "json", "--marked", "score:5", "--rectify", "--weakest", "2", "--decimals", "2"],
    ["--format", "json", "--marked", "rank:10", "--marked-among", "all", "--bottom", "10%"],
    ["--marked", "score:5"],
    ["--marked", "percent:5", "--lang", "en", "--list-units", "--bottom", "12"],
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: " ".join(o))
@pytest.mark.parametrize("which", ["runs", "periods"])
def test_stored_runs_compare_as_the_exported_files_do(capsys, stored, options, which):
    db, files = stored
    pair = (files["2024"], files["2025"])
    code, expected, err = run(capsys, "compare", *pair, *options)
    assert code == 0, err
    select = ["--runs", "1", "2"] if which == "runs" else ["--scorecard-id", SCORECARD_ID, "--periods", "2024", "2025"]
    code, out, err = run(capsys, "compare", "--store", db, *select, *options)
    assert code == 0, err
    assert err == ""  # same scorecard and version: no warnings
    if "json" in options:
        labels = (f"{db} run 1", f"{db} run 2")
        assert out == relabel(expected, pair, labels)  # byte for byte, but for where each side came from
        doc = json.loads(out)
        assert (doc["before"]["source"], doc["after"]["source"]) == labels
        assert doc["units_compared"] == 254
    else:
        assert out == expected  # the text does not name the sources


def test_output_file_and_environment_default(capsys, stored, tmp_path, monkeypatch):
    db, files = stored
    options = ["--format", "json", "--marked", "score:5", "--rectify"]
    target = tmp_path / "cmp.json"
    code, out, err = run(capsys, "compare", "--store", db, "--runs", 1, 2, *options, "-o", target)
    assert code == 0 and out == "" and f"wrote {target} (254 units compared, format json)" in err
    by_file = tmp_path / "by-file.json"
    assert run(capsys, "compare", files["2024"], files["2025"], *options, "-o", by_file)[0] == 0
    written = target.read_text(encoding="utf-8")
    assert written == relabel(by_file.read_text(encoding="utf-8"), (files["2024"], files["2025"]),
                              (f"{db} run 1", f"{db} run 2"))

    # $EVALKIT_STORE is the store when --runs or --scorecard-id is given without --store.
    monkeypatch.setenv("EVALKIT_STORE", str(db))
    code, out, err = run(capsys, "compare", "--runs", 1, 2, *options)
    assert code == 0 and out == written, err
    code, out, err = run(capsys, "compare", "--scorecard-id", SCORECARD_ID, "--periods", 2024, 2025, *options)
    assert code == 0 and out == written, err
    # ... but files are still compared as files, whatever the environment says.
    code, out, err = run(capsys, "compare", files["2024"], files["2025"], *options)
    assert code == 0 and out == by_file.read_text(encoding="utf-8")
    # --store wins over the environment.
    monkeypatch.setenv("EVALKIT_STORE", str(tmp_path / "elsewhere.db"))
    assert run(capsys, "compare", "--store", db, "--runs", 1, 2, *options)[1] == written
    assert run(capsys, "compare", "--runs", 1, 2)[0] == 5 and not (tmp_path / "elsewhere.db").exists()


def test_periods_take_the_latest_run_of_each(capsys, stored, tmp_path):
    db, _files = stored
    copy = tmp_path / "history.db"
    shutil.copyfile(db, copy)
    corrected = tmp_path / "data.csv"  # other bytes (so other inputs), the same values
    corrected.write_bytes((EXAMPLE / "data.csv").read_bytes() + b"\n")
    code, _, err = run(capsys, "run", *inputs(corrected), "--period", "2025", "--store", copy)
    assert code == 0 and "stored as run 3" in err
    code, out, err = run(capsys, "compare", "--store", copy, "--scorecard-id", SCORECARD_ID, "--periods", 2024, 2025,
                         "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["before"]["source"], doc["after"]["source"]) == (f"{copy} run 1", f"{copy} run 3")
    # Reversed periods compare the other way round.
    code, out, _ = run(capsys, "compare", "--store", copy, "--scorecard-id", SCORECARD_ID, "--periods", 2025, 2024,
                       "--format", "json")
    doc = json.loads(out)
    assert code == 0 and (doc["before"]["period"], doc["after"]["period"]) == ("2025", "2024")


@pytest.mark.parametrize("select, words", [
    (["--runs", "1", "9"], ["no run 9 in the history store", "2 (county-organs-254 2025)"]),
    (["--runs", "latest", "2"], ["a run is given by its number", "'latest'"]),
    (["--scorecard-id", SCORECARD_ID, "--periods", "2024", "2019"], ["no stored run of scorecard", "'2019'"]),
    (["--scorecard-id", "other", "--periods", "2024", "2025"], ["no stored run of scorecard 'other'"]),
])
def test_unknown_runs_are_invalid_data(capsys, stored, select, words):
    db, _ = stored
    before = db.read_bytes()
    code, out, err = run(capsys, "compare", "--store", db, *select)
    assert code == 3 and out == "" and str(db) in err, err
    assert all(w in err for w in words), err
    assert db.read_bytes() == before


def _text_file(path: Path):
    path.write_text("id,name\nU01,not a database\n", encoding="utf-8")


def _foreign_sqlite(path: Path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()


def _garbled(path: Path):
    with Store.open(path):
        pass
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * 3996
    path.write_bytes(bytes(data))


def _result_file(path: Path):
    path.write_text(json.dumps({"evalkit_result": 1}), encoding="utf-8")


@pytest.mark.parametrize("make, code, words", [
    (_text_file, 6, "not an SQLite database"),
    (_result_file, 6, "not an SQLite database"),
    (_foreign_sqlite, 6, "without evalkit's mark"),
    (_garbled, 5, "damaged"),
])
def test_unusable_stores_keep_the_stores_own_errors(capsys, tmp_path, make, code, words):
    db = tmp_path / "history.db"
    make(db)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for select in (["--runs", "1", "2"], ["--scorecard-id", SCORECARD_ID, "--periods", "2024", "2025"]):
        got, out, err = run(capsys, "compare", "--store", db, *select)
        assert got == code and words in err and str(db) in err and out == "", err
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_missing_store_is_not_created(capsys, tmp_path):
    db = tmp_path / "none.db"
    code, _, err = run(capsys, "compare", "--store", db, "--runs", 1, 2)
    assert code == 5 and "no history store here" in err and not db.exists()


@pytest.mark.parametrize("args, words", [
    (["--store", "{db}", "{f24}", "{f25}"], "does not take result files"),
    (["{f24}", "{f25}", "--store", "{db}"], "does not take result files"),
    (["--store", "{db}", "--runs", "1", "2", "{f24}"], "does not take result files"),
    (["--store", "{db}", "{scorecard}", "--periods", "2024", "2025"], "does not take result files"),
    (["--store", "{db}", "--runs", "1", "2", "--data", "{f24}"], "--data belong with SCORECARD"),
    (["--store", "{db}", "--runs", "1", "2", "--periods", "2024", "2025"], "not both"),
    (["--store", "{db}", "--runs", "1", "2", "--scorecard-id", SCORECARD_ID], "not both"),
    (["--store", "{db}"], "needs --runs A B"),
    (["--store", "{db}", "--periods", "2024", "2025"], "needs --scorecard-id"),
    (["--store", "{db}", "--scorecard-id", SCORECARD_ID], "needs --periods"),
    (["--store", "{db}", "--scorecard-id", SCORECARD_ID, "--periods", "2024", "2024"], "twice"),
    (["--store", "{db}", "--runs", "2", "2"], "names run 2 twice"),
    (["--runs", "1", "2"], "EVALKIT_STORE"),
    (["--scorecard-id", SCORECARD_ID, "--periods", "2024", "2025"], "EVALKIT_STORE"),
    (["--store", "{db}", "--runs", "1", "2", "-o", "{db}"], "never overwrites"),
    ([], "expected two result files"),
])
def test_usage_errors_exit_64(capsys, stored, args, words):
    db, files = stored
    names = {"db": db, "f24": files["2024"], "f25": files["2025"], "scorecard": EXAMPLE / "scorecard.yaml"}
    before = db.read_bytes()
    code, out, err = run(capsys, "compare", *(a.format(**names) for a in args))
    assert code == 64 and out == "" and words in err, err
    assert db.read_bytes() == before


def test_mixing_with_files_says_how_to_choose(capsys, stored):
    db, files = stored
    code, _, err = run(capsys, "compare", "--store", db, files["2024"], files["2025"])
    assert code == 64
    assert f"history store {db}" in err and "BEFORE AFTER files" in err and "--runs A B" in err


def test_help_shows_the_store_forms(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "--store PATH --runs A B" in out and "--scorecard-id ID --periods P1 P2" in out and "EVALKIT_STORE" in out
