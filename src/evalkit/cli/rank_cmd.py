"""`evalkit rank`: score and rank the units of a wide data table by SAW, TOPSIS, VIKOR or grey relational analysis.

Weights are never silently changed. Weights summing to 1 or to 100 (within 1e-6; percentages, as a
scorecard's sibling weights may be) are divided by their sum; any other sum is an error (exit 2) unless
``--normalize-weights`` is given, and then a note on stderr says what the sum was.
"""

from __future__ import annotations

import argparse

from evalkit.cli.common import check_output, emit, number_in, plain_lines
from evalkit.cli.formats import BILINGUAL, output_options
from evalkit.cli.methods_output import print_notice, report_text, reversal_lines
from evalkit.methods.rank_report import EXTRA_COLUMNS, RANK_METHODS, SCORE_NAMES, rank_units

TITLES = {"saw": "SAW 加权求和", "topsis": "TOPSIS 逼近理想解排序", "vikor": "VIKOR 折衷排序", "grey": "灰色关联分析 grey relational"}


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "rank", parents=[plugin_options], help="score and rank units of a wide data table by SAW, TOPSIS, VIKOR or grey relational analysis",
        description="Rank the units of DATA, a wide table (one row per unit: a unit column, also 单位 or 编号, "
                    "and one numeric column per criterion; .csv, .xlsx or .json). Weights: --weights W1,W2,... "
                    "(summing to 1 or to 100; other sums are refused unless --normalize-weights), "
                    "--weights entropy|critic|std (objective weights from the data; entropy-raw, std-raw: on the raw data, no min-max), or --weights-file FILE "
                    "(a list, a mapping criterion: weight, or an AHP matrix with labels). Ties share the best "
                    "rank (1224).")
    p.add_argument("data", metavar="DATA", help="the decision matrix: one row per unit, one column per criterion")
    p.add_argument("--method", required=True, choices=RANK_METHODS,
                   help="saw (weighted sum), topsis, vikor (compromise; lower Q is better) or grey (grey relational grade)")
    weights = p.add_mutually_exclusive_group(required=True)
    weights.add_argument("--weights", metavar="SPEC",
                         help="W1,W2,... in criterion order (fractions such as 1/3 allowed), or entropy, critic, std, entropy-raw or std-raw")
    weights.add_argument("--weights-file", metavar="FILE", help="weights in YAML/JSON, or an AHP matrix file with labels")
    p.add_argument("--normalize-weights", action="store_true",
                   help="divide the weights by their sum when it is neither 1 nor 100 (a note says so)")
    p.add_argument("--direction", metavar="D1,D2,...",
                   help="higher or lower per criterion, in criterion order (default: all higher)")
    p.add_argument("--criteria", metavar="C1,C2,...", help="use only these columns, in this order (default: every column but the unit and name)")
    p.add_argument("--units", metavar="FILE", help="units file (id, name, ...): names for the table; every unit must be in both files")
    p.add_argument("--normalization", metavar="NAME",
                   help="saw: minmax (default), max, sum, max_complement or vector_complement; topsis: vector "
                        "(default) or any of saw's; grey: minmax (default) or any other of saw's")
    p.add_argument("--entropy-shift", type=number_in(0, float("inf")), metavar="C",
                   help="entropy weights: add C to every (normalised or raw) value before the proportions (平移)")
    p.add_argument("--v", type=number_in(0, 1), help="VIKOR: weight of group utility S against regret R (default 0.5)")
    p.add_argument("--rho", type=number_in(0, 1, open_low=True), help="grey: distinguishing coefficient (default 0.5)")
    p.add_argument("--check-reversal", action="store_true",
                   help="remove each unit in turn, rank the others again (same weights) and report pairs whose order flips")
    p.add_argument("--remove", metavar="UNIT", action="append", default=[],
                   help="check rank reversal for removing this unit only (repeatable; implies --check-reversal)")
    output_options(p, ("table", "json", "csv"), lang=BILINGUAL)
    p.set_defaults(handler=cmd_rank)


def cmd_rank(args: argparse.Namespace) -> int:
    from evalkit.cli import registry_from

    check_output(args, [args.data, args.weights_file, args.units])
    report = rank_units(args.data, registry_from(args), args.method, weights=args.weights, weights_file=args.weights_file,
                        normalize_weights=args.normalize_weights, direction=args.direction, criteria=args.criteria,
                        units=args.units, normalization=args.normalization, v=args.v, rho=args.rho,
                        check_reversal=args.check_reversal, remove=args.remove, notify=print_notice,
                        entropy_shift=args.entropy_shift)
    text = report.json_text() if args.format == "json" else report_text(args, report, rank_text)
    emit(args, text, f"{len(report.matrix.units)} units, format {args.format}")
    return 0


def rank_text(args: argparse.Namespace, doc: dict) -> str:
    """The ranking as a table, then the weights, directions and the method's figures."""
    from evalkit.cli.row_tables import render_rows

    title = f"{TITLES[doc['method']]} · {doc['source']} · {len(doc['units'])} 个单位 units"
    header = ["排名 Rank", "单位 Unit"]
    show_names = any(u["name"] != u["unit"] for u in doc["units"])
    if show_names:
        header.append("名称 Name")
    extras = EXTRA_COLUMNS.get(doc["method"], ())
    header += [SCORE_NAMES[doc["method"]][0], *(label for _, label in extras)]
    numeric = [True, False] + [False] * show_names + [True] * (1 + len(extras))
    rows = [[str(u["rank"]), u["unit"], *([u["name"]] if show_names else []), f"{u['score']:.4f}",
             *(f"{u[key]:.4f}" for key, _ in extras)] for u in doc["units"]]
    lines = [f"权重 weights ({doc['weights_from']}): " + ", ".join(f"{c} {w:.4f}" for c, w in doc["weights"].items())]
    lower = [c for c, d in zip(doc["criteria"], doc["direction"]) if d == "lower"]
    lines.append("越小越好 lower is better: " + (", ".join(lower) if lower else "none (all higher is better)"))
    if doc["normalization"]:
        lines.append(f"规范化 normalisation: {doc['normalization']}")
    d = doc["details"]
    if doc["method"] == "vikor":
        lines.append(f"折衷解 compromise solution: {', '.join(d['compromise'])} (v = {d['v']:g}; acceptable advantage "
                     f"{'yes' if d['acceptable_advantage'] else 'no'}, acceptable stability {'yes' if d['acceptable_stability'] else 'no'})")
    rr = doc.get("rank_reversal")
    if rr is not None:
        lines.extend(reversal_lines(rr, doc["units"], "the same weights"))
    return render_rows(args, title, header, rows, numeric) + plain_lines(lines)
