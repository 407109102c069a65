"""`evalkit fuzzy` and `evalkit delphi`: fuzzy comprehensive evaluation from ballots, and the statistics of a Delphi round.

- fuzzy: the ballots file is long: unit, criterion, grade and, optionally, a count (no count column: each
  row is one ballot, counting 1). With a count column a (unit, criterion, grade) appears once; every unit
  needs at least one vote on every criterion. Grades not in --grades are errors (never dropped), and the
  grade order of --grades breaks ties of membership (the first listed wins). Weights follow the rules of
  rank and may name the criteria (政治建设=0.4,...). No --grade-values: no score and no rank.
- delphi: a long file is exactly expert, item, score; anything else is wide (expert, then one column per
  item). Every expert scores every item; a score above --full-mark is an error at its row and column.
  std uses ddof 1 (the sample standard deviation) unless --ddof 0.
"""

from __future__ import annotations

import argparse
import math

from evalkit.cli.common import check_output, emit, number_in, plain_lines, render
from evalkit.cli.formats import BILINGUAL, output_options
from evalkit.cli.methods_output import print_notice, report_text
from evalkit.methods import FUZZY_OPERATORS
from evalkit.methods.delphi_report import delphi_from_file
from evalkit.methods.fuzzy_report import fuzzy_from_files
from evalkit.methods.inputs import FUZZY_GRADES

OPERATOR_TEXT = {
    "weighted_average": "加权平均型 M(·,+): b_k = Σ_j w_j r_jk",
    "max_min": "主因素决定型 M(∧,∨): b_k = max_j min(w_j, r_jk)",
    "product_max": "主因素突出型 M(·,∨): b_k = max_j w_j r_jk",
    "min_bounded_sum": "M(∧,⊕): b_k = min(1, Σ_j min(w_j, r_jk))",
}


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "fuzzy", parents=[plugin_options], help="fuzzy comprehensive evaluation of units from grade ballots (模糊综合评价)",
        description="Membership of each unit in each grade from BALLOTS, a long table (.csv, .xlsx or .json) with the "
                    "columns unit (单位), criterion (指标), grade (等次) and count (票数): how many voters gave the unit "
                    "that grade on that criterion; without a count column every row is one ballot (an optional ballot "
                    "column, 票号, catches a ballot that grades a unit twice on one criterion). R = the votes per "
                    "criterion divided by their total; B = W o R (weighted average by default, or max-min then "
                    "normalised); the grade is the one of largest membership (ties: the grade listed first in "
                    "--grades); with --grade-values the score is B . values and units are ranked by it (ties share "
                    "the best rank, 1224). Weights follow the criteria in the order they first appear in BALLOTS, or "
                    "name them: --weights 政治建设=0.4,思想建设=0.2,...; they must sum to 1 or 100 unless "
                    "--normalize-weights.")
    p.add_argument("ballots", metavar="BALLOTS", help="the ballots: unit, criterion, grade[, count] (Chinese headers 单位, 指标, 等次, 票数)")
    weights = p.add_mutually_exclusive_group(required=True)
    weights.add_argument("--weights", metavar="SPEC",
                         help="W1,W2,... in the order the criteria first appear in BALLOTS, or NAME=W,... naming every criterion")
    weights.add_argument("--weights-file", metavar="FILE",
                         help="weights in YAML/JSON (a list, a mapping criterion: weight) or an AHP matrix file with labels")
    p.add_argument("--normalize-weights", action="store_true",
                   help="divide the weights by their sum when it is neither 1 nor 100 (a note says so)")
    p.add_argument("--grades", metavar="G1,G2,...", default=",".join(FUZZY_GRADES),
                   help=f"the grades, best first (default {','.join(FUZZY_GRADES)}); any other grade in BALLOTS is an error")
    p.add_argument("--grade-values", metavar="V1,V2,...",
                   help="one number per grade (e.g. 95,85,70,50): score = membership . values; without it no score or rank")
    p.add_argument("--operator", choices=FUZZY_OPERATORS, default="weighted_average",
                   help="weighted_average (default): b_k = sum_j w_j r_jk; max_min: b_k = max_j min(w_j, r_jk); "
                        "product_max: max_j w_j r_jk; min_bounded_sum: min(1, sum_j min(w_j, r_jk)); the last three "
                        "normalised to sum 1 unless --unnormalized")
    p.add_argument("--unnormalized", action="store_true",
                   help="keep B of max_min, product_max or min_bounded_sum as computed (textbook examples print it so)")
    output_options(p, ("table", "json", "csv"), lang=BILINGUAL)
    p.set_defaults(handler=cmd_fuzzy)

    p = sub.add_parser(
        "delphi", parents=[plugin_options], help="statistics of a Delphi round: concentration, dispersion, Kendall's W (德尔菲法)",
        description="Per item: the mean, the standard deviation (ddof 1, the sample standard deviation, unless --ddof 0), "
                    "the coefficient of variation CV = std / |mean| and the full-mark rate (the share of experts giving "
                    "exactly --full-mark); for the round: Kendall's W over the items (average ranks for ties, with the "
                    "tie correction), chi2 = m (n - 1) W with n - 1 degrees of freedom and its p-value. SCORES (.csv, "
                    ".xlsx or .json) is wide (an expert column, 专家, then one column per item) or long (exactly the "
                    "columns expert, item and score; 专家, 指标, 评分). Every expert scores every item; a score above "
                    "--full-mark is an error.")
    p.add_argument("scores", metavar="SCORES", help="the round's scores: expert, then one column per item; or expert, item, score")
    p.add_argument("--full-mark", required=True, type=number_in(0, math.inf, open_low=True),
                   help="the top of the scale (e.g. 5 or 10): the full-mark rate counts scores equal to it")
    p.add_argument("--ddof", type=int, choices=(0, 1), default=1,
                   help="standard deviation divisor m - ddof: 1 (default, sample) or 0 (population)")
    output_options(p, ("table", "json", "csv"), lang=BILINGUAL)
    p.set_defaults(handler=cmd_delphi)


def cmd_fuzzy(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from

    check_output(args, [args.ballots, args.weights_file])
    report = fuzzy_from_files(args.ballots, registry_from(args), weights=args.weights, weights_file=args.weights_file,
                              normalize_weights=args.normalize_weights, grades=args.grades, grade_values=args.grade_values,
                              operator=args.operator, notify=print_notice, normalize=not args.unnormalized)
    text = report_text(args, report, fuzzy_text)
    emit(args, text, f"{len(report.ballots.units)} units, format {args.format}")
    return 0


def fuzzy_text(args: argparse.Namespace, doc: dict) -> str:
    """Each unit's membership in each grade, its grade and (with grade values) score, then how they were found."""
    from rich.table import Table
    from rich.text import Text

    scored = doc["grade_values"] is not None
    grades = doc["grades"]
    table = Table(title=f"模糊综合评价 fuzzy comprehensive evaluation · {doc['source']} · {len(doc['units'])} 个单位 units")
    if scored:
        table.add_column("排名 Rank", justify="right")
    table.add_column("单位 Unit")
    show_names = any(u["name"] != u["unit"] for u in doc["units"])
    if show_names:
        table.add_column("名称 Name")
    for g in grades:
        table.add_column(Text(g), justify="right")
    table.add_column("等次 Grade")
    if scored:
        table.add_column("得分 Score", justify="right")
    for u in doc["units"]:
        cells = ([str(u["rank"])] if scored else []) + [Text(u["unit"])] + ([Text(u["name"])] if show_names else [])
        cells += [f"{u['membership'][g]:.4f}" for g in grades] + [Text(u["grade"])]
        cells += [f"{u['score']:.2f}"] if scored else []
        table.add_row(*cells)
    lines = [f"隶属度 membership B = W o R, 算子 operator {doc['operator']}: {OPERATOR_TEXT[doc['operator']]}"
             + ("" if doc["operator"] == "weighted_average" else
                ("，归一化 normalised to sum 1" if doc["normalized"] else "，未归一化 not normalised")),
             f"权重 weights ({doc['weights_from']}): " + ", ".join(f"{c} {w:.4f}" for c, w in doc["weights"].items()),
             "等次 grade: 最大隶属度原则 the grade of largest membership (a tie goes to the grade listed first)"]
    if scored:
        lines.append("得分 score = Σ_k b_k v_k, 等次分值 grade values: " + ", ".join(f"{g} {v:g}" for g, v in doc["grade_values"].items()))
    else:
        lines.append("no score or rank: give --grade-values V1,V2,... (one number per grade) to score the units")
    return render(args, table) + plain_lines(lines)


def cmd_delphi(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from

    check_output(args, [args.scores])
    report = delphi_from_file(args.scores, registry_from(args), args.full_mark, ddof=args.ddof)
    text = report_text(args, report, delphi_text)
    emit(args, text, f"{len(report.scores.items)} items, {len(report.scores.experts)} experts, format {args.format}")
    return 0


def _p_text(p: float) -> str:
    return "< 0.0001" if p < 0.0001 else f"= {p:.4f}"


def delphi_text(args: argparse.Namespace, doc: dict) -> str:
    """Per item mean, std, CV and full-mark rate as a table, then Kendall's W and its verdict."""
    from rich.table import Table
    from rich.text import Text

    m = len(doc["experts"])
    table = Table(title=f"德尔菲法专家咨询 Delphi round · {doc['source']} · {m} 位专家 experts")
    table.add_column("#", justify="right")
    table.add_column("指标 Item")
    table.add_column("均值 Mean", justify="right")
    table.add_column(f"标准差 Std (ddof={doc['ddof']})", justify="right")
    table.add_column("变异系数 CV", justify="right")
    table.add_column("满分率 Full-mark rate", justify="right")
    for n, it in enumerate(doc["items"], 1):
        cv = "n/a (mean 0)" if it["cv"] is None else f"{it['cv']:.4f}"
        table.add_row(str(n), Text(it["item"]), f"{it['mean']:.4f}", f"{it['std']:.4f}", cv, f"{100 * it['full_mark_rate']:.1f}%")
    k = doc["kendall"]
    if k["w"] is None:
        kendall = ("肯德尔和谐系数 Kendall's W: undefined (one item, or every expert gave every item the same score)")
    else:
        verdict = ("专家意见协调性显著 the agreement is significant at 0.05" if k["p_value"] < 0.05
                   else "专家意见协调性不显著 the agreement is not significant at 0.05")
        kendall = (f"肯德尔和谐系数 Kendall's W = {k['w']:.4f}, chi2 = {k['chi2']:.4f}, df = {k['df']}, "
                   f"p {_p_text(k['p_value'])}: {verdict}")
    lines = [kendall,
             f"满分 full mark {doc['full_mark']:g}; CV = std / |mean|; Kendall's W ranks each expert's scores "
             "(ties: average ranks, tie-corrected); chi2 = m (n - 1) W"]
    return render(args, table) + plain_lines(lines)
