"""The discipline inspection commission's indicators (纪委监委): what each measures and its record."""

from evalkit import Indicator

PETITIONS_ON_TIME = Indicator(
    id="discipline_petitions_on_time",
    name={"zh": "信访举报按期办结率", "en": "Petitions closed on time"},
    unit="%",
    direction="higher",
    description={
        "zh": "办理期限在本年度内到期的信访举报件中，在期限内（含当日）办结的比例。数据来源：信访举报台账 "
              "petitions.csv（unit, received, due, closed）。",
        "en": "Of the petitions and reports whose deadline falls in the year, the share closed by the deadline "
              "(the day itself counts). Source: the petitions ledger, petitions.csv (unit, received, due, closed).",
    },
)

CLUES_ON_TIME = Indicator(
    id="discipline_clues_on_time",
    name={"zh": "问题线索按时处置率", "en": "Case clues handled on time"},
    unit="%",
    direction="higher",
    description={
        "zh": "处置期限（收到线索后 30 日）在本年度内到期的问题线索中，按时提出处置意见的比例。数据来源：问题线索台账 "
              "clues.csv（unit, received, disposed）。",
        "en": "Of the case clues whose deadline (30 days after receipt) falls in the year, the share with a "
              "disposal proposal by then. Source: the case-clue ledger, clues.csv (unit, received, disposed).",
    },
)

CASES_SENT_BACK = Indicator(
    id="discipline_cases_sent_back",
    name={"zh": "案件被退回补充调查件数", "en": "Cases sent back for further investigation"},
    unit="件",
    direction="lower",
    description={
        "zh": "本年度移送审理的案件中被审理部门退回补充调查的件数。数据来源：案件审理台账 cases.csv"
              "（unit, case, transferred, sent_back）。",
        "en": "Cases transferred for review in the year that the review office sent back for further "
              "investigation. Source: the case-review ledger, cases.csv (unit, case, transferred, sent_back).",
    },
)

INDICATORS = (PETITIONS_ON_TIME, CLUES_ON_TIME, CASES_SENT_BACK)
