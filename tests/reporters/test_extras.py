"""Tier transitions, benchmarks and targets in the reports (`evalkit run --compare-with / --benchmarks / --targets`).

The figures in the workbook, the HTML page and the Markdown are the library's own (evalkit.analysis.transitions,
evalkit.analysis.benchmarks, evalkit.analysis.targets), computed here independently of the command line and compared
cell by cell; the command line gives the same bytes as a report rendered from the library's objects.
Without the options every format's output is unchanged, and a reporter written before extras existed
keeps working.
"""

from __future__ import annotations

import io
import re
import zipfile

import attrs
import numpy as np
import openpyxl
import pytest

import evalkit
from evalkit.analysis.benchmarks import compute_benchmarks
from evalkit.analysis.targets import STATUS_LABELS, assess, load_plan, read_targets, targets_from_plan
from evalkit.analysis.transitions import MarkedRule, compare
from evalkit.cli import main
from evalkit.io.data import DataSet, Units
from evalkit.io.inputs import load_data, load_units, read_table
from evalkit.reporters.base import ReportExtras, ReportOptions
from evalkit.reporters.common import label

from .conftest import EXAMPLES, QUICKSTART, render
from .test_browser import browse, chromium, console_messages  # noqa: F401  (chromium is a fixture)

E = EXAMPLES / "targets"
SCORECARD, DATA, UNITS, PLAN, TARGETS = (str(E / f) for f in ("scorecard.yaml", "data.csv", "units.csv", "plan.yaml",
                                                             "targets.csv"))
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
FORMATS = ("table", "json", "csv", "xlsx", "html", "markdown")


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """The targets example: 2024 as the earlier result, 2025 scored, and the extras computed by the library."""
    tmp = tmp_path_factory.mktemp("extras")
    registry = evalkit.default_registry()
    sc = evalkit.load_scorecard(SCORECARD, registry)
    units = load_units(UNITS, registry)
    data = load_data(DATA, units, sc, period="2025")
    before = evalkit.evaluate(sc, load_data(DATA, units, sc, period="2024"))
    before_path = tmp / "2024.json"
    before_path.write_text(render(before, "json"), encoding="utf-8")
    ev = evalkit.evaluate(sc, data)
    comparison = compare(before.to_dict(), ev.to_dict(), MarkedRule.parse("score:3"),
                         sources=(str(before_path), SCORECARD))
    read = ("meetings_rate", "missed_meetings", "satisfaction", "recruitment")  # the indicators the items read
    benchmarks = compute_benchmarks(data, {k: sc.indicators[k] for k in read}, peer_group="type")
    entries, _ = load_plan(PLAN, sc.indicators, units)
    targets = targets_from_plan(entries, data, sc.indicators, decimals=sc.rounding_decimals,
                                rounding_mode=sc.rounding_mode, source=PLAN)
    targets = targets.merged(read_targets(read_table(TARGETS, registry), data, sc.indicators))
    assessment = assess(targets, data, sc.indicators)
    args = ["run", SCORECARD, "--data", DATA, "--units", UNITS, "--compare-with", str(before_path), "--marked", "score:3",
            "--benchmarks", "--peer-group", "type", "--plan", PLAN, "--targets", TARGETS]
    return {"tmp": tmp, "ev": ev, "before": before_path, "args": args,
            "extras": ReportExtras(transitions=comparison, benchmarks=benchmarks, targets=assessment)}


def run_cli(case, fmt: str, lang: str, capsys, *more: str):
    out = case["tmp"] / f"cli.{lang}.{fmt}"
    code = main([*case["args"], *more, "--format", fmt, "--lang", lang, "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    return out.read_bytes(), err


def rows_of(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def same(cell, figure) -> bool:
    """A cell holds the library's figure: the number (to 12 decimals, as stored), or nothing for none."""
    if figure is None or np.isnan(figure):
        return cell is None
    return isinstance(cell, (int, float)) and abs(cell - float(figure)) <= 1e-12


def block(rows: list[tuple], first: str) -> list[tuple]:
    """The rows of a sub-table: from its header row (first cell `first`) to the next empty row."""
    start = next(k for k, r in enumerate(rows) if r[0] == first and k > 0)
    end = next((k for k in range(start + 1, len(rows)) if all(c is None for c in rows[k])), len(rows))
    return rows[start:end]


# --------------------------------------------------------------------------------------------------
# The workbook


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_holds_the_transitions_computed_by_the_library(case, capsys, lang):
    content, _ = run_cli(case, "xlsx", lang, capsys)
    book = openpyxl.load_workbook(io.BytesIO(content))
    names = [label(k, lang) for k in ("sheet_transitions", "sheet_benchmarks", "sheet_targets", "sheet_about")]
    assert book.sheetnames[-4:] == names
    c = case["extras"].transitions
    sheet = book[names[0]]
    assert sheet.freeze_panes == "B2"
    rows = rows_of(sheet)
    labels = [c.label(g, lang) for g in c.grade_ids]
    n = len(labels)
    assert list(rows[0][1:n + 2]) == labels + [label("sum", lang)]
    counts = c.counts()
    for k in range(n):  # the matrix, with its row totals
        assert rows[1 + k][0] == labels[k]
        assert list(rows[1 + k][1:n + 2]) == counts[k] + [sum(counts[k])]
    assert list(rows[1 + n][1:n + 2]) == [sum(col) for col in zip(*counts)] + [len(c.moves)]

    per_tier = block(rows, label("tier_in", lang).format(p="2024"))
    for row, tier in zip(per_tier[1:1 + n], c.tiers()):
        assert row[0] == c.label(tier.grade, lang)
        assert row[1] == len(tier.units)
        shares = [tier.up, tier.stayed, tier.down, tier.marked]
        assert list(row[2:10]) == [x for s in shares for x in (s.count, float(s.fraction))]
    assert sum(r[1] for r in per_tier[1:1 + n]) == len(c.moves)

    header_at = next(k for k, r in enumerate(rows) if r[2] == label("move", lang))
    header = rows[header_at]
    listed = {r[3]: dict(zip(header, r)) for r in rows[header_at + 1:] if r[3]}
    assert len(listed) == len(c.moves)
    for m in c.moves:
        d = m.to_dict(c.marked_rule)
        row = listed[m.id]
        assert row[label("tier_in", lang).format(p="2024")] == c.label(m.before["grade"], lang)
        assert row[label("tier_in", lang).format(p="2025")] == c.label(m.after["grade"], lang)
        assert row[label("total_in", lang).format(p="2024")] == m.before["total"]
        assert row[label("total_in", lang).format(p="2025")] == m.after["total"]
        assert row[label("total_change", lang)] == pytest.approx(d["total_gain"], abs=1e-12)
        assert row[label("rank_change", lang)] == d["rank_gain"]
        assert (row[label("improved_markedly", lang)] is not None) == d["improved_markedly"]
    # numbers are numbers, not text
    assert all(isinstance(x, int) for r in rows[1:1 + n] for x in r[1:n + 2])
    for cell_row in sheet.iter_rows(min_row=header_at + 2, max_row=header_at + 2):
        assert cell_row[5].data_type == "n" and cell_row[7].number_format.startswith("+")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_workbook_holds_the_benchmarks_and_targets_computed_by_the_library(case, capsys, lang):
    content, _ = run_cli(case, "xlsx", lang, capsys)
    book = openpyxl.load_workbook(io.BytesIO(content))
    bm, assessment = case["extras"].benchmarks, case["extras"].targets

    sheet = book[label("sheet_benchmarks", lang)]
    assert sheet.freeze_panes == "D2"
    rows = rows_of(sheet)
    head = {h: k for k, h in enumerate(rows[0])}
    found = {(r[head[label("id", lang)]], r[head[label("indicator", lang)]]): r for r in rows[1:]}
    assert len(found) == len(bm.units) * len(bm.indicators) == len(rows) - 1
    for iid in bm.indicators:
        gaps = bm.gaps(iid)
        median, top = bm.per_unit(iid, "median"), bm.per_unit(iid, "top_decile")
        ranks = bm.ranks(iid)
        for i, uid in enumerate(bm.units.ids):
            row = found[(uid, iid)]
            assert row[head[label("peer_group", lang)]] == bm.group_of(uid)
            assert row[head[label("peer_rank", lang)]] == (int(ranks[i]) or None)
            for key, figure in (("value", bm.indicators[iid].values[i]), ("peer_median", median[i]),
                                ("top_decile", top[i]), ("gap_median", gaps["median"][i]),
                                ("gap_top_decile", gaps["top_decile"][i])):
                assert same(row[head[label(key, lang)]], figure), (uid, iid, key)
    ranks_column = [r[0] for r in rows[1:]]
    assert ranks_column == sorted(ranks_column)  # rank order, as every other sheet

    sheet = book[label("sheet_targets", lang)]
    assert sheet.freeze_panes == "D2"
    rows = rows_of(sheet)
    head = {h: k for k, h in enumerate(rows[0])}
    found = {(r[head[label("id", lang)]], r[head[label("indicator", lang)]]): r for r in rows[1:]}
    expected = assessment.rows()
    assert len(found) == len(expected) == len(rows) - 1
    for t in expected:
        row = found[(t["unit"], t["indicator"])]
        for key in ("baseline_period", "baseline", "target", "due", "expected", "actual", "progress"):
            assert row[head[label(key, lang)]] == t[key], key
        assert row[head[label("status", lang)]] == STATUS_LABELS[t["status"]][lang]
    statuses = {r[head[label("status", lang)]] for r in rows[1:]}
    assert len(statuses) >= 4  # the example has achieved, on track, behind, off track and no data

    if lang == "en":  # every label follows --lang (the unit names are the example's own Chinese)
        for name in (label(k, "en") for k in ("sheet_transitions", "sheet_benchmarks", "sheet_targets")):
            header = rows_of(book[name])[0]
            assert not CJK.search(" ".join(str(h) for h in header if h)), header


def test_the_command_line_gives_what_the_library_objects_give(case, capsys):
    """`evalkit run` computes its extras with the library's functions: the same bytes in every format that shows them."""
    for fmt in ("xlsx", "html", "markdown"):
        cli, err = run_cli(case, fmt, "zh", capsys)
        assert "warning" not in err
        mine = render_with(case["ev"], fmt, "zh", case["extras"])
        assert cli == (mine if isinstance(mine, bytes) else mine.encode("utf-8")), fmt


def render_with(ev, fmt: str, lang: str, extras):
    return evalkit.default_registry().reporters[fmt].render(ev, ReportOptions(lang=lang, extras=extras))


# --------------------------------------------------------------------------------------------------
# Nothing changes without extras; old reporters keep working


@pytest.mark.parametrize("fmt", FORMATS)
def test_without_extras_every_format_is_unchanged(case, fmt):
    ev = case["ev"]
    plain = render(ev, fmt, "zh")
    assert render_with(ev, fmt, "zh", None) == plain
    assert render_with(ev, fmt, "zh", ReportExtras()) == plain  # empty extras are no extras
    assert not ReportExtras() and ReportExtras().kinds() == ()


def test_formats_that_do_not_show_extras_say_so_and_stay_unchanged(case, capsys):
    for fmt in ("json", "csv"):
        out = case["tmp"] / f"plain.{fmt}"
        assert main(["run", SCORECARD, "--data", DATA, "--units", UNITS, "--format", fmt, "-o", str(out)]) == 0
        capsys.readouterr()
        content, err = run_cli(case, fmt, "zh", capsys)
        assert content == out.read_bytes()
        assert "does not show transitions, benchmarks, targets" in err


OLD_PLUGIN = '''
import evalkit


def render_old(evaluation, options):
    return f"{options.lang} {len(evaluation.units)} units\\n"


@evalkit.hookimpl
def evalkit_register_reporters(register):
    register(evalkit.Reporter("old", ".txt", render_old, "written before extras existed"))
'''


def test_a_reporter_written_before_extras_keeps_working(case, tmp_path, capsys):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "oldformat.py").write_text(OLD_PLUGIN, encoding="utf-8")
    out = tmp_path / "out.txt"
    code = main([*case["args"], "--format", "old", "--plugins-dir", str(plugins), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == "zh 10 units\n"
    assert "--format old does not show transitions, benchmarks, targets" in err
    old = evalkit.Reporter("x", ".txt", lambda ev, o: "", "d")
    assert old.extras == () and ReportOptions("en", False, None).extras is None


def test_options_that_need_another_are_usage_errors(case, capsys, tmp_path):
    base = ["run", SCORECARD, "--data", DATA, "--units", UNITS, "--format", "json"]
    for extra in (["--marked", "score:3"], ["--peer-group", "type"],
                  ["--compare-with", str(case["before"]), "--marked-among", "all"],
                  ["--allow-different-scorecards"]):
        assert main(base + extra) == 64, extra
        assert "goes with" in capsys.readouterr().err
    assert main(base + ["--compare-with", str(case["before"]), "--marked", "bad:3"]) == 64
    capsys.readouterr()
    assert main(base + ["--compare-with", UNITS]) == 3  # not an evalkit result: invalid data
    assert "not JSON" in capsys.readouterr().err
    assert main(base + ["--targets", TARGETS, "-o", TARGETS]) == 64  # never overwrite an input
    capsys.readouterr()


# --------------------------------------------------------------------------------------------------
# HTML and Markdown


def test_the_html_report_has_the_sections(case):
    html = render_with(case["ev"], "html", "zh", case["extras"])
    c, assessment = case["extras"].transitions, case["extras"].targets
    for section in ("transitions", "benchmarks", "targets"):
        assert f'<section id="{section}">' in html and f'href="#{section}"' in html
    assert 'class="matrix"' in html and 'class="shares"' in html  # the matrix and the SVG of the shares
    matrix = html[html.index('class="matrix"'):html.index("</table>", html.index('class="matrix"'))]
    cells = [int(x) for x in re.findall(r'title="[^"]*">(\d+)</td>', matrix)]
    assert cells == [x for row in c.counts() for x in row]
    for status, count in assessment.counts().items():
        if count:
            assert f'<span class="st st-{status}">{STATUS_LABELS[status]["zh"]}</span> <b>{count}</b>' in html
    # each unit's section holds its move, its gaps and its targets
    first = html[html.index('id="u0"'):]
    first = first[:first.index("</details>")]
    assert 'class="ux"' in first and label("gap_median", "zh") in first and 'class="tg"' in first
    assert "ek-extras" not in html  # small reports carry every section in the page
    assert not re.search(r'(src|href)="(https?:)?//', html)  # self-contained


def test_the_html_report_in_a_browser(case, chromium, tmp_path):  # noqa: F811
    page = tmp_path / "extras.html"
    page.write_text(render_with(case["ev"], "html", "zh", case["extras"]), encoding="utf-8")
    done = browse(chromium, page.as_uri(), "--dump-dom", "--enable-logging=stderr", "--v=0")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    for text in ("等次变化（晋位升级）", "等次转移矩阵", "标杆对比", "目标进度", "已达成", "第 1/1 页，共 10 个单位"):
        assert text in dom, text
    assert console_messages(done.stderr) == []


def synthetic_extras(n: int):
    """n units of the quickstart scored in 2024 and 2025 (seeded), with every extra."""
    sc = evalkit.load_scorecard(QUICKSTART / "scorecard.yaml")
    ids = [f"S{i:05d}" for i in range(n)]
    units = Units(ids=tuple(ids), names=tuple(f"第{i}党支部" for i in range(n)),
                  types=tuple("乡镇" if i % 3 else "部门" for i in range(n)), parents=tuple(None for _ in ids))

    def columns(seed):
        rng = np.random.default_rng(seed)
        c = lambda lo, hi: np.round(rng.uniform(lo, hi, n), 1)  # noqa: E731
        return {"meetings_rate": c(50, 100), "study_hours": c(10, 40), "dues_on_time": c(88, 100),
                "recruitment": rng.integers(0, 4, n).astype(float), "recruitment_plan": rng.integers(1, 4, n).astype(float),
                "missed_meetings": rng.poisson(1.0, n).astype(float), "satisfaction": c(55, 100)}

    before = DataSet.from_columns(units, columns(1), period="2024")
    data = attrs.evolve(DataSet.from_columns(units, columns(2), period="2025"), history={"2024": before.columns})
    ev = evalkit.evaluate(sc, data)
    plan = {"targets": [{"indicator": "satisfaction", "rule": "close_gap", "share": 25, "baseline_period": "2024",
                         "due": "2026"}]}
    entries, _ = load_plan(plan, sc.indicators, units)
    extras = ReportExtras(
        transitions=compare(evalkit.evaluate(sc, before).to_dict(), ev.to_dict(), "score:5"),
        benchmarks=compute_benchmarks(data, {k: sc.indicators[k] for k in ("meetings_rate", "satisfaction")}, "type"),
        targets=assess(targets_from_plan(entries, data, sc.indicators), data, sc.indicators))
    return ev, extras


def test_a_large_report_draws_each_units_part_when_it_is_opened(chromium, tmp_path):  # noqa: F811
    from evalkit.reporters.html import STATIC_CHARTS

    ev, extras = synthetic_extras(STATIC_CHARTS + 100)
    html = render_with(ev, "html", "zh", extras)
    assert "ek-extras" in html and 'class="ux"' not in html  # kept as data, drawn on demand
    page = tmp_path / "large.html"
    page.write_text(html, encoding="utf-8")
    last = len(ev.units) - 1
    done = browse(chromium, page.as_uri() + f"#u{last}", "--dump-dom", "--enable-logging=stderr", "--v=0")
    assert console_messages(done.stderr) == []
    section = done.stdout[done.stdout.index(f'id="u{last}"'):]
    section = section[:section.index("</details>")]
    uid = ev.units.ids[int(ev.order()[last])]
    i = extras.benchmarks.units.index[uid]
    gap = extras.benchmarks.gaps("satisfaction")["median"][i]
    from evalkit.reporters.extras import number_text

    assert 'class="ux"' in section and label("targets", "zh") in section
    assert f">{number_text(gap, 2, signed=True)}</span>" in section  # its gap to the peers' median, as the library says
    assert 'class="st st-' in section


def test_the_markdown_has_the_sections(case):
    text = render_with(case["ev"], "markdown", "en", case["extras"])
    c = case["extras"].transitions
    for heading in ("## Tier transitions", "### Per starting tier", "### Units behind each move", "## Benchmarks",
                    "## Improvement targets"):
        assert heading in text
    labels = [c.label(g, "en") for g in c.grade_ids]
    for name, row in zip(labels, c.counts()):
        assert f"| {name} | " + " | ".join(map(str, row)) + f" | {sum(row)} |" in text
    assert text.startswith(render(case["ev"], "markdown", "en"))  # the report as before, then the extras
    assert text.count("| B0") >= len(c.moves)


def test_english_labels_of_the_extras_have_no_chinese(case):
    ev, extras = synthetic_extras(30)
    ev = attrs.evolve(ev, units=attrs.evolve(ev.units, names=tuple(f"Branch {i}" for i in range(30))))
    for fmt in ("xlsx", "html", "markdown"):
        content = render_with(ev, fmt, "en", extras)
        if isinstance(content, bytes):
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                content = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
        data_names = "".join(ind.unit for ind in ev.scorecard.indicators.values())
        data_names += "".join(extras.benchmarks.labels) + "".join(extras.transitions.after["name"].values())
        data_names += "".join(m.name for m in extras.transitions.moves) + "".join(extras.benchmarks.units.names)
        found = sorted(set(CJK.findall(content)) - set(data_names))
        assert not found, (fmt, found)
