"""The organisation department's indicators: what each measures and which record it comes from."""

from evalkit import Indicator

MEETINGS_COMPLETION = Indicator(
    id="org_meetings_completion",
    name={"zh": "三会一课完成率", "en": "Three meetings and one lesson: cadence completion"},
    unit="%",
    direction="higher",
    description={
        "zh": "按规定频次应开会议中实际召开的比例：支部党员大会每季度、支部委员会和党小组会每月、党课每季度，"
              "全年共 32 次；同一月（季）多开不能补足另一月（季）。数据来源：支部会议记录 meetings.csv（unit, date, kind）。",
        "en": "Share of the required meeting slots held in the year: a members' meeting and a party lesson each "
              "quarter, a branch committee and a party group meeting each month (32 slots a year); a second "
              "meeting in one month or quarter does not make up for a missed one. Source: the branch meeting "
              "log, meetings.csv (unit, date, kind).",
    },
)

MEETINGS_MISSED = Indicator(
    id="org_meetings_missed",
    name={"zh": "三会一课缺开次数", "en": "Required meetings not held"},
    unit="次",
    direction="lower",
    description={
        "zh": "按规定频次应开而未开的会议次数（32 减已开次数）。数据来源：支部会议记录 meetings.csv。",
        "en": "Required meeting slots not held (32 minus those held), for per-event deductions. "
              "Source: the branch meeting log, meetings.csv.",
    },
)

DUES_COMPLIANCE = Indicator(
    id="org_dues_compliance",
    name={"zh": "党费按时足额交纳率", "en": "Dues paid on time and in full"},
    unit="%",
    direction="higher",
    description={
        "zh": "党员每月党费按时（当月月底前）且足额交纳的人次比例。应交额按月税后工资：3000 元以下（含）0.5%，"
              "3000-5000 元（含）1%，5000-10000 元（含）1.5%，10000 元以上 2%，全额按一个比例计，四舍五入到分。"
              "数据来源：党费收缴台账 dues.csv（unit, member, month, pay, paid, paid_on）。",
        "en": "Share of member-months whose dues were paid by the end of the month and in full. Dues are a "
              "rate of monthly after-tax pay, the whole amount at one rate: up to 3000 yuan 0.5 %, up to 5000 "
              "1 %, up to 10000 1.5 %, above 2 %, rounded half up to the fen. Source: the dues ledger, dues.csv "
              "(unit, member, month, pay, paid, paid_on).",
    },
)

RECRUITMENT_COMPLETION = Indicator(
    id="org_recruitment_completion",
    name={"zh": "发展党员计划完成率", "en": "Member recruitment against plan"},
    unit="%",
    direction="higher",
    description={
        "zh": "年度发展党员实际人数占计划人数的比例（无计划的单位不计）。数据来源：发展党员计划与台账 "
              "recruitment.csv（unit, year, plan, admitted）。",
        "en": "Members admitted in the year as a share of the plan (no value for a unit with no plan). "
              "Source: the recruitment plan and ledger, recruitment.csv (unit, year, plan, admitted).",
    },
)

STUDY_COMPLIANCE = Indicator(
    id="org_study_compliance",
    name={"zh": "党员学习学时达标率", "en": "Members meeting the study-hour minimum"},
    unit="%",
    direction="higher",
    description={
        "zh": "全年学习学时达到规定下限的党员比例：党员每年不少于 32 学时，支部书记和支委委员不少于 56 学时。"
              "数据来源：党员教育平台学时统计 study.csv（unit, member, role, year, hours）。",
        "en": "Share of members whose study hours in the year reach the minimum: 32 hours for a member, 56 for "
              "secretaries and committee members. Source: the member-education platform's hours, study.csv "
              "(unit, member, role, year, hours).",
    },
)

INDICATORS = (MEETINGS_COMPLETION, MEETINGS_MISSED, DUES_COMPLIANCE, RECRUITMENT_COMPLETION, STUDY_COMPLIANCE)
