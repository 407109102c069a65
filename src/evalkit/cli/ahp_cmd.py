"""`evalkit ahp`: weights and consistency of an AHP pairwise comparison matrix (层次分析法).

An inconsistent matrix (CR >= --threshold) is still a valid matrix: its weights are printed and the
command exits 0, with a warning on stderr naming the judgement to revisit first; ``--strict`` makes it
exit 2. A malformed matrix is an invalid definition: exit 2, with the JSON path and the line.
"""

from __future__ import annotations

import argparse
import sys

from evalkit.cli.common import check_output, emit, number_in, render
from evalkit.cli.formats import BILINGUAL, output_options
from evalkit.cli.methods_output import json_text
from evalkit.errors import DefinitionError
from evalkit.methods.ahp import AHP_METHODS, LAMBDA_METHODS, RI_TABLES
from evalkit.methods.ahp_report import AhpReport, ahp_from_file

METHOD_TEXT = {"eigen": "特征向量法 principal eigenvector", "geometric": "几何平均法 geometric mean",
               "arithmetic": "算术平均法 column-normalised arithmetic mean"}


def add_commands(sub: argparse._SubParsersAction, plugin_options: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "ahp", help="weights and consistency of an AHP pairwise comparison matrix (层次分析法)",
        description="Weights, lambda_max, CI and CR of a pairwise comparison matrix on the 1-9 scale. FILE is YAML "
                    "or JSON with `matrix` (a square list of lists; numbers or fractions such as \"1/3\") and "
                    "optional `labels`. An inconsistent matrix (CR >= threshold) still gets its weights: exit 0 "
                    "with a warning naming the judgement to revisit (exit 2 with --strict). A malformed matrix "
                    "exits 2 with the JSON path and line.")
    p.add_argument("file", metavar="FILE", help="the matrix file (.yaml, .yml or .json)")
    p.add_argument("--method", choices=AHP_METHODS, default="eigen",
                   help="priority vector: principal eigenvector (default), row geometric mean, or column-normalised row mean")
    p.add_argument("--ri-table", choices=tuple(RI_TABLES), default="saaty",
                   help="random-index table for CR (default saaty: Saaty 1980; saaty_2005 as AHPy, tummala_ling as "
                        "pymcdm, donegan_dodd, alonso_lamata, cn_1000)")
    p.add_argument("--lambda", dest="lambda_method", choices=LAMBDA_METHODS, default="eigen",
                   help="lambda_max: the principal eigenvalue (default) or mean_ratio, mean((Aw)_i / w_i) with the "
                        "method's weights (the sum-product estimate)")
    p.add_argument("--threshold", type=number_in(0, 1, open_low=True), default=0.1,
                   help="CR below this is consistent (default 0.1)")
    p.add_argument("--strict", action="store_true", help="exit 2 when the matrix is not consistent")
    output_options(p, ("table", "json"), lang=BILINGUAL)
    p.set_defaults(handler=cmd_ahp)


def cmd_ahp(args: argparse.Namespace) -> int:
    check_output(args, (args.file,))
    report = ahp_from_file(args.file, method=args.method, ri_table=args.ri_table, threshold=args.threshold,
                           lambda_method=args.lambda_method)
    emit(args, json_text(report.to_dict()) if args.format == "json" else ahp_text(args, report),
         f"{report.n} criteria, format {args.format}")
    if report.warning:
        print(f"evalkit: warning: {report.warning}", file=sys.stderr)
        if args.strict:
            return DefinitionError.exit_code
    return 0


def ahp_text(args: argparse.Namespace, report: AhpReport) -> str:
    """The weights table and the consistency figures."""
    from rich.table import Table
    from rich.text import Text

    result = report.result
    table = Table(title=f"层次分析法 AHP · {report.source}")
    table.add_column("#", justify="right")
    table.add_column("指标 Criterion")
    table.add_column("权重 Weight", justify="right")
    table.add_column("排序 Rank", justify="right")
    ranks = report.ranks.tolist()
    for k, name in enumerate(report.names):
        table.add_row(str(k + 1), Text(name), f"{result.weights[k]:.4f}", str(int(ranks[k])))
    figures = Table.grid(padding=(0, 2))
    figures.add_column()
    figures.add_column(justify="right")
    figures.add_column()
    sign = "<" if result.consistent else ">="
    verdict = "通过一致性检验 consistent" if result.consistent else "未通过一致性检验 NOT consistent"
    figures.add_row("最大特征值 lambda_max", f"{result.lambda_max:.4f}", "")
    figures.add_row("一致性指标 CI", f"{result.ci:.4f}", "(lambda_max - n) / (n - 1)")
    figures.add_row("随机一致性指标 RI", f"{result.ri:.4f}", f"n = {report.n}, table {result.ri_table}: {report.ri_source}")
    figures.add_row("一致性比率 CR", f"{result.cr:.4f}", f"CI / RI {sign} {result.threshold:g}: {verdict}")
    figures.add_row("权重方法 Method", "", METHOD_TEXT[result.method])
    if report.worst is not None:
        figures.add_row("最需复核的判断 Revisit", "", Text(report.worst.describe()))
    return render(args, table, figures)
