"""benchmarks, targets, history, compare, review and rollup driven through the public API alone give the JSON
(and CSV) the commands print; a hand-edited history store gives a StoreError, not a traceback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import evalkit
from evalkit.analysis.benchmarks import benchmark_report
from evalkit.analysis.comparison import compare_report
from evalkit.analysis.period_rollup import load_rollup, rollup_files
from evalkit.analysis.targets import assess_targets
from evalkit.cli import main
from evalkit.reviews import review
from evalkit.reviews.data_rows import review_data_csv
from evalkit.store.history import StoreError, load_run
from evalkit.store.trends import IndicatorTrend, RunList, UnitTrend, read_history

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "targets"
QUICK = ROOT / "examples" / "quickstart"
REVIEWS = ROOT / "examples" / "reviews"
FILES = (EXAMPLE / "scorecard.yaml", "--data", EXAMPLE / "data.csv", "--units", EXAMPLE / "units.csv")


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def loaded():
    scorecard = evalkit.load_scorecard(EXAMPLE / "scorecard.yaml")
    return scorecard, evalkit.load_data(EXAMPLE / "data.csv", EXAMPLE / "units.csv", scorecard)


def test_benchmarks_through_the_api(capsys):
    scorecard, data = loaded()
    code, out, _ = cli(capsys, "benchmarks", *FILES, "--peer-group", "type", "--standards", EXAMPLE / "standards.csv",
                       "--format", "json")
    report = benchmark_report(scorecard, data, peer_group="type", standards=EXAMPLE / "standards.csv")
    assert code == 0 and json.loads(out) == report.to_dict()
    code, out, _ = cli(capsys, "benchmarks", *FILES, "--unit", "B07", "--benchmark-unit", "B02", "--format", "json")
    report = benchmark_report(scorecard, data, unit="B07", designated=["B02"])
    assert code == 0 and json.loads(out) == report.to_dict()
    code, out, _ = cli(capsys, "benchmarks", *FILES, "--unit", "B07", "--format", "csv")
    assert code == 0 and out == benchmark_report(scorecard, data, unit="B07").to_csv()


def test_targets_through_the_api(capsys):
    scorecard, data = loaded()
    code, out, _ = cli(capsys, "targets", *FILES, "--plan", EXAMPLE / "plan.yaml", "--targets", EXAMPLE / "targets.csv",
                       "--format", "json")
    assessment = assess_targets(scorecard, data, plan=str(EXAMPLE / "plan.yaml"), targets=EXAMPLE / "targets.csv")
    assert code == 0 and json.loads(out) == assessment.to_dict()
    code, out, _ = cli(capsys, "targets", *FILES, "--plan", EXAMPLE / "plan.yaml", "--format", "data",
                       "--data-column", "both")
    assert code == 0 and out == assess_targets(scorecard, data, plan=str(EXAMPLE / "plan.yaml")).to_data("both")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("store") / "history.db"
    for period in ("2024", "2025"):
        assert main(["run", str(EXAMPLE / "scorecard.yaml"), "--data", str(EXAMPLE / "data.csv"), "--units",
                     str(EXAMPLE / "units.csv"), "--period", period, "--store", str(db), "--format", "json",
                     "-o", str(db.parent / f"{period}.json")]) == 0
    return db


def test_history_through_the_api(capsys, store):
    for extra, kind in (((), RunList), (("--unit", "B07"), UnitTrend), (("--indicator", "recruitment"), IndicatorTrend)):
        code, out, _ = cli(capsys, "history", "--store", store, *extra, "--format", "json")
        result = read_history(store, unit="B07" if "--unit" in extra else None,
                              indicator="recruitment" if "--indicator" in extra else None)
        assert code == 0 and isinstance(result, kind) and json.loads(out) == result.to_dict()
        code, out, _ = cli(capsys, "history", "--store", store, *extra, "--format", "csv")
        assert code == 0 and out == result.to_csv()
    code, out, _ = cli(capsys, "history", "--store", store, "--run", "2")
    assert code == 0 and json.loads(out) == read_history(store, run=2).to_dict() == load_run(store, 2)


def test_compare_through_the_api(capsys, store):
    code, out, _ = cli(capsys, "compare", "--store", store, "--runs", "1", "2", "--marked", "score:5", "--rectify",
                       "--format", "json")
    report = compare_report(store=str(store), runs=["1", "2"], marked="score:5", rectify=True)
    assert code == 0 and json.loads(out) == report.to_dict()
    files = [store.parent / "2024.json", store.parent / "2025.json"]
    code, out, _ = cli(capsys, "compare", *files, "--bottom", "20%")
    assert code == 0 and out == compare_report([str(f) for f in files], bottom="20%").to_text()


def test_review_and_rollup_through_the_api(capsys, tmp_path):
    args = (REVIEWS / "review.yaml", "--ballots", REVIEWS / "ballots.csv", "--units", QUICK / "units.csv")
    result = review(REVIEWS / "review.yaml", [REVIEWS / "ballots.csv"], QUICK / "units.csv")
    code, out, _ = cli(capsys, "review", *args, "--format", "json")
    assert code == 0 and json.loads(out) == result.to_dict()
    code, out, _ = cli(capsys, "review", *args, "--format", "csv", "--merge-with", QUICK / "data.csv")
    assert code == 0 and out == review_data_csv(result, merge_with=QUICK / "data.csv")
    (tmp_path / "review.json").write_text(json.dumps(result.to_dict(), ensure_ascii=False), encoding="utf-8")
    assert main(["run", str(QUICK / "scorecard.yaml"), "--data", str(QUICK / "data.csv"), "--units",
                 str(QUICK / "units.csv"), "--format", "json", "-o", str(tmp_path / "q.json")]) == 0
    capsys.readouterr()
    definition = tmp_path / "annual.json"
    definition.write_text(json.dumps({"id": "annual", "name": "年度综合", "parts": [
        {"id": "q", "weight": 90, "file": "q.json"}, {"id": "review", "weight": 10, "file": "review.json"}]}),
        encoding="utf-8")
    for fmt in ("json", "csv"):
        code, out, _ = cli(capsys, "rollup", definition, "--units", QUICK / "units.csv", "--format", fmt)
        rolled = rollup_files(load_rollup(definition), QUICK / "units.csv")
        assert code == 0 and (json.loads(out) == rolled.to_dict() if fmt == "json" else out == rolled.to_csv("zh"))


def drop_triggers(conn):
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        conn.execute(f"DROP TRIGGER {name}")


@pytest.mark.parametrize(("sql", "args"), [
    ("UPDATE unit_results SET total = 'eighty' WHERE unit = 'B07'", ("--unit", "B07")),
    ("UPDATE unit_results SET rank = 'first' WHERE unit = 'B07'", ("--unit", "B07")),
    ("UPDATE item_results SET value = x'00ff'", ("--indicator", "recruitment")),
    ("UPDATE runs SET units = 'ten'", ()),
    ("UPDATE runs SET result = '{not json'", ("--run", "1")),
    ("UPDATE runs SET result = 42", ("--run", "1")),
])
def test_a_hand_edited_store_is_a_store_error(capsys, store, tmp_path, sql, args):
    edited = tmp_path / "edited.db"
    edited.write_bytes(store.read_bytes())
    conn = sqlite3.connect(edited)
    drop_triggers(conn)  # the store refuses UPDATE; a hand edit drops its triggers first
    conn.execute(sql)
    conn.commit()
    conn.close()
    code, _, err = cli(capsys, "history", "--store", edited, *args)
    assert code == StoreError.exit_code == 6
    assert err.startswith(f"evalkit: history store: {edited}: the history store was changed outside evalkit")


def test_compare_of_hand_edited_runs_is_a_store_error(capsys, store, tmp_path):
    edited = tmp_path / "edited.db"
    edited.write_bytes(store.read_bytes())
    conn = sqlite3.connect(edited)
    drop_triggers(conn)
    conn.execute("UPDATE runs SET result = '[1, 2]' WHERE id = 2")
    conn.commit()
    conn.close()
    code, _, err = cli(capsys, "compare", "--store", edited, "--runs", "1", "2")
    assert code == 6 and "run 2, column result is not a JSON object" in err
    with pytest.raises(StoreError):
        compare_report(store=str(edited), runs=["1", "2"])
