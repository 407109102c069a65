"""Generate the civil-servant appraisal example: 120 civil servants of nine county organs, 2025, seeded.

    .venv/bin/python examples/civil-servants/generate.py             # rewrites units.csv and data.csv here
    .venv/bin/python examples/civil-servants/generate.py --out DIR   # writes them to DIR instead

units.csv lists the people being appraised (id, name, type: 领导职务 or 职级, parent, 部门: the organ
they belong to, which the "excellent" quota counts in). data.csv holds each person's 2025 values in long
format: the democratic poll (民主测评) on 德、能、勤、廉 (0-100), days absent without leave, the share
of the year's work targets completed, how many quarters the routine appraisal (平时考核) rated "好"
(0-4), and the supervising leader's grade as a code (1 优秀, 2 称职, 3 基本称职, 4 不称职).

Each person has a hidden level p; every value is drawn around it. Then, scored by scorecard.yaml, the
person just below the last "excellent" place of 县财政局 gets the record of the person in that place:
the two tie at the quota's cut and the declared tie rule (`exclude`) moves both down, which the script
checks. adjustments.csv is written by hand, not here. Same seed, same files, byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2019  # the year the Civil Servants Law was last revised
PERIOD = "2025"

ORGANS = [("县委办公室", 14), ("县委组织部", 12), ("县发展和改革局", 16), ("县财政局", 21), ("县教育局", 17),
          ("县人力资源和社会保障局", 15), ("县审计局", 9), ("县统计局", 6), ("县信访局", 10)]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰",
         "霞", "平", "刚", "桂英", "华", "建国", "建华", "志强", "志明", "海燕", "丹", "萍", "鑫", "宇", "浩然", "思远", "晓东",
         "晓燕", "文博", "雅琴", "嘉怡", "子涵", "欣怡", "梓轩", "俊杰", "红梅", "玉兰", "春燕", "立新", "永刚", "国庆", "卫东",
         "亚楠", "晨曦", "佳琪", "雨轩", "晓明", "文静", "海涛", "建军", "丽娟", "慧敏", "振华", "婷婷", "宏伟", "晓丽", "一鸣",
         "志刚", "淑芬", "德明", "少华"]


def names(rng: random.Random, n: int) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in out:
            out.append(name)
    return out


def clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def r1(x: float) -> str:
    text = f"{int(x * 10 + 0.5) / 10:.1f}"
    return text[:-2] if text.endswith(".0") else text


def values(p: float, rng: random.Random) -> dict[str, str]:
    poll = lambda: r1(clip(72 + 26 * p + rng.gauss(0, 3.5), 50, 100))  # noqa: E731
    return {
        "poll_de": poll(),
        "poll_neng": poll(),
        "poll_qin": poll(),
        "poll_lian": r1(clip(84 + 15 * p + rng.gauss(0, 2.5), 60, 100)),
        "absence_days": str(int(clip(rng.expovariate(1.0) * (1.6 - 1.5 * p), 0, 6))),
        "task_completion": r1(clip(82 + 22 * p + rng.gauss(0, 4), 50, 100)),
        "routine_good": str(int(clip(round(4 * p + rng.gauss(0, 0.7)), 0, 4))),
        "leader_grade": str(1 if p + rng.gauss(0, 0.1) > 0.78 else 2 if p > 0.25 else 3 if p > 0.1 else 4),
    }


ORDER = ["poll_de", "poll_neng", "poll_qin", "poll_lian", "absence_days", "task_completion", "routine_good",
         "leader_grade"]


TIE_ORGAN = "县财政局"


def write_data(out: Path, people, data) -> None:
    write(out / "data.csv", ["unit", "indicator", "period", "value"],
          [[pid, ind, PERIOD, data[pid][ind]] for pid, *_ in people for ind in ORDER])


def scores(out: Path) -> dict[str, tuple[float, str]]:
    """(total, grade) per person, as evalkit scores the files just written (no adjustments)."""
    import evalkit

    scorecard = evalkit.load_scorecard(HERE / "scorecard.yaml")
    units = evalkit.load_units(out / "units.csv", scorecard.registry)
    result = evalkit.evaluate(scorecard, evalkit.load_data(out / "data.csv", units, scorecard)).to_dict()
    return {u["id"]: (u["total"], u["grade"]) for u in result["units"]}


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the civil-servant example's units.csv and data.csv.")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: this example's)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    naming = random.Random(SEED + 1)  # names have their own stream: renaming never changes the values
    people = []
    for organ, size in ORGANS:
        for k, name in enumerate(names(naming, size)):
            kind = "领导职务" if k < 2 else "职级"
            people.append((f"GWY{len(people) + 1:03d}", name, kind, organ))
    level = {pid: rng.betavariate(3.2, 1.6) for pid, *_ in people}
    data = {pid: values(level[pid], rng) for pid, *_ in people}
    write(out / "units.csv", ["id", "name", "type", "parent", "部门"], [[pid, n, k, "", o] for pid, n, k, o in people])
    write_data(out, people, data)
    # A tie at the cut: in 县财政局 the person just below the quota's last place gets the record of the
    # person in that place, so both have the same total and the tie rule decides.
    finance = [pid for pid, _, _, organ in people if organ == TIE_ORGAN]
    totals = scores(out)
    ranked = sorted(finance, key=lambda pid: -totals[pid][0])
    places = len(finance) // 5  # 20 %, rounded down
    last, next_one = ranked[places - 1], ranked[places]
    data[next_one] = dict(data[last])
    write_data(out, people, data)
    totals = scores(out)
    excellent = [pid for pid in finance if totals[pid][1] == "excellent"]
    assert totals[last] == totals[next_one] and len(excellent) == places - 1, (totals[last], excellent)
    print(f"wrote units.csv and data.csv to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
