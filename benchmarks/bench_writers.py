"""Writing reports: evalkit's JSON, CSV, xlsx and HTML writers against plain writers of the same content.

Run from the repository root:

    .venv/bin/python benchmarks/bench_writers.py                                   # 100,000 and 1,000,000 units
    .venv/bin/python benchmarks/bench_writers.py --sizes 10000 --rounds 3 --formats json,csv
    .venv/bin/python benchmarks/bench_writers.py --sizes 100000 --formats xlsx --rounds 1
    .venv/bin/python benchmarks/bench_writers.py --sizes 0 --national              # the 5,000,000-unit CSV summary

One Evaluation per size is built in the parent (bench_scoring.py's 50-item scorecard on seeded data with
1 % missing values; not timed). Then, per format, paired and interleaved runs (benchmarks/harness.py:
every run in a forked child, its whole peak RSS counted, medians of --rounds) of:

- json: `write_report(evaluation, "json", FILE)` (the result streamed a block of units at a time) against
  a baseline that writes the same bytes the plain way: every number column formatted by pyarrow
  (cast to text, nulls as null), the units' lines joined from the column texts, written once. The
  document's head (scorecard, items: a few KiB) is given to the baseline ready-made. Check: the two
  files have the same bytes (SHA-256).
- csv: `write_report(evaluation, "csv", FILE)` (the summary: rank, id, name, dimensions, total, grade)
  against pyarrow's C++ CSV writer on the same columns (numbers rounded to the scorecard's decimals).
  Check: both files parsed back with the csv module hold the same cells (numbers compared as numbers:
  pyarrow writes 72.6 where evalkit writes 72.60).
- xlsx: `write_report(evaluation, "xlsx", FILE)` against XlsxWriter in constant_memory mode (a plain
  streaming writer; faster than openpyxl's write_only here: 8.2 s against 12.8 s for 10^6 cells) writing
  the same cells with the same number formats. The baseline makes the per-unit sheets itself from the
  Evaluation's columns, a unit at a time (summary; item detail, a row per unit and item; explanations from
  `Evaluation.explain`, as evalkit's); only the few small sheets (grades, scorecard, about) are made by
  evalkit beforehand in the parent (not timed). Both sides compute every unit's explanation, most of the
  time on both sides. Check (sizes up to --check-xlsx units): both workbooks read back with openpyxl
  (read_only) hold the same values in every cell (numbers compared at 15 significant digits: XlsxWriter
  writes 16, evalkit the exact shortest text).
- html: `write_report(evaluation, "html", FILE)` against the page's per-unit parts written the plain way:
  the ranking table's rows (html-escaped columns, one f-string per unit) and every unit's section (its
  head, then `Evaluation.explain` escaped), joined and written once (the page's fixed parts, a few KiB,
  are left out). Check: the ranking rows and unit sections cut from evalkit's page are the same text.

--national adds the CSV summary of --national-units units (default 5,000,000) against the pyarrow CSV.
The goal (issue 14): xlsx within 2x of the plain streaming writer at 100,000 units; the CSV summary of
5,000,000 units with no Python loop per unit. (html at 10,000 units was a timed test; it is measured here.)
"""

from __future__ import annotations

import argparse
import csv
import gc
import hashlib
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import ClassVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import build_scorecard, generate_columns
from harness import in_child, markdown_table, mib, paired, seconds_text, verdict

import evalkit
from evalkit.io.data import DataSet, Units
from evalkit.reporters.base import ReportOptions
from evalkit.reporters.html_parts import STATIC_CHARTS
from evalkit.reporters.render import write_report

GOALS = {"xlsx": 2.0}  # evalkit / baseline time
OPTIONS = ReportOptions(lang="en")


def build(n: int, seed: int):
    card = evalkit.load_scorecard(build_scorecard())
    units = Units.from_ids([f"U{i:07d}" for i in range(n)])
    return evalkit.evaluate(card, DataSet.from_columns(units, generate_columns(n, seed, 0.01), period="2025"))


# --------------------------------------------------------------------------------------------------
# Baselines


def json_baseline(ev, head: str, path: str) -> None:
    """The JSON result's bytes, written the plain way: pyarrow formats every number column, the lines of a
    block of units are joined from the column texts, each block written at once."""
    import pyarrow as pa
    import pyarrow.compute as pc

    enc = json.encoder.encode_basestring

    def numbers(x: np.ndarray) -> list[str]:
        return pc.fill_null(pa.array(x, from_pandas=True).cast(pa.string()), "null").to_pylist()

    order = ev.order()
    bands = [b.grade for b in ev.scorecard.grading.bands]
    with open(path, "wb") as out:
        out.write(head.encode())
        for start in range(0, len(order), 20_000):
            rows = order[start:start + 20_000]
            n = len(rows)
            grades = ev.grades[rows]
            cols: list = [["  {\"id\": " + enc(ev.units.ids[i]) + ", \"name\": " + enc(ev.units.names[i]) + ", \"type\": null"
                           ", \"rank\": " for i in rows.tolist()],
                          list(map(str, ev.ranks[rows].tolist())), itertools.repeat(", \"total\": ", n), numbers(ev.totals[rows]),
                          itertools.repeat(", \"grade\": ", n), ["null" if g < 0 else f'"{bands[g]}"' for g in grades.tolist()],
                          itertools.repeat(", \"dimensions\": {", n)]
            for k, (key, v) in enumerate(ev.dimensions.items()):
                cols += [itertools.repeat((", " if k else "") + f'"{key}": ', n), numbers(v[rows])]
            cols.append(itertools.repeat("}, \"items\": {", n))
            for k, (key, r) in enumerate(ev.items.items()):
                cols += [itertools.repeat((", " if k else "") + f'"{key}": {{"value": ', n), numbers(r.values[rows]),
                         itertools.repeat(", \"points\": ", n), numbers(r.points[rows]),
                         itertools.repeat(", \"weight\": " + numbers(np.array([r.share]))[0] + ", \"score\": ", n),
                         numbers(r.score[rows]),
                         np.where(r.missing[rows], ', "missing": "missing_scored_zero"}', "}").tolist()]
            cols.append(itertools.repeat("}}", n))
            out.write((("", ",\n")[start > 0] + ",\n".join(map("".join, zip(*cols)))).encode())
        out.write(b"\n ]\n}\n")


def csv_baseline(ev, path: str) -> None:
    """The summary's columns written by pyarrow's C++ CSV writer."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    order = ev.order()
    d = ev.scorecard.rounding_decimals
    bands = [b.label.text("en") for b in ev.scorecard.grading.bands] + [""]
    grades = ev.grades[order]
    columns = {"Rank": pa.array(ev.ranks[order]), "ID": pa.array(np.asarray(ev.units.ids, dtype=object)[order]),
               "Unit": pa.array(np.asarray(ev.units.names, dtype=object)[order])}
    for node in ev.scorecard.dimensions:
        columns[node.id] = pa.array(np.round(ev.dimensions[node.id][order], d), from_pandas=True)
    columns["Total"] = pa.array(np.round(ev.totals[order], d), from_pandas=True)
    columns["Grade"] = pa.array(np.asarray(bands, dtype=object)[np.where(grades >= 0, grades, len(bands) - 1)])
    pacsv.write_csv(pa.table(columns), path, pacsv.WriteOptions(quoting_style="needed"))


class RecordingWorkbook:
    """Stands in for evalkit's xlsx Workbook: keeps the small sheets' rows and only the names and columns of
    the sheets evalkit writes from columns (their blocks are never made: no explanation is computed)."""

    sheets: ClassVar[list] = []

    def __init__(self, *args, **kwargs) -> None:
        RecordingWorkbook.sheets = []

    def add_sheet(self, name, columns, rows, freeze=(1, 0), autofilter=True, header_style=None) -> None:
        RecordingWorkbook.sheets.append((name, list(columns), list(rows)))

    def add_column_sheet(self, name, columns, blocks, freeze=(1, 0), autofilter=True, header_style=None) -> None:
        RecordingWorkbook.sheets.append((name, list(columns), None))

    def to_bytes(self) -> bytes:
        return b""


def record_small_sheets(ev) -> list:
    """The sheets of evalkit's xlsx report as (name, columns, rows), rows None for the per-unit sheets
    (summary, item detail, explanations), which the baseline makes itself from the result's columns."""
    from evalkit.reporters import xlsx

    real = xlsx.Workbook
    xlsx.Workbook = RecordingWorkbook  # type: ignore[misc,assignment]
    try:
        xlsx.render_xlsx(ev, OPTIONS)
    finally:
        xlsx.Workbook = real  # type: ignore[misc]
    return RecordingWorkbook.sheets


def xlsx_baseline(ev, sheets: list, path: str) -> None:
    """The same cells written by XlsxWriter in constant_memory mode, with the columns' number formats.

    The per-unit sheets are made here from the Evaluation's columns, a unit at a time (summary: rank, id,
    name, dimension scores, total, grade tinted by band, notes; item detail: a row per unit and item;
    explanations: `Evaluation.explain` of each unit, a row per line indented by depth); the few small
    sheets (grades, scorecard, about) are written from rows evalkit made beforehand (not timed)."""
    import xlsxwriter

    from evalkit.reporters.common import band_tint, item_paths, notes, top_nodes
    from evalkit.reporters.common import label as label_text
    from evalkit.reporters.xlsx_writer import Cell

    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    formats: dict = {}

    def fmt(style):
        if style is None or style not in formats:
            spec = {} if style is None else {k: v for k, v in (("bold", style.bold), ("num_format", style.num_format),
                                                                ("bg_color", style.fill), ("indent", style.indent)) if v}
            formats[style] = book.add_format(spec) if spec else None
        return formats[style]

    max_rows = 1_048_575
    lang = OPTIONS.lang
    order = ev.order().tolist()
    ids, names = ev.units.ids, ev.units.names
    ranks = ev.ranks.tolist()

    class Sheets:
        """Rows written one after another, continued on "NAME (2)", ... past a sheet's last row."""

        def __init__(self, name: str, columns: list) -> None:
            self.name, self.headers, self.part, self.r, self.sheet = name, [c.header for c in columns], 0, max_rows, None

        def next_row(self):
            if self.r == max_rows:
                self.part += 1
                self.sheet = book.add_worksheet(self.name if self.part == 1 else f"{self.name[:27]} ({self.part})")
                self.sheet.write_row(0, 0, self.headers)
                self.r = 0
            self.r += 1
            return self.sheet, self.r

    def summary(name: str, columns: list) -> None:
        f = [fmt(c.style) for c in columns]
        tops = [t.scores.tolist() for t in top_nodes(ev, lang)]
        totals, grades, note_list = ev.totals.tolist(), ev.grades.tolist(), notes(ev, lang)
        bands = ev.scorecard.grading.bands
        tints = [book.add_format({"bg_color": band_tint(k, len(bands))}) for k in range(len(bands))]
        labels = [b.label.text(lang) for b in bands]
        out = Sheets(name, columns)
        t0 = 3 + len(tops)
        for i in order:
            ws, r = out.next_row()
            ws.write_number(r, 0, ranks[i], f[0])
            ws.write_string(r, 1, ids[i], f[1])
            ws.write_string(r, 2, names[i], f[2])
            for k, s in enumerate(tops):
                if s[i] == s[i]:
                    ws.write_number(r, 3 + k, s[i], f[3 + k])
            if totals[i] == totals[i]:
                ws.write_number(r, t0, totals[i], f[t0])
            if grades[i] >= 0:
                ws.write_string(r, t0 + 1, labels[grades[i]], tints[grades[i]])
            if note_list[i]:
                ws.write_string(r, t0 + 2, note_list[i], f[t0 + 2])

    def items(name: str, columns: list) -> None:
        f = [fmt(c.style) for c in columns]
        paths = item_paths(ev.scorecard, lang)
        per_item = []
        for item_id, res in ev.items.items():
            item = res.item
            ind = ev.scorecard.indicators.get(item.indicator)
            flag = label_text("missing_reweighted" if item.missing == "reweight" else "missing_scored_zero", lang)
            per_item.append((paths[item_id], item_id, item.name.text(lang), ", ".join(item.indicators),
                             ind.unit if ind is not None else "", item.rule, float(item.max_points), res.values.tolist(),
                             res.points.tolist(), res.share.tolist() if isinstance(res.share, np.ndarray) else [float(res.share)] * len(ids),
                             res.score.tolist(), res.missing.tolist(), flag))
        out = Sheets(name, columns)
        for i in order:
            for path, item_id, item_name, indicator, measure, rule, max_points, values, pts, share, score, missing, flag in per_item:
                ws, r = out.next_row()
                ws.write_number(r, 0, ranks[i], f[0])
                ws.write_string(r, 1, ids[i], f[1])
                ws.write_string(r, 2, names[i], f[2])
                if path:
                    ws.write_string(r, 3, path, f[3])
                ws.write_string(r, 4, item_id, f[4])
                ws.write_string(r, 5, item_name, f[5])
                ws.write_string(r, 6, indicator, f[6])
                if measure:
                    ws.write_string(r, 7, measure, f[7])
                if values[i] == values[i]:
                    ws.write_number(r, 8, values[i], f[8])
                ws.write_string(r, 9, rule, f[9])
                ws.write_number(r, 10, pts[i], f[10])
                ws.write_number(r, 11, max_points, f[11])
                ws.write_number(r, 12, share[i], f[12])
                ws.write_number(r, 13, score[i], f[13])
                if missing[i]:
                    ws.write_string(r, 14, flag, f[14])

    def explanations(name: str, columns: list) -> None:
        f = [fmt(c.style) for c in columns]
        indents = [f[4]] + [book.add_format({"indent": k}) for k in range(1, 8)]
        out = Sheets(name, columns)
        for i in order:
            for k, line in enumerate(ev.explain(ids[i], lang)[1:], start=1):
                text = line.lstrip(" ")
                ws, r = out.next_row()
                ws.write_number(r, 0, ranks[i], f[0])
                ws.write_string(r, 1, ids[i], f[1])
                ws.write_string(r, 2, names[i], f[2])
                ws.write_number(r, 3, k, f[3])
                ws.write_string(r, 4, text, indents[min((len(line) - len(text)) // 2, 7)])

    from_columns = [summary, items, explanations]
    for name, columns, rows in sheets:
        if rows is None:
            from_columns.pop(0)(name, columns)
            continue
        column_formats = [fmt(c.style) for c in columns]
        for part in range(max(1, -(-len(rows) // max_rows))):
            sheet = book.add_worksheet(name if part == 0 else f"{name[:27]} ({part + 1})")
            sheet.write_row(0, 0, [c.header for c in columns])
            for r, row in enumerate(rows[part * max_rows:(part + 1) * max_rows], start=1):
                for k, value in enumerate(row):
                    style = column_formats[k]
                    if type(value) is Cell:
                        value, style = value.value, fmt(value.style)
                    if value is None or value == "" or (type(value) is float and value != value):
                        continue
                    if type(value) is str:
                        sheet.write_string(r, k, value, style)
                    else:
                        sheet.write_number(r, k, value, style)
    book.close()


def xlsx_baseline_fits(ev) -> bool:
    """The baseline above writes what this benchmark's scorecard has: one number per item, no adjustments,
    no evidence (evalkit's report has more sheets and columns for those)."""
    return ev.adjusted is None and all(np.asarray(r.values).ndim == 1 for r in ev.items.values())


def html_baseline(ev, path: str) -> None:
    """The html page's per-unit parts written the plain way: the ranking table's rows (one f-string per unit from
    html-escaped columns) and every unit's section (its head, then `Evaluation.explain` escaped), joined and
    written once. The rest of the page (head, style, charts, script: a few KiB) is left out."""
    from html import escape

    from evalkit.reporters.common import notes, top_nodes
    from evalkit.reporters.html_parts import badge

    lang, d = OPTIONS.lang, ev.scorecard.rounding_decimals
    order = ev.order().tolist()
    bands = ev.scorecard.grading.bands
    nb = len(bands)
    badges = [badge(k, b.label.text(lang), b.grade) for k, b in enumerate(bands)] + [""]
    codes = [escape(b.grade) for b in bands] + [""]
    ids = [escape(x) for x in ev.units.ids]
    names = [escape(x) for x in ev.units.names]
    note_list = [escape(x) for x in notes(ev, lang)]
    ranks, grades = ev.ranks.tolist(), [g if 0 <= g < nb else nb for g in ev.grades.tolist()]
    scores = [t.scores.tolist() for t in top_nodes(ev, lang)]
    totals = ev.totals.tolist()

    def num(x: float) -> str:
        return "" if x != x else f"{x:.{d}f}"

    rows = "".join(
        f'<tr data-u="u{k}" data-g="{codes[grades[i]]}" data-k="{ids[i]} {names[i]}"><td class="n">{ranks[i]}</td>'
        f'<td><code>{ids[i]}</code></td><td class="u"><a href="#u{k}">{names[i]}</a></td>'
        + "".join(f'<td class="n">{num(s[i])}</td>' for s in scores)
        + f'<td class="n"><b>{num(totals[i])}</b></td><td data-v="{grades[i]}">{badges[grades[i]]}</td>'
          f'<td class="note">{note_list[i]}</td></tr>\n'
        for k, i in enumerate(order))
    sections = "".join(
        f'<details class="unit" id="u{k}" data-s="{",".join(num(s[i]) for s in scores)}"><summary><span class="rk">{ranks[i]}'
        f'</span>{names[i]} <code>{ids[i]}</code><span class="t">{num(totals[i])}</span>{badges[grades[i]]}</summary>\n'
        f'<div class="ub"><div class="uc"></div><pre class="ex">{escape(chr(10).join(ev.explain(ev.units.ids[i], lang)[1:]))}'
        "</pre></div></details>\n"
        for k, i in enumerate(order))
    with open(path, "w", encoding="utf-8") as out:
        out.write(rows)
        out.write(sections)


def html_parts_of_page(path: str) -> str:
    """evalkit's page cut to what html_baseline writes: the ranking table's rows, then the unit sections."""
    page = Path(path).read_text(encoding="utf-8")
    rows = page[page.index("<tbody>\n") + len("<tbody>\n"):page.index("</tbody>")]
    units = page[page.index('<details class="unit"'):page.index("</section>\n<footer>")]
    return rows + units


# --------------------------------------------------------------------------------------------------
# Checks: both outputs hold the same content


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def same_csv(a: str, b: str) -> bool:
    def cell(text: str):
        try:
            return float(text)
        except ValueError:
            return text

    with open(a, encoding="utf-8-sig", newline="") as fa, open(b, encoding="utf-8-sig", newline="") as fb:
        for k, (ra, rb) in enumerate(itertools.zip_longest(csv.reader(fa), csv.reader(fb))):
            if ra is None or rb is None or (k and [cell(x) for x in ra] != [cell(x) for x in rb]):
                return False
    return True


def same_xlsx(a: str, b: str) -> bool:
    from openpyxl import load_workbook

    wa, wb = load_workbook(a, read_only=True), load_workbook(b, read_only=True)
    if wa.sheetnames != wb.sheetnames:
        return False
    def strip(row):  # XlsxWriter writes numbers with 16 significant digits (1.666666666666667), evalkit exactly
        return tuple(None if v == "" else float(f"{v:.15g}") if type(v) is float else v for v in row) if row else row

    for name in wa.sheetnames:
        for ra, rb in itertools.zip_longest(wa[name].iter_rows(values_only=True), wb[name].iter_rows(values_only=True)):
            if strip(ra) != strip(rb):
                print(f"  xlsx differs in sheet {name}: {ra} / {rb}", file=sys.stderr)
                return False
    return True


# --------------------------------------------------------------------------------------------------


def measure(contenders: dict, rounds: int):
    result = paired(contenders, rounds=rounds)
    return result


def row(size: int, what: str, result, names: tuple[str, str | None], goal: float | None, check: str) -> list:
    ours, base = names
    if base is None:
        return [f"{size:,}", what, seconds_text(result.seconds(ours)), "—", "—", mib(result.peak(ours)), "—", "—", "—", check]
    ratio = result.ratio(ours, base)
    return [f"{size:,}", what, seconds_text(result.seconds(ours)), seconds_text(result.seconds(base)), f"{ratio:.2f}",
            mib(result.peak(ours)), mib(result.peak(base)), f"{result.memory_ratio(ours, base):.2f}",
            verdict(ratio, goal) if goal else "—", check]


def run_size(n: int, formats: list[str], rounds: int, seed: int, folder: str, check_xlsx: int) -> list[list]:
    from evalkit.scoring.result_json import head_text

    ev = build(n, seed)
    out = []
    paths: dict[str, str] = {}

    def ours(fmt: str):
        paths.update({k: os.path.join(folder, f"{k}.{fmt}") for k in ("ours", "base")})
        return lambda: in_child(lambda: write_report(ev, fmt, paths["ours"], OPTIONS))

    if "json" in formats:
        head = head_text(ev)
        result = measure({"evalkit": ours("json"), "baseline": lambda: in_child(lambda: json_baseline(ev, head, paths["base"]))},
                         rounds)
        same = sha256(paths["ours"]) == sha256(paths["base"])
        out.append(row(n, "json", result, ("evalkit", "baseline"), None, "same bytes" if same else "DIFFERENT"))
    if "csv" in formats:
        result = measure({"evalkit": ours("csv"), "baseline": lambda: in_child(lambda: csv_baseline(ev, paths["base"]))}, rounds)
        same = same_csv(paths["ours"], paths["base"])
        out.append(row(n, "csv summary", result, ("evalkit", "baseline"), None, "same cells" if same else "DIFFERENT"))
    if "xlsx" in formats:
        assert xlsx_baseline_fits(ev)
        sheets = record_small_sheets(ev)
        result = measure({"evalkit": ours("xlsx"), "baseline": lambda: in_child(lambda: xlsx_baseline(ev, sheets, paths["base"]))},
                         rounds)
        check = ("same cells" if same_xlsx(paths["ours"], paths["base"]) else "DIFFERENT") if n <= check_xlsx else "not checked"
        out.append(row(n, "xlsx", result, ("evalkit", "baseline"), GOALS["xlsx"], check))
    if "html" in formats:
        assert n > STATIC_CHARTS and xlsx_baseline_fits(ev)  # no chart inside the unit sections, no evidence
        result = measure({"evalkit": ours("html"), "baseline": lambda: in_child(lambda: html_baseline(ev, paths["base"]))},
                         rounds)
        with open(paths["base"], encoding="utf-8") as handle:
            same = html_parts_of_page(paths["ours"]) == handle.read()
        out.append(row(n, "html", result, ("evalkit", "baseline"), None, "same rows and sections" if same else "DIFFERENT"))
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="units per run, comma-separated (0: none)")
    parser.add_argument("--formats", default="json,csv,xlsx,html", help="comma-separated subset of json,csv,xlsx,html")
    parser.add_argument("--xlsx-max", type=int, default=100_000, help="largest size at which xlsx and html are measured")
    parser.add_argument("--check-xlsx", type=int, default=20_000, help="largest size at which the workbooks are read back")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--national", action="store_true", help="also the CSV summary of --national-units units")
    parser.add_argument("--national-units", type=int, default=5_000_000)
    args = parser.parse_args(argv)
    # Imported once here, so that no measured child pays for imports (only imported: no thread pool runs
    # in the parent before the forks).
    import pyarrow.compute
    import pyarrow.csv  # noqa: F401
    import xlsxwriter  # noqa: F401

    import evalkit.reporters.html
    import evalkit.reporters.xlsx
    import evalkit.scoring.result_json  # noqa: F401

    sizes = [int(s) for s in args.sizes.split(",") if int(s) > 0]
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-writers-") as folder:
        for n in sizes:
            wanted = [f for f in formats if f not in ("xlsx", "html") or n <= args.xlsx_max]
            rows += run_size(n, wanted, args.rounds, args.seed, folder, args.check_xlsx)
            gc.collect()
        if args.national:
            rows += run_size(args.national_units, ["csv"], args.rounds, args.seed, folder, 0)
    print(f"evalkit writers: bench_scoring.py's 50-item scorecard, 1 % missing, seed {args.seed}, "
          f"median of {args.rounds} interleaved rounds, each run in its own process (peak RSS of that process)")
    print()
    print(markdown_table(["units", "report", "evalkit", "baseline", "ratio", "evalkit peak", "baseline peak", "memory ratio",
                          "goal", "check"], rows))
    return 0 if all("DIFFERENT" not in r and "OVER" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
