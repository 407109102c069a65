"""Generate the party-building example: 254 county organisations, their 2025 records and ballots.

    .venv/bin/python examples/party-building/generate.py             # rewrites the files next to it
    .venv/bin/python examples/party-building/generate.py --out DIR   # writes them to DIR instead

Writes units.csv (id, name, type, parent, 部门), data.csv (long format, 2025), ballots.csv (the
three rater groups of review.yaml) and adjustments.csv (bonus, deductions and vetoes with reasons,
evidence and authorities). review.csv is not written here: `evalkit review` makes it from ballots.csv
(see README.md). Everything is drawn from one seeded random.Random, so the same seed writes the same
files byte for byte.

How the values are drawn: every organisation has a hidden quality q (beta-distributed, most units
fair to good, a few weak ones); each record is drawn around what a unit of that quality would keep in
its ledger (台账): meetings held out of the 32 the official cadence asks for (members' meeting and party
lesson each quarter, committee and group meetings each month), theme days out of 12, dues months paid
on time and in full out of members x 12, study hours against the 32-hour minimum (56 for secretaries and
committee members), recruitment against plan, and so on. Ballots follow the same q with rater noise.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 2025
PERIOD = "2025"
TARGET_UNITS = 254

# County organs (部门), their kind (unit type) and how many party organisations each holds.
DEPARTMENTS = [
    ("县委办公室", "党委部门", 3), ("县委组织部", "党委部门", 2), ("县委宣传部", "党委部门", 2),
    ("县委统战部", "党委部门", 2), ("县委政法委员会", "党委部门", 2), ("县纪委监委机关", "党委部门", 4),
    ("县委机构编制委员会办公室", "党委部门", 1), ("县委党校", "党委部门", 2), ("县委巡察办", "党委部门", 1),
    ("县委老干部局", "党委部门", 2), ("县委网信办", "党委部门", 1), ("县委政策研究室", "党委部门", 1),
    ("县委社会工作部", "党委部门", 1), ("县委县直机关工委", "党委部门", 1), ("县委党史研究室", "党委部门", 1),
    ("县人大常委会机关", "人大政协机关", 2), ("县政协机关", "人大政协机关", 2),
    ("县人民政府办公室", "政府部门", 3), ("县发展和改革局", "政府部门", 3), ("县教育局", "政府部门", 4),
    ("县科技和工业信息化局", "政府部门", 2), ("县公安局", "政府部门", 8), ("县民政局", "政府部门", 3),
    ("县司法局", "政府部门", 4), ("县财政局", "政府部门", 4), ("县人力资源和社会保障局", "政府部门", 4),
    ("县自然资源局", "政府部门", 5), ("县住房和城乡建设局", "政府部门", 4), ("县交通运输局", "政府部门", 4),
    ("县水利局", "政府部门", 4), ("县农业农村局", "政府部门", 6), ("县商务局", "政府部门", 2),
    ("县文化广电和旅游局", "政府部门", 4), ("县卫生健康局", "政府部门", 3), ("县退役军人事务局", "政府部门", 2),
    ("县应急管理局", "政府部门", 3), ("县审计局", "政府部门", 2), ("县市场监督管理局", "政府部门", 6),
    ("县统计局", "政府部门", 1), ("县医疗保障局", "政府部门", 2), ("县林业局", "政府部门", 4),
    ("县城市管理局", "政府部门", 3), ("县行政审批服务局", "政府部门", 2), ("县信访局", "政府部门", 1),
    ("县机关事务服务中心", "政府部门", 2), ("县政务服务和大数据管理局", "政府部门", 2),
    ("县生态环境分局", "政府部门", 3), ("县税务局", "政府部门", 6), ("县人民法院", "政府部门", 5),
    ("县人民检察院", "政府部门", 4), ("县乡村振兴局", "政府部门", 2), ("县消防救援大队", "政府部门", 2),
    ("县气象局", "政府部门", 1),
    ("县总工会", "群团组织", 2), ("共青团县委", "群团组织", 1), ("县妇女联合会", "群团组织", 1),
    ("县科学技术协会", "群团组织", 1), ("县工商业联合会", "群团组织", 1), ("县残疾人联合会", "群团组织", 1),
    ("县文学艺术界联合会", "群团组织", 1), ("县红十字会", "群团组织", 1), ("县归国华侨联合会", "群团组织", 1),
    ("县人民医院", "事业单位", 8), ("县中医院", "事业单位", 5), ("县妇幼保健院", "事业单位", 3),
    ("县疾病预防控制中心", "事业单位", 3), ("县第一中学", "事业单位", 6), ("县第二中学", "事业单位", 5),
    ("县第三中学", "事业单位", 4), ("县职业中等专业学校", "事业单位", 4), ("县实验小学", "事业单位", 3),
    ("县城关第一小学", "事业单位", 2), ("县融媒体中心", "事业单位", 3), ("县档案馆", "事业单位", 1),
    ("县图书馆", "事业单位", 1), ("县公共资源交易中心", "事业单位", 1), ("县社会保险事业服务中心", "事业单位", 2),
    ("县农业技术推广中心", "事业单位", 3), ("县水利工程管理站", "事业单位", 2), ("县不动产登记中心", "事业单位", 2),
    ("县公共就业服务中心", "事业单位", 2), ("县供销合作社联合社", "事业单位", 3), ("县机关幼儿园", "事业单位", 1),
    ("县教师发展中心", "事业单位", 1), ("县救助管理站", "事业单位", 1), ("县粮食和物资储备中心", "事业单位", 2),
    ("县交通运输综合行政执法大队", "事业单位", 2), ("县文化市场综合执法大队", "事业单位", 1),
    ("县国有资产事务中心", "事业单位", 1), ("县中心血站", "事业单位", 1), ("县体育中心", "事业单位", 1),
    ("县殡葬管理所", "事业单位", 1), ("县住房公积金管理中心", "事业单位", 1),
    ("县自来水公司", "国有企业", 3), ("县城投集团", "国有企业", 5), ("县农业发展投资公司", "国有企业", 3),
    ("县粮食储备库", "国有企业", 2), ("县公共交通公司", "国有企业", 3), ("县文化旅游投资公司", "国有企业", 2),
]
BRANCHES = ["机关第一党支部", "机关第二党支部", "机关第三党支部", "离退休干部党支部", "所属事业单位党支部",
            "综合党支部", "业务一科室党支部", "业务二科室党支部"]
SPECIAL = {
    "县公安局": ["机关党委", "交通警察大队党支部", "刑事侦查大队党支部", "治安管理大队党支部", "城关派出所党支部",
             "特巡警大队党支部", "看守所党支部", "离退休民警党支部"],
    "县人民医院": ["党委", "内科党支部", "外科党支部", "医技党支部", "护理党支部", "行政后勤党支部", "急诊党支部",
              "离退休党支部"],
    "县第一中学": ["党委", "高一年级党支部", "高二年级党支部", "高三年级党支部", "行政后勤党支部", "离退休教师党支部"],
    "县第二中学": ["党总支", "初中部党支部", "高中部党支部", "行政后勤党支部", "离退休教师党支部"],
    "县税务局": ["机关党委", "第一税务分局党支部", "第二税务分局党支部", "稽查局党支部", "办税服务厅党支部",
             "离退休干部党支部"],
    "县人民法院": ["机关党委", "刑事审判庭党支部", "民事审判庭党支部", "执行局党支部", "城关人民法庭党支部"],
    "县人民检察院": ["机关党委", "第一检察部党支部", "第二检察部党支部", "综合业务党支部"],
    "县中医院": ["党总支", "临床党支部", "医技党支部", "护理党支部", "行政后勤党支部"],
    "县城投集团": ["党委", "机关党支部", "工程建设公司党支部", "资产运营公司党支部", "物业公司党支部"],
}

LEADERS = 7          # 领导点评: county and work-committee leaders, each rates every organisation
MEMBER_RATED = 12    # 党员互评: one member representative per organisation rates 12 others
PUBLIC_BALLOTS = 10  # 群众评议: service users per organisation


def organisations() -> list[dict]:
    rows = []
    for dept, kind, n in DEPARTMENTS:
        names = [f"{dept}党支部"] if n == 1 else [f"{dept}{b}" for b in SPECIAL.get(dept, BRANCHES)[:n]]
        rows += [{"name": name, "type": kind, "部门": dept} for name in names]
    if len(rows) != TARGET_UNITS:
        raise SystemExit(f"the department list makes {len(rows)} organisations, not {TARGET_UNITS}")
    for k, row in enumerate(rows, 1):
        row["id"] = f"DZ{k:03d}"
    return rows


def clip(x: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, x))


def r1(x: float) -> str:
    """One decimal, half up, without a trailing .0."""
    text = f"{int(x * 10 + 0.5) / 10:.1f}"
    return text[:-2] if text.endswith(".0") else text


def records(unit: dict, q: float, rng: random.Random) -> dict[str, str]:
    """The unit's 2025 ledger values; an indicator left out has no record (the item's missing policy applies)."""
    out: dict[str, str] = {}
    held = round(32 * clip(0.55 + 0.42 * q + rng.gauss(0, 0.06), 0.4, 1.0))
    out["meetings_rate"] = r1(held / 32 * 100)
    out["theme_days"] = str(int(clip(round(6 + 6 * q + rng.gauss(0, 1)), 4, 12)))
    out["review_meeting_held"] = "1" if rng.random() < 0.85 + 0.15 * q else "0"
    out["ideology_check"] = "1" if rng.random() < 0.8 + 0.2 * q else "0"
    members = rng.randint(6, 45)
    late = max(0, round(rng.expovariate(1.0) * (1.6 - 1.4 * q) * members / 12))
    out["dues_on_time"] = r1((members * 12 - min(late, members * 3)) / (members * 12) * 100)
    plan = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
    if plan:  # units without a plan have no records: the item is reweighted
        out["recruitment_plan"] = str(plan)
        out["recruitment"] = str(min(plan + 1, max(0, round(plan * clip(q + rng.gauss(0.15, 0.3), 0, 1.3)))))
    out["missed_meetings"] = str(int(rng.expovariate(1.0) * (5 - 4.5 * q) + 0.5))
    out["ledger_score"] = r1(clip(72 + 28 * q + rng.gauss(0, 4), 55, 100))
    out["service_rate"] = r1(clip(78 + 22 * q + rng.gauss(0, 4), 60, 100))
    out["community_service"] = r1(clip(1 + 4 * q + rng.gauss(0, 0.8), 0, 8))
    out["study_hours"] = r1(clip(20 + 14 * q + rng.gauss(0, 3), 12, 48))
    out["cadre_study_hours"] = r1(clip(38 + 20 * q + rng.gauss(0, 4), 24, 80))
    out["training_rate"] = r1(clip(72 + 28 * q + rng.gauss(0, 5), 50, 100))
    return out


INDICATOR_ORDER = ["meetings_rate", "theme_days", "review_meeting_held", "ideology_check", "dues_on_time",
                   "recruitment", "recruitment_plan", "missed_meetings", "ledger_score", "service_rate",
                   "community_service", "study_hours", "cadre_study_hours", "training_rate"]

MEMBER_WORDS = ("好", "较好", "一般", "较差")
PUBLIC_WORDS = ("非常满意", "满意", "基本满意", "不太满意", "不满意")


def ballots(units: list[dict], quality: dict[str, float], rng: random.Random) -> list[list[str]]:
    rows = []
    for k in range(1, LEADERS + 1):
        severity = rng.gauss(0, 2)
        for unit in units:
            score = clip(round(66 + 28 * quality[unit["id"]] + severity + rng.gauss(0, 3)), 50, 100)
            rows.append(["领导点评", f"L{k}", "", unit["id"], str(int(score)), ""])
    ids = [u["id"] for u in units]
    for k, unit in enumerate(units, 1):
        rated = rng.sample([i for i in ids if i != unit["id"]], MEMBER_RATED)
        generous = rng.random() < 0.025  # a few representatives mark too many 好: their ballots are void
        for other in rated:
            x = quality[other] + rng.gauss(0.2 if generous else 0, 0.08)
            word = 0 if x > 0.88 else 1 if x > 0.64 else 2 if x > 0.4 else 3
            rows.append(["党员互评", f"M{k:03d}", unit["id"], other, "", MEMBER_WORDS[word]])
    number = 0
    for unit in units:
        for _ in range(PUBLIC_BALLOTS):
            number += 1
            x = quality[unit["id"]] + rng.gauss(0.03, 0.18)
            word = 0 if x > 0.8 else 1 if x > 0.55 else 2 if x > 0.35 else 3 if x > 0.15 else 4
            rows.append(["群众评议", f"P{number:04d}", "", unit["id"], "", PUBLIC_WORDS[word]])
    return rows


# (item, points or None, reason, evidence, authority): which unit gets each is drawn below, by rank of q.
BONUS = [
    ("honours", 3, "获评省级先进基层党组织", "省委组织部〔2025〕21号", ""),
    ("honours", 2, "获评市级先进基层党组织", "市委组织部〔2025〕18号", ""),
    ("honours", 2, "获评市级先进基层党组织", "市委组织部〔2025〕18号", ""),
    ("honours", 1, "获评县级五好党支部", "县委〔2025〕7号", ""),
    ("honours", 1, "获评县级五好党支部", "县委〔2025〕7号", ""),
    ("honours", 1, "获评县级五好党支部", "县委〔2025〕7号", ""),
    ("innovation", 2, '"党建+营商环境"创新案例入选全市汇编', "市直机关工委〔2025〕9号", ""),
    ("innovation", 1, "支部工作法获县级推广", "县直机关工委通报〔2025〕5号", ""),
    ("publicity", 1, "党建信息被市级以上刊物采用2篇", "工委信息采用台账 2025", ""),
    ("publicity", 0.5, "党建信息被市级刊物采用1篇", "工委信息采用台账 2025", ""),
]
DEDUCTIONS = [
    ("reporting", 0.5, "党建信息报送超期1次", "工委督查记录 2025-03", ""),
    ("reporting", 1, "党建统计年报超期且经催报", "工委督查记录 2025-12", ""),
    ("inspection", 2, "专项督查发现三会一课记录不实", "县直机关工委督查通报〔2025〕3号", ""),
    ("inspection", 1, "专项督查发现党费收缴台账不全", "县直机关工委督查通报〔2025〕3号", ""),
    ("rectification", 3, "巡察反馈问题整改不到位", "县委巡察办〔2025〕12号", ""),
]
VETOES = [
    ("serious_case", None, "支部书记严重违纪被立案审查", "县纪委通报〔2025〕11号", "县纪委监委"),
    ("ideology_incident", None, "党员在网络平台发表错误言论造成不良影响", "县委宣传部通报〔2025〕2号", "县委宣传部"),
    ("safety_incident", None, "所属单位发生较大安全责任事故", "县安委会办公室通报〔2025〕6号", "县安委会"),
]


def adjustments(units: list[dict], quality: dict[str, float], rng: random.Random) -> list[list[str]]:
    ranked = sorted((u["id"] for u in units), key=lambda i: -quality[i])
    rows = []
    best = rng.sample(ranked[:60], len(BONUS))
    for uid, (item, points, reason, evidence, authority) in zip(best, BONUS):
        rows.append([uid, item, str(points), reason, evidence, authority])
    weak = rng.sample(ranked[150:], len(DEDUCTIONS))
    for uid, (item, points, reason, evidence, authority) in zip(weak, DEDUCTIONS):
        rows.append([uid, item, str(points), reason, evidence, authority])
    # Vetoes: a serious case in a middling unit, an ideology incident and a safety incident in good ones
    # (so that the veto visibly changes the grade or the honours).
    for uid, (item, _, reason, evidence, authority) in zip([ranked[120], ranked[8], ranked[3]], VETOES):
        rows.append([uid, item, "", reason, evidence, authority])
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Write the party-building example's units, data, ballots, adjustments.")
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write to (default: this example's)")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    units = organisations()
    quality = {u["id"]: rng.betavariate(5.0, 2.0) for u in units}
    data = []
    for unit in units:
        values = records(unit, quality[unit["id"]], rng)
        data += [[unit["id"], ind, PERIOD, values[ind]] for ind in INDICATOR_ORDER if ind in values]
    write(out / "units.csv", ["id", "name", "type", "parent", "部门"],
          [[u["id"], u["name"], u["type"], "", u["部门"]] for u in units])
    write(out / "data.csv", ["unit", "indicator", "period", "value"], data)
    write(out / "ballots.csv", ["评议组", "评议人", "评议人单位", "被评单位", "分数", "等次"], ballots(units, quality, rng))
    write(out / "adjustments.csv", ["unit", "item", "points", "reason", "evidence", "authority"],
          adjustments(units, quality, rng))
    print(f"wrote units.csv, data.csv, ballots.csv and adjustments.csv to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
