"""The baseline of bench_files.py: what a user would write with polars and numpy for `evalkit run`.

    baseline_files.py SCORECARD --data FILE --units UNITS --format csv|json -o OUT

Reads the units (CSV) and the data (a long CSV or Parquet file: unit, indicator, period, value; or a
wide Parquet file: a unit column and a column per indicator) with polars, keeps the rows of period
2025, pivots long rows into one column per indicator, aligns the rows with the units' order, scores
with the numpy computation of bench_scoring.py (the same rules, half-up rounding, ranks and grades) and
writes the summary evalkit writes: for csv rank, id, name, dimension scores, total and grade, by rank;
for json an array of per-unit records with rank, total, grade, every (sub-)dimension score and every
item's value, points, weight and score. SCORECARD is not read: the scorecard is bench_scoring's builder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scoring import BANDS, build_scorecard, round_half_up


def rounded(x: np.ndarray) -> np.ndarray:
    """Half up at 2 decimals into a new array."""
    return round_half_up(x, np.empty_like(x, dtype=np.float64))


def read_values(data: str, ids: pl.Series, indicators: list[str]) -> dict[str, np.ndarray]:
    """One float64 array per indicator, aligned with the units (NaN where no value)."""
    frame = pl.read_parquet(data) if data.endswith(".parquet") else pl.read_csv(
        data, schema_overrides={"unit": pl.String, "indicator": pl.String, "period": pl.String, "value": pl.Float64})
    if "indicator" in frame.columns:  # long: pivot
        if "period" in frame.columns:
            frame = frame.filter(pl.col("period").cast(pl.String) == "2025")
        frame = frame.pivot(on="indicator", index="unit", values="value")
    aligned = pl.DataFrame({"unit": ids}).join(frame, on="unit", how="left", maintain_order="left")
    return {k: aligned[k].to_numpy().astype(np.float64) for k in indicators}


def scores(sc: dict, columns: dict[str, np.ndarray]):  # type: ignore[no-untyped-def]
    """bench_scoring.numpy_scores, also keeping every item's points and score (for the JSON summary)."""
    directions = {i["id"]: i["direction"] for i in sc["indicators"]}
    dim_total = float(sum(d["weight"] for d in sc["dimensions"]))
    n = len(next(iter(columns.values())))
    dims: dict[str, np.ndarray] = {}
    items: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, float]] = {}
    top = []
    for dim in sc["dimensions"]:
        dim_share = 100.0 * dim["weight"] / dim_total
        subs = dim["children"]
        sub_amounts = [s.get("weight", sum(c.get("max_points", 0) for c in s["children"])) for s in subs]
        dim_acc = np.zeros(n)
        for sub, amount in zip(subs, sub_amounts):
            sub_share = dim_share * amount / float(sum(sub_amounts))
            amounts = [c.get("weight", c.get("max_points")) for c in sub["children"]]
            sub_acc = np.zeros(n)
            for item, amount_i in zip(sub["children"], amounts):
                v = columns[item["indicator"]]
                m = float(item.get("max_points", 100.0))
                rule, p = item["rule"]["name"], item["rule"]["params"]
                if rule == "linear":
                    slope = m / (p["upper"] - p["lower"])
                    if directions[item["indicator"]] == "higher":
                        pts = np.clip(v * slope + (-p["lower"] * slope), 0.0, m)
                    else:
                        pts = np.clip(v * -slope + p["upper"] * slope, 0.0, m)
                elif rule == "tiers":
                    tiers = sorted(p["tiers"], key=lambda t: t["threshold"])
                    table = np.array([0.0] + [t["points"] for t in tiers])
                    pts = table[np.searchsorted([t["threshold"] for t in tiers], v, side="right")]
                elif rule == "target":
                    pts = np.minimum(v / p["target"], 1.0) * m
                else:
                    pts = m - np.minimum(v * p["per_event"], p["cap"])
                if np.isnan(v).any():
                    pts = np.where(np.isnan(v), 0.0, pts)
                pts = rounded(pts)
                weight = sub_share * amount_i / float(sum(amounts))
                score = rounded(pts * (weight / m))
                items[item["id"]] = (v, pts, score, weight)
                sub_acc += score
                dim_acc += score
            dims[sub["id"]] = rounded(sub_acc)
        dims[dim["id"]] = rounded(dim_acc)
        top.append(dims[dim["id"]])
    totals = rounded(np.sum(top, axis=0))
    order = np.argsort(-totals, kind="stable")
    sorted_totals = totals[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = sorted_totals[1:] != sorted_totals[:-1]
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.maximum.accumulate(np.where(new_group, np.arange(1, n + 1), 0))
    mins = np.array(sorted(m for m, _ in BANDS), dtype=np.float64)
    grades = len(BANDS) - np.searchsorted(mins, totals, side="right")
    return totals, dims, items, ranks, grades, order


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("scorecard")
    parser.add_argument("--data", required=True)
    parser.add_argument("--units", required=True)
    parser.add_argument("--format", default="csv")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    sc = build_scorecard()
    units = pl.read_csv(args.units, schema_overrides={"id": pl.String, "name": pl.String})
    indicators = [i["id"] for i in sc["indicators"]]
    columns = read_values(args.data, units["id"], indicators)
    totals, dims, items, ranks, grades, order = scores(sc, columns)
    labels = np.array([g for _, g in BANDS])
    top = [d["id"] for d in sc["dimensions"]]
    if args.format == "csv":
        frame = pl.DataFrame({"Rank": ranks[order], "ID": units["id"].gather(order), "Unit": units["name"].gather(order),
                              **{d["name"]: dims[d["id"]][order] for d in sc["dimensions"] if d["id"] in top},
                              "Total": totals[order], "Grade": labels[grades[order]]})
        frame.write_csv(args.output, float_precision=2, include_bom=True)
    else:
        frame = pl.DataFrame({
            "id": units["id"], "name": units["name"], "rank": ranks, "total": totals, "grade": labels[grades],
            "dimensions": pl.DataFrame(dims).to_struct(),
            "items": pl.DataFrame({k: pl.DataFrame({"value": v, "points": p, "weight": np.full(len(v), w), "score": s}).to_struct()
                                   for k, (v, p, s, w) in items.items()}).to_struct(),
        }).gather(order)
        frame.write_json(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
