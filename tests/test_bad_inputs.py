"""The bad-input corpus of issue 12: hostile and careless inputs get a clear message and the documented exit
code, never a traceback, a silent wrong result, unbounded memory or time, or a damaged file.

Each case runs the CLI in a subprocess with a wall-clock timeout and an address-space limit
(`resource.setrlimit(RLIMIT_AS)`), so a regression fails fast instead of eating the machine.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bad_inputs import corpus

MEMORY_MB = 1536  # each case must stay under this much address space
POSIX = os.name == "posix"


def _bounded(mb: int):  # type: ignore[no-untyped-def]
    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))
    return limit


def evalkit(*args: object, cwd: Path | None = None, timeout: float = 60, mb: int = MEMORY_MB,
            env: dict[str, str] | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run `evalkit ARGS` bounded in time and memory; a hang or a blow-up fails the test."""
    full_env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", COLUMNS="200", **(env or {}))
    full_env.pop("EVALKIT_DEBUG", None)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", "import sys; from evalkit.cli import main; sys.exit(main())", *map(str, args)], cwd=cwd, env=full_env, timeout=timeout,
                          capture_output=True, text=True, input=stdin.decode() if stdin is not None else None,
                          preexec_fn=_bounded(mb) if POSIX else None)
    done.seconds = time.monotonic() - start  # type: ignore[attr-defined]
    assert "Traceback" not in done.stderr, done.stderr
    assert "internal error" not in done.stderr, done.stderr
    return done


def refused(done: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    for word in words:
        assert word in done.stderr, (word, done.stderr)


@pytest.fixture
def qs(tmp_path: Path) -> tuple[Path, Path, Path]:
    return corpus.quickstart(tmp_path)


# 1. -o onto a device node or a FIFO: refused, the node left as it was ------------------------------------------

@pytest.mark.skipif(not POSIX, reason="FIFOs are POSIX")
def test_output_onto_a_fifo_is_refused_and_left_a_fifo(qs, tmp_path):
    scorecard, data, units = qs
    fifo = tmp_path / "x"
    os.mkfifo(fifo)
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "-o", fifo, "--no-store",
                   timeout=30)
    refused(done, 5, "writes only regular files", "named pipe")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.skipif(not POSIX or os.geteuid() != 0, reason="mknod of a character device needs root")
def test_output_onto_a_device_node_is_refused_and_left_a_device(qs, tmp_path):
    scorecard, data, units = qs
    node = tmp_path / "x"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null twin
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "-o", node, "--no-store")
    refused(done, 5, "writes only regular files", "device")
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def test_output_dash_is_standard_output(qs, tmp_path):
    scorecard, data, units = qs
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "-o", "-", "--no-store",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["units"]
    assert not (tmp_path / "-").exists()


def test_killed_write_leaves_temp_files_the_next_write_sweeps(tmp_path):
    from evalkit.io.output import temp_name, write_atomic

    out = tmp_path / "out.json"
    dead = 2 ** 22 + 12345  # above Linux's default pid_max: no such process
    stale = temp_name(out, dead)
    stale.write_bytes(b"half a file")
    write_atomic(out, "{}")
    assert out.read_text() == "{}"
    assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    from evalkit.errors import FileAccessError
    from evalkit.io import output

    out = tmp_path / "out.json"
    out.write_text("old")

    def boom(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "replace", boom)
    with pytest.raises(FileAccessError):
        output.write_atomic(out, "new")
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


# 2. silent wrong results ----------------------------------------------------------------------------------------

def test_xlsx_with_a_short_declared_dimension_is_read_whole(qs, tmp_path):
    scorecard, data, units = qs
    lines = [line.split(",") for line in data.read_text(encoding="utf-8-sig").splitlines()]
    rows = [lines[0]] + [[u, i, p, float(v)] for u, i, p, v in lines[1:]]
    book = corpus.short_dimension(tmp_path / "data.xlsx", rows)
    from_csv = evalkit("run", scorecard, "--data", data, "--units", units, "--format", "json", "--no-store")
    from_xlsx = evalkit("run", scorecard, "--data", book, "--units", units, "--format", "json", "--no-store")
    assert from_xlsx.returncode == 0, from_xlsx.stderr
    totals = {u["id"]: u["total"] for u in json.loads(from_xlsx.stdout)["units"]}
    assert totals == {u["id"]: u["total"] for u in json.loads(from_csv.stdout)["units"]}
    assert len(totals) == 12 and min(totals.values()) > 0


def test_duplicate_adjustment_rows_are_refused_naming_both_rows(qs, tmp_path):
    scorecard, data, units = qs
    adjustments = tmp_path / "adjustments.csv"
    adjustments.write_text("unit,item,points,reason\nU03,honours,2,获评市级先进\nU05,honours,1,创新案例\n"
                           "U03,honours,2, 获评市级先进 \n", encoding="utf-8")
    out = tmp_path / "out.json"
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--adjustments", adjustments,
                   "--format", "json", "-o", out, "--no-store")
    refused(done, 3, "row 4", "duplicate adjustment", "row 2")
    assert not out.exists()
    # two separate events with reasons that tell them apart are fine
    adjustments.write_text("unit,item,points,reason\nU03,honours,1,表彰 2025-03\nU03,honours,1,表彰 2025-09\n",
                           encoding="utf-8")
    done = evalkit("run", scorecard, "--data", data, "--units", units, "--adjustments", adjustments,
                   "--format", "json", "--no-store")
    assert done.returncode == 0, done.stderr
    assert next(u for u in json.loads(done.stdout)["units"] if u["id"] == "U03")["bonus"] == 2


# 3. bounded resources -------------------------------------------------------------------------------------------

def test_billion_laughs_in_a_scorecard_is_refused_fast(qs, tmp_path):
    _, data, units = qs
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("evalkit: 1\nid: bomb\n" + corpus.billion_laughs(), encoding="utf-8")
    done = evalkit("run", bomb, "--data", data, "--units", units, "--no-store", timeout=20, mb=1024)
    refused(done, 2, "billion laughs", "EVALKIT_MAX_YAML_NODES")
    assert done.seconds < 15  # type: ignore[attr-defined]


def test_billion_laughs_in_an_ahp_matrix_and_a_review_definition(tmp_path, qs):
    _, _, units = qs
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(corpus.billion_laughs() + "matrix: *a9\n", encoding="utf-8")
    refused(evalkit("ahp", bomb, timeout=20, mb=1024), 2, "billion laughs")
    ballots = tmp_path / "ballots.csv"
    ballots.write_text("unit,group,rater,score\nU01,leaders,r1,90\n", encoding="utf-8")
    refused(evalkit("review", bomb, "--ballots", ballots, "--units", units, timeout=20, mb=1024), 2, "billion laughs")


def test_recursive_alias_and_deep_nesting_are_definition_errors(tmp_path):
    cases = {"recursive.yaml": "evalkit: 1\nid: r\nx: &a [1, *a]\n", "deep.yaml": corpus.deep_yaml(),
             "deep.json": corpus.deep_json(), "deep150.json": corpus.deep_json(150)}
    words = {"recursive.yaml": "contains it", "deep.yaml": "EVALKIT_MAX_DEPTH", "deep.json": "EVALKIT_MAX_DEPTH",
             "deep150.json": "EVALKIT_MAX_DEPTH"}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        refused(evalkit("validate", path, timeout=20), 2, words[name])


def test_a_scorecard_tree_too_deep_is_refused_and_can_be_allowed(tmp_path):
    deep = tmp_path / "tree.json"
    deep.write_text(corpus.scorecard_tree(30), encoding="utf-8")
    refused(evalkit("validate", deep), 2, "depth of the scorecard tree", "EVALKIT_MAX_TREE_DEPTH")
    assert evalkit("validate", deep, env={"EVALKIT_MAX_TREE_DEPTH": "40"}).returncode == 0
    very = tmp_path / "tree95.json"
    very.write_text(corpus.scorecard_tree(95), encoding="utf-8")
    refused(evalkit("validate", very), 2, "EVALKIT_MAX_DEPTH")


def test_xlsx_with_a_far_cell_is_read_quickly(qs, tmp_path):
    scorecard, _, units = qs
    book = corpus.far_cell(tmp_path / "far.xlsx")
    assert book.stat().st_size < 20_000
    done = evalkit("run", scorecard, "--data", book, "--units", units, "--no-store", timeout=30, mb=1024)
    assert done.seconds < 25  # type: ignore[attr-defined]
    refused(done, 3, "row 1048576")  # the far cell makes a row without unit or indicator, said with its row


def test_xlsx_with_too_many_cells_is_refused(qs, tmp_path):
    scorecard, _, units = qs
    book = corpus.wide_rows(tmp_path / "wide.xlsx", rows=40)  # 40 rows x 16,384 columns
    done = evalkit("run", scorecard, "--data", book, "--units", units, "--no-store", timeout=30, mb=1024,
                   env={"EVALKIT_MAX_XLSX_CELLS": "100000"})
    refused(done, 3, "number of cells", "EVALKIT_MAX_XLSX_CELLS")


def test_xlsx_that_unzips_to_too_much_is_refused_before_reading(qs, tmp_path):
    scorecard, _, units = qs
    book = corpus.blank_bomb(tmp_path / "blank.xlsx", megabytes=40)
    assert book.stat().st_size < 1_000_000
    done = evalkit("run", scorecard, "--data", book, "--units", units, "--no-store", timeout=20, mb=1024,
                   env={"EVALKIT_MAX_XLSX_UNZIPPED_MB": "16"})
    refused(done, 3, "unzipped size", "EVALKIT_MAX_XLSX_UNZIPPED_MB")


@pytest.mark.skipif(not POSIX, reason="FIFOs, /dev/zero and symbolic links are POSIX")
def test_a_fifo_or_a_link_to_dev_zero_as_data_is_refused_without_reading(qs, tmp_path):
    scorecard, _, units = qs
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    refused(evalkit("run", scorecard, "--data", fifo, "--units", units, "--no-store", timeout=20), 5,
            "reads only regular files", "named pipe")
    zero = tmp_path / "zero.csv"
    zero.symlink_to("/dev/zero")
    refused(evalkit("run", scorecard, "--data", zero, "--units", units, "--no-store", timeout=20, mb=1024), 5,
            "reads only regular files", "a device")
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    refused(evalkit("run", scorecard, "--data", folder, "--units", units, "--no-store", timeout=20), 5, "directory")


def test_a_file_over_the_size_limit_is_refused_with_the_limit_named(qs, tmp_path):
    scorecard, data, units = qs
    big = tmp_path / "big.csv"
    big.write_text(data.read_text(encoding="utf-8") + "\n" * (2 << 20), encoding="utf-8")
    refused(evalkit("run", scorecard, "--data", big, "--units", units, "--no-store", env={"EVALKIT_MAX_FILE_MB": "1"}),
            5, "over evalkit's limit of 1 MB", "EVALKIT_MAX_FILE_MB")
    assert evalkit("run", scorecard, "--data", big, "--units", units, "--no-store").returncode == 0


def test_sensitivity_samples_over_the_limit_are_refused_before_allocating(qs):
    scorecard, data, units = qs
    done = evalkit("sensitivity", scorecard, "--data", data, "--units", units, "--samples", "1000000000",
                   timeout=30, mb=1024)
    refused(done, 64, "number of samples", "EVALKIT_MAX_SAMPLES")


def test_an_ahp_matrix_over_the_limit_is_refused_before_the_work(tmp_path):
    path = tmp_path / "big.json"
    n = 2000
    path.write_text(json.dumps({"matrix": [[1] * n for _ in range(n)]}), encoding="utf-8")
    done = evalkit("ahp", path, timeout=30, mb=1024)
    refused(done, 2, "pairwise comparison matrix", "EVALKIT_MAX_MATRIX")
    assert done.seconds < 20  # type: ignore[attr-defined]


# 4 and 5. formula and terminal escape injection -----------------------------------------------------------------

HOSTILE_NAMES = ["=HYPERLINK(\"http://x\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR",
                 "\x1b[2J清屏", "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", "\x9b31m", "正常名称"]


def hostile_units(units: Path) -> Path:
    lines = units.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for k, line in enumerate(lines[1:]):
        uid, _name, *rest = line.split(",")
        name = HOSTILE_NAMES[k % len(HOSTILE_NAMES)]
        out.append(",".join([uid, '"' + name.replace('"', '""') + '"', *rest]))
    units.write_text("\n".join(out) + "\n", encoding="utf-8")
    return units


def formula_cells(text: str) -> list[str]:
    import csv
    import io

    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")) for cell in row
            if cell.startswith(("=", "+", "@", "\t", "\r")) or (cell.startswith("-") and not _is_number(cell))]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_hostile_names_reach_no_csv_cell_as_a_formula_and_no_terminal_as_an_escape(qs, tmp_path):
    scorecard, data, units = qs
    hostile_units(units)
    base = ["run", scorecard, "--data", data, "--units", units, "--no-store"]
    csv_out = evalkit(*base, "--format", "csv")
    assert csv_out.returncode == 0, csv_out.stderr
    assert formula_cells(csv_out.stdout) == []
    assert "'=HYPERLINK" in csv_out.stdout and "'@SUM(A1)" in csv_out.stdout
    for fmt in ("table", "markdown"):
        done = evalkit(*base, "--format", fmt)
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout and "\x9b" not in done.stdout, fmt
        assert "x1b" in done.stdout and "2J清屏" in done.stdout, fmt  # shown as an escape, harmless
    uid = "U07"  # the unit named ESC[2J (the seventh of HOSTILE_NAMES)
    explain = evalkit("explain", scorecard, "--data", data, "--units", units, uid)
    assert explain.returncode == 0, explain.stderr
    assert "\x1b" not in explain.stdout and "\\x1b[2J" in explain.stdout


def test_history_csv_neutralises_formulas(qs, tmp_path):
    scorecard, data, units = qs
    hostile_units(units)
    store = tmp_path / "history.db"
    assert evalkit("run", scorecard, "--data", data, "--units", units, "--store", store, "--format", "json",
                   "-o", tmp_path / "r.json").returncode == 0
    uid = "U01"  # named =HYPERLINK(...)
    done = evalkit("history", "--store", store, "--unit", uid, "--format", "csv")
    assert done.returncode == 0, done.stderr
    assert formula_cells(done.stdout) == [] and "'=HYPERLINK" in done.stdout
    runs = evalkit("history", "--store", store)
    table = evalkit("history", "--store", store, "--unit", "U07")
    compare = evalkit("compare", tmp_path / "r.json", tmp_path / "r.json", "--list-units")
    for done in (runs, table, compare):
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout and "\x9b" not in done.stdout, done.args
    assert "2J清屏" in table.stdout


def test_terminal_output_keeps_colours_and_shows_other_escapes():
    from evalkit.io.safe_text import terminal_output

    assert terminal_output("\x1b[1;31m较差\x1b[0m") == "\x1b[1;31m较差\x1b[0m"
    assert terminal_output("\x1b[2J\x1b]8;;http://x\x1b\\a\x9b") == "\\x1b[2J\\x1b]8;;http://x\\x1b\\a\\x9b"


def test_markdown_cell_neutralises_formulas():
    from evalkit.reporters.markdown import md

    assert md("=1+1").startswith("'=") and md("-3.5") == "-3.5" and md("\x1b[2J") == "\\\\x1b\\[2J"


def test_property_no_format_writes_a_formula_or_an_escape():
    """Arbitrary Unicode names through every text format: no formula prefix begins a CSV cell, no ESC or C1
    control reaches the table, the Markdown or explain."""
    import attrs
    from hypothesis import given
    from hypothesis import strategies as st

    import evalkit
    from evalkit.io.safe_text import FORMULA_PREFIXES

    base = corpus.QUICKSTART
    evaluation = evalkit.evaluate_files(evalkit.InputFiles(scorecard=base / "scorecard.yaml", units=base / "units.csv",
                                                           data=[base / "data.csv"]))
    controls = "".join(map(chr, [*range(32), *range(127, 160)]))

    @given(st.lists(st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
                    .map(lambda s: s if s.strip() else "x" + s), min_size=1, max_size=12))
    def check(names: list[str]) -> None:
        n = len(evaluation.units.ids)
        units = attrs.evolve(evaluation.units, names=tuple(names[k % len(names)] for k in range(n)))
        ev = attrs.evolve(evaluation, units=units)
        text = evalkit.render_report(ev, "csv")
        assert isinstance(text, str)
        import csv
        import io

        for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")):
            for cell in row:
                assert not (cell.startswith(FORMULA_PREFIXES) and not _is_number(cell)), cell
        for fmt in ("table", "markdown"):
            out = evalkit.render_report(ev, fmt)
            assert isinstance(out, str)
            assert not any(ch in controls and ch not in "\n\t" for ch in out), (fmt, out)
        lines = ev.explanation(ev.units.ids[0], "zh").text()
        assert not any(ch in controls and ch not in "\n\t" for ch in lines)

    check()


# 6. internal errors that are now clear messages -----------------------------------------------------------------

def _scorecard_with(qs: tuple[Path, Path, Path], tmp_path: Path, old: str, new: str) -> Path:
    text = qs[0].read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("tagged", ["!!python/name:os.system x", "!!python/object/apply:os.system [ls]",
                                    "!custom {a: 1}", "!!binary aGVsbG8="])
def test_unknown_yaml_tags_are_errors_with_their_line(qs, tmp_path, tagged):
    path = _scorecard_with(qs, tmp_path, 'period: "2025"', f'period: "2025"\nextra: {tagged}')
    line = path.read_text(encoding="utf-8").split("\n").index(f"extra: {tagged}") + 1
    done = evalkit("validate", path)
    refused(done, 2, "is not allowed", f"{path}:{line}")


def test_integers_over_4300_digits_are_definition_and_data_errors(qs, tmp_path):
    scorecard, _, units = qs
    path = _scorecard_with(qs, tmp_path, "max_points: 15", "max_points: " + "9" * 5000)
    refused(evalkit("validate", path), 2, "more than 4,300 digits")
    big = tmp_path / "big.json"
    big.write_text('[{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": 1' + "0" * 5000 + "}]",
                   encoding="utf-8")
    refused(evalkit("run", scorecard, "--data", big, "--units", units, "--no-store"), 3, "more than 4,300 digits")


@pytest.mark.parametrize(("row", "words"), [
    ('{"unit": ["U01"], "indicator": "meetings_rate", "period": "2025", "value": 1}', "$[0].unit"),
    ('{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": [1]}', "$[0].value"),
    ('{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": {"v": 1}}', "$[0].value"),
    ('{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": 1' + "0" * 400 + "}", "401 digits"),
    ('{"unit": "U01", "indicator": "meetings_rate", "period": "2025", "value": 1e400}', "finite"),
    ('{"unit": "\\ud800", "indicator": "meetings_rate", "period": "2025", "value": 1}', "surrogate"),
])
def test_wrong_shaped_json_data_is_a_data_error(qs, tmp_path, row, words):
    scorecard, _, units = qs
    path = tmp_path / "data.json"
    path.write_text(f"[{row}]", encoding="utf-8")
    refused(evalkit("run", scorecard, "--data", path, "--units", units, "--no-store"), 3, words)


def test_a_lone_surrogate_in_yaml_fails_validate_as_it_would_fail_run(qs, tmp_path):
    _, data, units = qs
    path = _scorecard_with(qs, tmp_path, "name: {zh: 三会一课,", 'name: {zh: "三会一课\\ud800",')
    refused(evalkit("validate", path), 2, "lone surrogate", "U+D800")
    refused(evalkit("run", path, "--data", data, "--units", units, "--no-store"), 2, "lone surrogate")


def test_compare_on_deeply_nested_json_is_a_data_error(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    refused(evalkit("compare", deep, deep), 3, "nested too deeply")


def test_hand_edited_store_content_is_a_store_error(qs, tmp_path):
    import sqlite3

    scorecard, data, units = qs
    store = tmp_path / "history.db"
    assert evalkit("run", scorecard, "--data", data, "--units", units, "--store", store, "--format", "json",
                   "-o", tmp_path / "r.json").returncode == 0
    with sqlite3.connect(store) as conn:
        # the store refuses UPDATE through its triggers; a hand edit behind evalkit's back drops them first
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute("UPDATE runs SET result = ? WHERE id = 1", ("[" * 100_000 + "]" * 100_000,))
        conn.execute("UPDATE unit_results SET total = 'abc' WHERE unit = 'U01'")
    refused(evalkit("history", "--store", store, "--run", "1"), 6, "changed outside evalkit", "column result")
    refused(evalkit("history", "--store", store, "--unit", "U01"), 6, "changed outside evalkit", "column total")


# 7. smaller: YAML 1.2 semantics, duplicate JSON keys, merge keys, NUL bytes -------------------------------------

def test_yaml_is_read_with_yaml_1_2_semantics():
    from evalkit.definition.documents import parse_yaml

    doc = parse_yaml("a: 1:30\nb: yes\nc: on\nd: no\ne: 010\nf: 0x1F\ng: 1e3\nh: true\nversion: 2025.10\n")
    assert doc.data == {"a": "1:30", "b": "yes", "c": "on", "d": "no", "e": 10, "f": 31, "g": 1000.0, "h": True,
                        "version": 2025.1}
    assert doc.text_of(("version",), doc.data["version"]) == "2025.10"


def test_sexagesimal_max_points_is_refused_and_a_version_keeps_its_digits(qs, tmp_path):
    _, data, units = qs
    refused(evalkit("validate", _scorecard_with(qs, tmp_path, "max_points: 15", "max_points: 1:30")), 2, "max_points")
    path = _scorecard_with(qs, tmp_path, 'version: "2025.1"', "version: 2025.10")
    done = evalkit("run", path, "--data", data, "--units", units, "--format", "json", "--no-store")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["scorecard"]["version"] == "2025.10"


def test_duplicate_keys_in_a_json_scorecard_are_errors(qs, tmp_path):
    path = tmp_path / "card.json"
    path.write_text('{"evalkit": 1, "id": "a", "id": "b"}', encoding="utf-8")
    refused(evalkit("validate", path), 2, "the key 'id' is given twice", "$.id")


def test_yaml_merge_keys_with_overrides_work(qs, tmp_path):
    from evalkit.definition.documents import parse_yaml

    doc = parse_yaml("base: &b {lower: 0, upper: 100}\nrule:\n  <<: *b\n  upper: 90\n")
    assert doc.data["rule"] == {"lower": 0, "upper": 90}
    with pytest.raises(Exception, match="given twice"):
        parse_yaml("base: &b {lower: 0}\nrule:\n  <<: *b\n  upper: 90\n  upper: 80\n")
    path = _scorecard_with(qs, tmp_path, "rule: {name: linear, params: {lower: 60, upper: 100}}",
                           "rule: {name: linear, params: {<<: {lower: 50, upper: 100}, lower: 60}}")
    assert evalkit("validate", path).returncode == 0


def test_a_nul_byte_is_located_by_line_and_column(qs, tmp_path):
    text = qs[0].read_text(encoding="utf-8").replace('period: "2025"', 'period: "20\x0025"', 1)
    path = tmp_path / "nul.yaml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("\x00")].count("\n") + 1
    refused(evalkit("validate", path), 2, f"{path}:{line}", "U+0000 at column 12")


@pytest.mark.skipif(not POSIX, reason="symbolic links")
def test_a_link_out_of_a_scorecard_folder_is_not_followed(qs, tmp_path):
    scorecard, data, units = qs
    folder = tmp_path / "scheme"
    folder.mkdir()
    (folder / "2025.yaml").symlink_to(scorecard)  # the quickstart copy lies outside the folder
    refused(evalkit("run", folder, "--data", data, "--units", units, "--no-store"), 5, "leads out of it")
    (folder / "2025.yaml").unlink()
    (folder / "2025.yaml").write_bytes(scorecard.read_bytes())
    (folder / "current.yaml").symlink_to(folder / "2025.yaml")  # a link inside the folder is fine
    done = evalkit("run", folder, "--data", data, "--units", units, "--no-store", "--period", "2025")
    assert done.returncode != 5, done.stderr


def test_the_alias_limit_and_a_bad_limit_variable(qs, tmp_path):
    path = tmp_path / "aliases.yaml"
    path.write_text("base: &b {x: 1}\n" + "".join(f"k{n}: *b\n" for n in range(10)), encoding="utf-8")
    refused(evalkit("validate", path, env={"EVALKIT_MAX_YAML_ALIASES": "5"}), 2, "more than 5 aliases",
            "EVALKIT_MAX_YAML_ALIASES", f"{path}:7")
    refused(evalkit("validate", qs[0], env={"EVALKIT_MAX_FILE_MB": "lots"}), 64, "EVALKIT_MAX_FILE_MB",
            "whole number")


class _Terminal:
    """Standard output that says it is a terminal, so tables are drawn in colour as they would be there."""

    def __init__(self) -> None:
        import io

        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True


def _terminal_outputs(folder: Path, names: list[str]) -> dict[str, str]:
    """What table, explain, compare, history, review and benchmarks print to a colour terminal when the
    quickstart's units have `names`."""
    import contextlib

    from evalkit.cli import main

    scorecard, data, units = corpus.quickstart(folder)
    lines = units.read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for k, line in enumerate(lines[1:]):
        uid, _name, *rest = line.split(",")
        rows.append(",".join([uid, '"' + names[k % len(names)].replace('"', '""') + '"', *rest]))
    units.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store, result = folder / "history.db", folder / "r.json"
    inputs = [scorecard, "--data", data, "--units", units]
    commands = {
        "run": ["run", *inputs, "--store", store, "--format", "json", "-o", result],
        "table": ["run", *inputs, "--no-store"],
        "explain": ["explain", *inputs, "U01"],
        "compare": ["compare", result, result, "--list-units", "--rectify"],
        "history": ["history", "--store", store, "--unit", "U01"],
        "review": ["review", corpus.ROOT / "examples" / "reviews" / "review.yaml", "--ballots",
                   corpus.ROOT / "examples" / "reviews" / "ballots.csv", "--units", units],
        "benchmarks": ["benchmarks", *inputs, "--unit", "U01"],
        "sensitivity": ["sensitivity", *inputs, "--samples", "20"],
    }
    out = {}
    for what, args in commands.items():
        terminal = _Terminal()
        with contextlib.redirect_stdout(terminal), contextlib.redirect_stderr(_Terminal()):  # type: ignore[type-var]
            code = main([str(a) for a in args])
        assert code == 0, (what, code)
        out[what] = terminal.buffer.getvalue()
    return out


_SGR_ONLY = __import__("re").compile("\x1b\\[[0-9;]*m")


def test_property_no_escape_or_markup_from_a_name_reaches_a_colour_terminal(tmp_path, monkeypatch):
    """Names with ESC sequences (a colour among them), C1 controls and rich markup, through every text report
    drawn for a colour terminal: the output is exactly what names already made visible (\\x1b) give, so no
    ESC of a name reaches standard output and only rich's own colours are there; markup is shown as written."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from evalkit.io.safe_text import terminal_text

    monkeypatch.setenv("COLUMNS", "160")
    pieces = st.sampled_from(["\x1b[31m", "\x1b[0m", "\x1b[2J", "\x1b]8;;http://x\x1b\\", "\x9b1m", "\x00", "[red]",
                              "[/red]", "[bold]", "[/]", ":smile:", "县委", "办", "a", " ", "\\", "["])
    name = st.lists(pieces, min_size=1, max_size=6).map("".join).map(lambda s: "u" + s)
    count = iter(range(10**6))

    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(name, min_size=1, max_size=4))
    def check(names: list[str]) -> None:
        k = next(count)
        hostile = _terminal_outputs(_fresh(tmp_path / f"h{k}"), names)
        shown = _terminal_outputs(_fresh(tmp_path / f"s{k}"), [terminal_text(n) for n in names])
        for what, text in hostile.items():
            if what == "run":
                continue
            assert _SGR_ONLY.sub("", text).count("\x1b") == 0, what
            assert "\x9b" not in text and "\x00" not in text, what
            assert text.replace(str(tmp_path / f"h{k}"), "") == shown[what].replace(str(tmp_path / f"s{k}"), ""), what

    check()
    table = _terminal_outputs(_fresh(tmp_path / "markup"), ["[red]标记[/red]"])
    for what in ("table", "explain", "compare", "history", "review", "benchmarks", "sensitivity"):
        assert "[red]标记[/red]" in _SGR_ONLY.sub("", table[what]), what


def _fresh(folder: Path) -> Path:
    folder.mkdir()
    return folder


# 6. a history store edited by hand: history --run, history --unit and compare --runs say so (exit 6) --------------

@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding two runs of the quickstart (the second with its adjustments)."""
    import contextlib
    import io

    from evalkit.cli import main

    folder = tmp_path_factory.mktemp("store")
    scorecard, data, units = corpus.quickstart(folder)
    store = folder / "history.db"
    for extra in ([], ["--adjustments", corpus.QUICKSTART / "adjustments.csv"]):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = main([str(a) for a in ["run", scorecard, "--data", data, "--units", units, "--store", store,
                                          "--format", "json", "-o", folder / "r.json", *extra]])
        assert code == 0
    return store


STORE_READS = {"run 1": ("history", "--run", "1"), "run 2": ("history", "--run", "2"),
               "unit": ("history", "--unit", "U01"), "compare": ("compare", "--runs", "1", "2")}


@pytest.mark.parametrize(("edit", "refusing", "words"), [
    ("UPDATE runs SET result = '{not json' WHERE id = 1", ("run 1", "compare"), "run 1, column result is not valid JSON"),
    ("UPDATE runs SET result = x'00ff' WHERE id = 1", ("run 1", "compare"), "does not hold JSON text"),
    ("UPDATE runs SET result = 42 WHERE id = 1", ("run 1", "compare"), "is not a JSON object"),
    ("UPDATE runs SET result = '[1, 2]' WHERE id = 2", ("run 2", "unit", "compare"), "is not a JSON object"),
    ("UPDATE runs SET result = '{\"units\": \"none\"}' WHERE id = 2", ("run 2", "unit", "compare"),
     "column result is not an evalkit result"),
    ("UPDATE runs SET result = json_set(result, '$.units', 'none') WHERE id = 2", ("compare",),
     "column result holds a result evalkit never stores"),
    ("UPDATE runs SET result = json_set(result, '$.grades[0]', 7) WHERE id = 2", ("unit", "compare"),
     "run 2, column result"),
    ("UPDATE runs SET units = 'ten'", ("unit",), "column of"),
    ("UPDATE unit_results SET total = 'eighty' WHERE unit = 'U01'", ("unit",), "column total"),
    ("UPDATE unit_results SET rank = 'first' WHERE unit = 'U01'", ("unit",), "column rank"),
    ("UPDATE unit_results SET name = x'00ff' WHERE unit = 'U01'", ("unit",), "column name"),
    ("DELETE FROM unit_results WHERE unit = 'U02' AND run_id = 2", ("unit",), "holds 11 rows of run 2"),
    ("DELETE FROM runs WHERE id = 1", ("run 1", "compare"), "run 1 was stored and has been removed"),
    ("DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)", tuple(STORE_READS),
     "table schema_version lists migrations up to 4"),
])
def test_a_hand_edited_store_is_a_store_error_for_every_read(two_runs, tmp_path, capsys, edit, refusing, words):
    """Each hand edit (the store's append-only triggers dropped first, as a person editing it would) makes the
    reads that meet it exit 6 naming the table, the row and the column; the reads that do not meet it still work."""
    import sqlite3

    from evalkit.cli import main

    store = tmp_path / "edited.db"
    store.write_bytes(two_runs.read_bytes())
    with contextlib_closing(sqlite3.connect(store)) as conn:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            conn.execute(f"DROP TRIGGER {name}")
        conn.execute(edit)
        conn.commit()
    for what, (command, *args) in STORE_READS.items():
        capsys.readouterr()
        code = main([command, "--store", str(store), *args])
        err = capsys.readouterr().err
        assert "Traceback" not in err and "internal error" not in err, err
        if what in refusing:
            assert code == 6, (what, code, err)
            assert err.startswith(f"evalkit: history store: {store}") and "changed outside evalkit" in err, err
            assert words in err, (what, err)
        else:
            assert code == 0, (what, code, err)


def contextlib_closing(conn):  # type: ignore[no-untyped-def]
    import contextlib

    return contextlib.closing(conn)


def test_stale_temp_files_of_the_earlier_naming_scheme_are_swept_too(tmp_path):
    """Earlier versions wrote tempfile.mkstemp(prefix=".NAME.", suffix=".tmp") beside -o NAME: a killed write left
    .out.xlsx.k2j4_9az.tmp (issue 12). The next write to NAME removes such a file when it is clearly evalkit's:
    that exact pattern, a private regular file, unchanged for a minute. Anything else is left alone."""
    import tempfile

    from evalkit.io.output import write_atomic

    out = tmp_path / "out.xlsx"
    fd, old = tempfile.mkstemp(prefix=".out.xlsx.", suffix=".tmp", dir=tmp_path)  # exactly what they did
    os.write(fd, b"PK half a workbook")
    os.close(fd)
    stale = time.time() - 3600
    os.utime(old, (stale, stale))
    keep = {".out.xlsx.notmine.tmp": 0o600, ".out.xlsx.abcd1234.tmp.bak": 0o600, ".other.xlsx.abcd1234.tmp": 0o600,
            ".out.xlsx.abcd5678.tmp": 0o644}  # wrong length, wrong suffix, another target, not private
    for name, mode in keep.items():
        (tmp_path / name).write_bytes(b"x")
        os.chmod(tmp_path / name, mode)
        os.utime(tmp_path / name, (stale, stale))
    fd, fresh = tempfile.mkstemp(prefix=".out.xlsx.", suffix=".tmp", dir=tmp_path)  # a write under way now
    os.close(fd)
    write_atomic(out, b"new")
    assert out.read_bytes() == b"new"
    assert not Path(old).exists() and Path(fresh).exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, "out.xlsx", Path(fresh).name])


def test_dash_as_an_input_is_refused_saying_standard_input_is_not_read(qs, tmp_path):
    scorecard, data, units = qs
    done = evalkit("run", scorecard, "--data", "-", "--units", units, "--no-store", cwd=tmp_path,
                   stdin=data.read_bytes())
    refused(done, 5, "not from standard input")
    refused(evalkit("validate", "-", cwd=tmp_path, stdin=scorecard.read_bytes()), 5, "not from standard input")
