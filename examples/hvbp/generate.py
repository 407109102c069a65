"""Generate the HVBP-style example: 24 township health centres, a 2024 baseline and 2025, seeded.

    .venv/bin/python examples/hvbp/generate.py             # rewrites units.csv and data.csv here
    .venv/bin/python examples/hvbp/generate.py --out DIR   # writes them to DIR instead

data.csv holds five measures per centre for both years in long format (2024 is the baseline period,
2025 the performance period). Each centre has a baseline level and a pace of change: most improve a
little, some a lot, a few slip back; 三江口镇卫生院 starts among the weakest and improves fastest (the
case improvement points are for). Three measures are
higher-is-better shares of patients; two are lower-is-better rates (outpatient antibiotic prescriptions,
unplanned readmissions). Same seed, same files, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2011  # the year of CMS's Hospital VBP final rule
YEARS = ("2024", "2025")

TOWNS = ["城关镇", "青石镇", "河口镇", "柳林镇", "白马镇", "龙泉镇", "清溪乡", "石桥镇", "双河镇", "桃源乡", "新华镇", "马鞍山乡",
         "黄土岭镇", "三江口镇", "杨家坪乡", "大兴镇", "永安镇", "长乐乡", "金竹镇", "凤凰镇", "太平乡", "广福镇", "东岳乡", "松林镇"]
TURNAROUND = {"三江口镇": (-1.4, 1.3)}  # a weak 2024 and a strong year since: what improvement points are for
CENTRAL = {"城关镇", "河口镇", "白马镇", "石桥镇", "大兴镇", "凤凰镇"}  # 中心卫生院

# measure: (baseline mean, spread, better direction sign, lowest, highest)
MEASURES = {
    "hypertension_mgmt": (68.0, 9.0, 1, 30.0, 98.0),
    "diabetes_mgmt": (63.0, 10.0, 1, 25.0, 97.0),
    "antibiotic_rx": (24.0, 6.0, -1, 6.0, 50.0),
    "readmission": (5.5, 1.6, -1, 1.0, 12.0),
    "satisfaction": (86.0, 4.0, 1, 65.0, 99.5),
}


def clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def fmt(x: float) -> str:
    text = f"{int(x * 10 + 0.5) / 10:.1f}"
    return text[:-2] if text.endswith(".0") else text


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the HVBP example's units.csv and data.csv.")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: this example's)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    units, rows = [], []
    for k, town in enumerate(TOWNS, 1):
        uid = f"WSY{k:02d}"
        central = town in CENTRAL
        units.append([uid, f"{town}{'中心' if central else ''}卫生院", "中心卫生院" if central else "一般卫生院", ""])
        quality = rng.gauss(0.3 if central else 0, 1)                        # baseline standing, in spreads
        pace = rng.choice((-0.4, -0.2, 0, 0.1, 0.2, 0.3, 0.4, 0.6, 0.9))    # change by 2025, in spreads
        quality, pace = TURNAROUND.get(town, (quality, pace))
        for measure, (mean, spread, sign, lo, hi) in MEASURES.items():
            base = clip(mean + sign * spread * (quality + rng.gauss(0, 0.5)), lo, hi)
            now = clip(base + sign * spread * (pace + rng.gauss(0, 0.25)), lo, hi)
            rows.append([uid, measure, YEARS[0], fmt(base)])
            rows.append([uid, measure, YEARS[1], fmt(now)])
    write(out / "units.csv", ["id", "name", "type", "parent"], units)
    write(out / "data.csv", ["unit", "indicator", "period", "value"], rows)
    print(f"wrote units.csv and data.csv to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
