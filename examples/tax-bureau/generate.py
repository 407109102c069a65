"""Generate the tax-bureau example's raw records: twelve branches (税务分局), 2025, seeded.

    .venv/bin/python examples/tax-bureau/generate.py             # rewrites units.csv, records/ and service-2025.csv
    .venv/bin/python examples/tax-bureau/generate.py --out DIR   # writes them to DIR instead

The records are what the bureau's systems export and the evalkit-tax plugin reads
(plugins/evalkit-tax/README.md): the monthly revenue report (records/revenue.csv: unit, month,
forecast, actual, in 10,000 yuan, December 2024 to December 2025), the annual plans
(records/plans.csv), the arrears ledger (records/arrears.csv: opening and closing balance per year) and
the enforcement-error ledger (records/enforcement_errors.csv). service-2025.csv holds the one indicator
the plugin does not compute, the third-party taxpayer satisfaction survey, in long format.

tax-2025.csv is not written here: the plugin computes it from records/ (`python -m evalkit_tax`, see
README.md). Same seed, same files, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 1994  # the year of the tax-sharing reform (分税制)
YEAR = 2025

BRANCHES = [  # (id, name, type)
    ("S01", "城东税务分局", "城区分局"), ("S02", "城西税务分局", "城区分局"), ("S03", "城南税务分局", "城区分局"),
    ("S04", "经济开发区税务分局", "园区分局"), ("S05", "高新技术产业园区税务分局", "园区分局"),
    ("S06", "青石镇税务分局", "乡镇分局"), ("S07", "河口镇税务分局", "乡镇分局"), ("S08", "柳林镇税务分局", "乡镇分局"),
    ("S09", "白马镇税务分局", "乡镇分局"), ("S10", "龙泉镇税务分局", "乡镇分局"), ("S11", "清溪乡税务分局", "乡镇分局"),
    ("S12", "第一税务所（办税服务厅）", "税务所"),
]
FINDINGS = ["处罚依据引用错误", "未履行告知程序", "超期办结", "复议撤销", "证据不足", "文书送达不规范", "自由裁量不当"]


def write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the tax-bureau example's units, records and service survey.")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: this example's)")
    out = parser.parse_args(argv).out
    rng = random.Random(SEED)
    revenue, plans, arrears, errors, service = [], [], [], [], []
    for uid, _, kind in BRANCHES:
        size = {"城区分局": 900, "园区分局": 1500, "乡镇分局": 260, "税务所": 420}[kind] * rng.uniform(0.7, 1.3)
        skill = rng.uniform(0.01, 0.12)           # how far off the branch's monthly forecasts typically are
        effort = rng.uniform(0.82, 1.12)          # revenue collected against the plan
        monthly = size / 12
        total = 0
        for month in ["2024-12"] + [f"{YEAR}-{m:02d}" for m in range(1, 13)]:
            actual = round(monthly * effort * rng.uniform(0.8, 1.2), 1)
            forecast = round(actual * (1 + rng.choice((-1, 1)) * abs(rng.gauss(0, skill))), 1)
            revenue.append([uid, month, forecast, actual])
            if month.startswith(str(YEAR)):
                total += actual
        plans.append([uid, YEAR - 1, round(size * rng.uniform(0.9, 1.0))])
        plans.append([uid, YEAR, round(size)])
        opening = 0 if kind == "税务所" else round(rng.uniform(40, 600))  # the office holds no arrears of its own
        closing = round(opening * rng.uniform(0.55, 1.25))
        arrears.append([uid, YEAR, opening, closing])
        for _ in range(min(4, int(rng.expovariate(1.4)))):
            day = f"{YEAR}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            errors.append([uid, day, "", rng.choice(FINDINGS)])
        service.append([uid, "taxpayer_satisfaction", YEAR, f"{rng.uniform(82, 99.5):.1f}"])
    errors.sort(key=lambda r: (r[1], r[0]))
    for number, row in enumerate(errors, 1):  # case numbers in date order
        row[2] = f"税执督〔{YEAR}〕{number:02d}号"
    errors.insert(0, ["S02", f"{YEAR - 1}-11-20", f"税执督〔{YEAR - 1}〕17号", "处罚依据引用错误"])  # last year's: not counted
    write(out / "units.csv", ["id", "name", "type", "parent"], [[u, n, k, ""] for u, n, k in BRANCHES])
    write(out / "records" / "revenue.csv", ["unit", "month", "forecast", "actual"], revenue)
    write(out / "records" / "plans.csv", ["unit", "year", "plan"], plans)
    write(out / "records" / "arrears.csv", ["unit", "year", "opening", "closing"], arrears)
    write(out / "records" / "enforcement_errors.csv", ["unit", "date", "case", "finding"], errors)
    write(out / "service-2025.csv", ["unit", "indicator", "period", "value"], service)
    print(f"wrote units.csv, records/ and service-2025.csv to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
