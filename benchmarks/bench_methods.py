"""`evalkit rank` (saw, topsis, vikor, grey) and `evalkit review` against polars + numpy scripts writing the same CSV.

    .venv/bin/python benchmarks/bench_methods.py --sizes 100000,1000000 --ballots 200000 --rounds 3

Each contender is a command measured by `harness.in_command` (wall time and peak RSS of that process
alone), paired and interleaved by `harness.paired`, medians of the rounds:

- rank: a wide CSV of N units x 8 criteria (unit, name, c1..c8; values with two decimals), ranked with equal
  weights by ``evalkit rank DATA --method M --weights ... --format csv -o OUT``. The baseline
  (``--baseline-rank``, this file) reads the CSV with polars, computes the method in numpy with evalkit's
  conventions (default normalisation, v = 0.5, rho = 0.5, competition ranks, ties by unit id) and writes the
  same table with polars' CSV writer (BOM, CRLF; its numbers are the same floats, written by polars).
- review: ``evalkit review examples/reviews/review.yaml --ballots B --units U --format csv -o OUT`` on B ballots
  for B/100 units (5 leaders with a trimmed mean, 47 members with a mean and an excellent quota of a third,
  48 public raters with satisfaction words). The baseline (``--baseline-review``) reads the ballots with
  polars, voids the ballots over the quota, aggregates, re-weights, rounds half up and writes the same
  long-format CSV.

After the rounds the two outputs are compared: the same units in the same order with the same ranks, and
the scores equal within 1e-12 relative (rank) or exactly (review). The goal is evalkit within 2x of the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Paired, in_command, markdown_table, mib, paired, seconds_text, verdict

ROOT = Path(__file__).resolve().parent.parent
EVALKIT = str(Path(sys.executable).parent / "evalkit")
METHODS = ("topsis", "saw", "vikor", "grey")
CRITERIA = 8
GOAL = 2.0
REVIEW = ROOT / "examples" / "reviews" / "review.yaml"
CATEGORIES = {"非常满意": 100.0, "满意": 80.0, "基本满意": 60.0, "不太满意": 30.0, "不满意": 0.0}


# ------------------------------------------------------------------------------------------------
# Inputs


def write_matrix(path: Path, n: int, seed: int = 1) -> None:
    import polars as pl

    rng = np.random.default_rng(seed)
    columns = {"unit": [f"U{i:07d}" for i in range(n)], "name": [f"单位{i}" for i in range(n)]}
    for j in range(CRITERIA):
        columns[f"c{j + 1}"] = np.round(rng.uniform(0, 100, n), 2)
    pl.DataFrame(columns).write_csv(path)


def write_ballots(folder: Path, ballots: int, seed: int = 2) -> tuple[Path, Path]:
    import polars as pl

    n = max(ballots // 100, 1)
    rng = np.random.default_rng(seed)
    ids = np.array([f"U{i:06d}" for i in range(n)], dtype=object)
    units = folder / f"units_{ballots}.csv"
    pl.DataFrame({"id": ids, "name": [f"单位{i}" for i in range(n)], "type": ["organ"] * n}).write_csv(units)
    parts = []
    for group, prefix, raters in (("领导点评", "L", 5), ("党员互评", "M", 47), ("群众评议", "P", 48)):
        rater = np.repeat(np.array([f"{prefix}{r}" for r in range(raters)], dtype=object), n)
        unit = np.tile(ids, raters)
        if group == "群众评议":
            score = [""] * (raters * n)
            grade = np.array(list(CATEGORIES), dtype=object)[rng.integers(0, 5, raters * n)].tolist()
        else:
            score = rng.integers(60, 100, raters * n).astype(str).tolist()
            grade = [""] * (raters * n)
        parts.append(pl.DataFrame({"评议组": [group] * (raters * n), "评议人": rater, "评议人单位": [""] * (raters * n),
                                   "被评单位": unit, "分数": score, "等次": grade}))
    path = folder / f"ballots_{ballots}.csv"
    pl.concat(parts).write_csv(path)
    return path, units


# ------------------------------------------------------------------------------------------------
# Baselines (run as commands: python bench_methods.py --baseline-...)


def competition_rank(score: np.ndarray, higher: bool) -> np.ndarray:
    key = -score if higher else score
    order = np.argsort(key, kind="stable")
    k = key[order]
    new = np.r_[True, k[1:] != k[:-1]]
    first = np.maximum.accumulate(np.where(new, np.arange(k.size), 0))
    rank = np.empty(k.size, dtype=np.int64)
    rank[order] = first + 1
    return rank


def minmax(X: np.ndarray) -> np.ndarray:
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = hi - lo
    flat = span == 0
    out = (X - lo) * np.where(flat, 0.0, 1.0 / np.where(flat, 1.0, span))
    return out + np.where(flat, 1.0, 0.0) + 0.0


def rank_baseline(data: str, method: str, out: str) -> None:
    import polars as pl

    df = pl.read_csv(data, schema_overrides={"unit": pl.String, "name": pl.String})
    units, names = df["unit"].to_numpy().astype(object), df["name"].to_numpy().astype(object)
    X = np.ascontiguousarray(df.select(pl.exclude("unit", "name")).to_numpy(), dtype=np.float64)
    m = X.shape[1]
    w = np.full(m, 1.0 / m)
    extras: list[np.ndarray] = []
    higher = True
    if method == "saw":
        score = minmax(X) @ w
    elif method == "topsis":
        V = X / np.sqrt(np.einsum("ij,ij->j", X, X))
        V *= w
        d_best = np.sqrt(np.einsum("ij,ij->i", V - V.max(axis=0), V - V.max(axis=0)))
        d_worst = np.sqrt(np.einsum("ij,ij->i", V - V.min(axis=0), V - V.min(axis=0)))
        total = d_best + d_worst
        score = np.where(d_best == 0, 1.0, d_worst / np.where(d_best == 0, 1.0, total))
        extras = [d_best, d_worst]
    elif method == "vikor":
        best, span = X.max(axis=0), X.max(axis=0) - X.min(axis=0)
        D = (X - best) * (-w / span)
        s, r = D.sum(axis=1), D.max(axis=1)
        score = 0.5 * ((s - s.min()) / (s.max() - s.min())) + 0.5 * ((r - r.min()) / (r.max() - r.min()))
        extras, higher = [s, r], False
    else:
        delta = 1.0 - minmax(X)
        d_min, d_max = delta.min(), delta.max()
        score = ((d_min + 0.5 * d_max) / (delta + 0.5 * d_max)) @ w
    rank = competition_rank(score, higher)
    order = np.lexsort((units.astype(str), rank))
    header = {"topsis": ["d_best", "d_worst"], "vikor": ["s", "r"]}.get(method, [])
    table = {"rank": rank[order], "unit": units[order], "name": names[order]}
    table |= {key: f[order] + 0.0 for key, f in zip(["score", *header], [score, *extras])}
    pl.DataFrame(table).write_csv(out, include_bom=True, line_terminator="\r\n")


def half_up(x: np.ndarray) -> np.ndarray:
    scaled = np.round(x * 100.0, 6)
    return np.copysign(np.floor(np.abs(scaled) + 0.5), scaled) / 100.0 + 0.0


def review_baseline(ballots: str, units_path: str, out: str) -> None:
    import polars as pl

    units = pl.read_csv(units_path, schema_overrides={"id": pl.String})["id"].to_list()
    index = {u: k for k, u in enumerate(units)}
    df = pl.read_csv(ballots, schema_overrides={"评议人": pl.String, "被评单位": pl.String, "分数": pl.Float64, "等次": pl.String})
    n = len(units)
    df = df.with_columns(pl.col("被评单位").replace_strict(index, return_dtype=pl.Int64).alias("u"))
    values = np.full((n, 3), np.nan)
    counts = np.zeros((n, 3), dtype=np.int64)
    # leaders: trimmed mean (one highest and one lowest dropped), plain mean below 3 ballots
    lead = df.filter(pl.col("评议组") == "领导点评").group_by("u").agg(
        pl.col("分数").sum().alias("s"), pl.col("分数").min().alias("lo"), pl.col("分数").max().alias("hi"), pl.len().alias("n"))
    u, s, lo, hi, c = (lead[k].to_numpy() for k in ("u", "s", "lo", "hi", "n"))
    values[u, 0] = np.where(c >= 3, (s - lo - hi) / np.maximum(c - 2, 1), s / c)
    counts[u, 0] = c
    # members: ballots with more than a third of their units excellent (>= 90) are void; then the mean
    members = df.filter(pl.col("评议组") == "党员互评")
    per = members.group_by("评议人").agg(pl.len().alias("rated"), (pl.col("分数") >= 90).sum().alias("excellent"))
    void = per.filter(pl.col("excellent") > pl.col("rated") // 3)["评议人"]
    kept = members.filter(~pl.col("评议人").is_in(void.implode())).group_by("u").agg(pl.col("分数").sum().alias("s"), pl.len().alias("n"))
    u, s, c = (kept[k].to_numpy() for k in ("u", "s", "n"))
    values[u, 1], counts[u, 1] = s / c, c
    # public: satisfaction words scored 100/80/60/30/0, the mean
    public = df.filter(pl.col("评议组") == "群众评议").with_columns(pl.col("等次").replace_strict(CATEGORIES, return_dtype=pl.Float64).alias("v"))
    pub = public.group_by("u").agg(pl.col("v").sum().alias("s"), pl.len().alias("n"))
    u, s, c = (pub[k].to_numpy() for k in ("u", "s", "n"))
    values[u, 2], counts[u, 2] = s / c, c
    values[counts < np.array([2, 3, 3])] = np.nan
    available = ~np.isnan(values)
    used = np.where(available, np.array([0.3, 0.3, 0.4]), 0.0)
    total = used.sum(axis=1, keepdims=True)
    weights = np.divide(used, total, out=np.zeros_like(used), where=total > 0)
    score = np.where(total[:, 0] > 0, (np.where(available, values, 0.0) * weights).sum(axis=1), np.nan)
    table = half_up(np.column_stack([score, values]))
    names = ["review_score", "review_score.leaders", "review_score.members", "review_score.public"]
    text = [str(int(v)) if float(v).is_integer() else repr(v) for v in table.ravel().tolist()]
    lines = ["unit,indicator,period,value"]
    lines += [f"{units[i // 4]},{names[i % 4]},2025,{t}" for i, t in enumerate(text) if not np.isnan(table.flat[i])]
    Path(out).write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8", newline="")


# ------------------------------------------------------------------------------------------------
# Comparing the outputs


def read_output(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text(encoding="utf-8-sig").splitlines()]


def same_ranking(a: Path, b: Path) -> None:
    ours, theirs = read_output(a), read_output(b)
    assert ours[0] == theirs[0] and len(ours) == len(theirs), "header or length differs"
    assert [r[:3] for r in ours] == [r[:3] for r in theirs], "ranks, units or names differ"
    x = np.array([[float(c) for c in r[3:]] for r in ours[1:]])
    y = np.array([[float(c) for c in r[3:]] for r in theirs[1:]])
    assert np.allclose(x, y, rtol=1e-12, atol=1e-15), f"scores differ by up to {np.abs(x - y).max()}"


def same_review(a: Path, b: Path) -> None:
    assert read_output(a) == read_output(b), "the review rows differ"


# ------------------------------------------------------------------------------------------------


def row(label: str, size: int, result: Paired, ours: str, base: str) -> list[str]:
    ratio, memory = result.ratio(ours, base), result.memory_ratio(ours, base)
    return [label, f"{size:,}", seconds_text(result.seconds(ours)), seconds_text(result.seconds(base)), f"{ratio:.2f}",
            mib(result.peak(ours)), mib(result.peak(base)), f"{memory:.2f}", verdict(ratio, GOAL)]


def commands(ours: list[str], baseline: list[str], rounds: int) -> Paired:
    """evalkit's command and the baseline's, paired and interleaved."""
    env = {"EVALKIT_MAX_FILE_MB": "1024"}  # the inputs at 10^6 units are over the default 64 MB limit
    return paired({"evalkit": lambda: in_command(ours, env=env), "baseline": lambda: in_command(baseline)}, rounds=rounds)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--baseline-rank":
        rank_baseline(*sys.argv[2:5])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--baseline-review":
        review_baseline(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000", help="units of the rank matrices, comma-separated (default 100000)")
    parser.add_argument("--methods", default=",".join(METHODS), help="rank methods (default all four)")
    parser.add_argument("--ballots", default="200000", help="ballots of the reviews, comma-separated; 0 for none")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", help="where the generated inputs go (default a temporary folder)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.folder or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        me = os.path.abspath(__file__)
        for size in (int(s) for s in args.sizes.split(",") if s and int(s) > 0):
            data = folder / f"matrix_{size}.csv"
            if not data.exists():
                write_matrix(data, size)
            weights = ",".join(["1"] * CRITERIA)
            for method in args.methods.split(","):
                ours, theirs = folder / f"evalkit_{method}.csv", folder / f"baseline_{method}.csv"
                result = commands([EVALKIT, "rank", str(data), "--method", method, "--weights", weights, "--normalize-weights",
                                   "--format", "csv", "-o", str(ours)],
                                  [sys.executable, me, "--baseline-rank", str(data), method, str(theirs)], args.rounds)
                same_ranking(ours, theirs)
                rows.append(row(f"rank --method {method}", size, result, "evalkit", "baseline"))
        for ballots in (int(b) for b in args.ballots.split(",") if b and int(b) > 0):
            path, units = write_ballots(folder, ballots)
            ours, theirs = folder / "evalkit_review.csv", folder / "baseline_review.csv"
            result = commands([EVALKIT, "review", str(REVIEW), "--ballots", str(path), "--units", str(units), "--format", "csv",
                               "-o", str(ours)],
                              [sys.executable, me, "--baseline-review", str(path), str(units), str(theirs)], args.rounds)
            same_review(ours, theirs)
            rows.append(row("review", ballots, result, "evalkit", "baseline"))
    print(markdown_table(["work", "size", "evalkit", "polars + numpy", "ratio", "evalkit peak", "baseline peak",
                          "memory ratio", f"goal {GOAL:g}x"], rows))


if __name__ == "__main__":
    main()
