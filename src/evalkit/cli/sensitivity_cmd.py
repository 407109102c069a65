"""`evalkit sensitivity`: how robust a scorecard's ranks and grades are to its weights.

A unit is fragile when its most likely grade has a probability below ``--fragile-threshold`` (default 0.9).
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import TYPE_CHECKING

from evalkit.analysis.sensitivity import SAMPLING_MODES, sensitivity_of, sensitivity_settings
from evalkit.cli.common import (
    check_output,
    emit,
    fold_lines,
    input_options,
    load_inputs,
    number_in,
    plain_lines,
    render,
    whole_number_in,
)
from evalkit.cli.formats import output_options
from evalkit.cli.methods_output import json_text, reversal_lines

if TYPE_CHECKING:
    from rich.console import JustifyMethod


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "sensitivity", parents=[plugin_options], help="how robust ranks and grades are to the scorecard's weights",
        description="Score SCORECARD once, then draw weights around the declared ones (seeded Dirichlet, or +/- a "
                    "percentage then renormalised) for the top-level dimensions (--level top) or every sibling group "
                    "(--level all), re-total without running the rules again, and report every unit's rank range, "
                    "5th-95th percentile ranks, grade probabilities and whether its grade is fragile (the most likely "
                    "grade has a probability below --fragile-threshold). A weighted-sum scorecard cannot reverse the "
                    "order of other units when one is removed; --remove UNIT re-scores without it to check.")
    input_options(p)
    p.add_argument("--samples", type=whole_number_in(1), default=1000, help="weight draws (default 1000; at most 100,000 unless EVALKIT_MAX_SAMPLES allows more)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1): the same seed gives the same report")
    p.add_argument("--mode", choices=SAMPLING_MODES, default="dirichlet",
                   help="dirichlet (default): alpha = concentration x weight; percent: each weight x (1 +/- up to p %%), renormalised")
    p.add_argument("--concentration", type=number_in(0, math.inf, open_low=True, allow_inf=True), default=None,
                   help="Dirichlet concentration (default 200; larger is tighter, inf is no perturbation)")
    p.add_argument("--percent", type=number_in(0, 100, open_high=True), default=None,
                   help="largest relative change of a weight in percent mode (default 10)")
    p.add_argument("--level", choices=("top", "all"), default="top",
                   help="perturb the top-level dimensions only (default) or every sibling group of the tree")
    p.add_argument("--fragile-threshold", type=number_in(0, 1, open_low=True), default=0.9,
                   help="a grade is fragile when its probability is below this (default 0.9)")
    p.add_argument("--remove", metavar="UNIT", action="append", default=[],
                   help="re-score without UNIT and report pairs of other units whose order changes (repeatable)")
    p.add_argument("--fragile-only", action="store_true", help="list only the fragile units (text format)")
    output_options(p, ("table", "json"))
    p.set_defaults(handler=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from

    settings = sensitivity_settings(samples=args.samples, seed=args.seed, mode=args.mode, concentration=args.concentration,
                                    percent=args.percent, level=args.level, fragile_threshold=args.fragile_threshold)
    check_output(args)
    scorecard, _units, data, records = load_inputs(args, registry_from(args))
    report = sensitivity_of(scorecard, data, records, settings, remove=args.remove, units_source=args.units, lang=args.lang)
    doc = report.to_dict()
    text = json_text(doc) if args.format == "json" else sensitivity_text(args, doc, report.lang)
    emit(args, text, f"{len(report.evaluation.units)} units, {args.samples} draws, format {args.format}")
    return 0


def sensitivity_text(args: argparse.Namespace, doc: dict, lang: str) -> str:
    """Every unit's rank range, total range and grade odds as a table, then the weights and the fragile units."""
    from rich.table import Table
    from rich.text import Text

    from evalkit.reporters.summary import points_text

    zh = lang == "zh"
    d = doc["scorecard"]["decimals"]
    s = doc["settings"]
    labels = {g["grade"]: (g["label"].get(lang) or g["label"].get("zh") or g["label"].get("en") or g["grade"]) for g in doc["grades"]}
    labels["no_grade"] = "无等次" if zh else "no grade"
    graded = bool(doc["grades"])
    name = doc["scorecard"]["name"].get(lang) or doc["scorecard"]["name"].get("zh") or doc["scorecard"]["name"].get("en") or doc["scorecard"]["id"]
    table = Table(title=f"{name} · {'权重敏感性分析' if zh else 'weight sensitivity'} · {doc['scorecard']['period']}")
    head: list[tuple[str, JustifyMethod]] = [("排名" if zh else "Rank", "right"), ("编号" if zh else "ID", "left"), ("单位" if zh else "Unit", "left"),
            ("总分" if zh else "Total", "right")]
    head += [("等次" if zh else "Grade", "left")] if graded else []
    head += [("排名区间" if zh else "Rank range", "right"), ("5%-95%" if zh else "5-95 %", "right"),
             ("总分区间" if zh else "Total range", "right")]
    head += [("等次概率" if zh else "Grade odds", "left"), ("脆弱" if zh else "Fragile", "left")] if graded else []
    for k, (h, justify) in enumerate(head):
        table.add_column(h, justify=justify, no_wrap=k < 2)
    rows = [u for u in doc["units"] if u.get("fragile")] if args.fragile_only else doc["units"]
    for u in rows:
        low, high = points_text(u["total_min"], d), points_text(u["total_max"], d)
        cells: list[str | Text] = [str(u["rank"]), Text(u["id"]), Text(u["name"]), points_text(u["total"], d)]
        cells += [labels.get(u["grade"], "") if u["grade"] else ""] if graded else []
        cells += [f"{u['rank_min']}-{u['rank_max']}" if u["rank_min"] != u["rank_max"] else str(u["rank_min"]),
                  f"{u['rank_p05']}-{u['rank_p95']}" if u["rank_p05"] != u["rank_p95"] else str(u["rank_p05"]),
                  f"{low}-{high}" if low != high else low]
        if graded:
            odds = sorted(((p, g) for g, p in u["grade_probability"].items() if p > 0), reverse=True)
            cells.append(" / ".join(f"{labels[g]} {p:.2f}" for p, g in odds))
            cells.append(("脆弱" if zh else "fragile") if u["fragile"] else "")
        table.add_row(*cells)
    if s["mode"] == "dirichlet":
        how = "Dirichlet, concentration " + (s["concentration"] if isinstance(s["concentration"], str) else f"{s['concentration']:g}")
    else:
        how = f"+/- {s['percent']:g} %"
    lines = [(f"{s['samples']} 次抽样（{how}，种子 {s['seed']}，扰动{'一级指标' if s['level'] == 'top' else '各级同级指标'}权重）" if zh
              else f"{s['samples']} draws ({how}, seed {s['seed']}, perturbing {'the top-level' if s['level'] == 'top' else 'every sibling group of'} weights)")]
    names = doc["names"]
    for group, ws in doc["weights"].items():
        where = ("一级指标" if zh else "top level") if group == "(top)" else names.get(group, group)
        lines.append(f"  {where}: " + ", ".join(f"{names.get(k, k)} {w:.4g}" for k, w in ws.items()))
    if graded:
        fragile = doc["fragile"]
        t = s["fragile_threshold"]
        lines.append((f"等次不稳定的单位 {len(fragile)} 个（最可能等次的概率 < {t:g}）" if zh
                      else f"{len(fragile)} unit(s) with a fragile grade (most likely grade has probability < {t:g})")
                     + (": " + ", ".join(fragile[:30]) + (" ..." if len(fragile) > 30 else "") if fragile else ""))
    else:
        lines.append("考核表没有等次分档，未计算等次概率" if zh else "the scorecard has no grade bands: no grade probabilities")
    rr = doc["rank_reversal"]
    lines.append(("排序逆转：" if zh else "Rank reversal: ") + rr["note"])
    if "checked" in rr:
        lines.extend(reversal_lines(rr["checked"], doc["units"], "re-scored" if not zh else "重新计分"))
    from evalkit.cli.formats import output_width

    width = output_width(not getattr(args, "output", None) and sys.stdout.isatty())
    return render(args, table) + fold_lines(plain_lines(lines), width)  # long notes fold at spaces
