"""Indicators for assessing townships (乡镇、街道): what each measures and which record it comes from."""

from evalkit import Indicator

COLLECTIVE_ECONOMY = Indicator(
    id="town_collective_economy",
    name={"zh": "村集体经济达标村占比", "en": "Villages meeting the collective-economy standard"},
    unit="%",
    direction="higher",
    description={
        "zh": "村集体经营性收入达到标准（默认 10 万元）的村占全部行政村的比例。数据来源：农村集体经济年报 "
              "villages.csv（unit, village, year, income，万元）。",
        "en": "Share of the township's villages whose collective operating income reaches the standard "
              "(10 in units of 10,000 yuan by default). Source: the rural collective economy annual report, "
              "villages.csv (unit, village, year, income).",
    },
)

SENSE_OF_SECURITY = Indicator(
    id="town_sense_of_security",
    name={"zh": "群众安全感", "en": "Public sense of security"},
    unit="%",
    direction="higher",
    description={
        "zh": "安全感调查中回答“安全”“比较安全”“基本安全”的人数占有效答卷（不含“不清楚”）的比例。数据来源："
              "群众安全感调查 security_survey.csv（unit, respondent, date, answer）。",
        "en": "Share of survey answers 'safe', 'fairly safe' or 'basically safe' among valid answers ('unsure' "
              "left out). Source: the public security survey, security_survey.csv (unit, respondent, date, answer).",
    },
)

SKIP_LEVEL_PETITIONS = Indicator(
    id="town_skip_level_petitions",
    name={"zh": "越级上访人次", "en": "Petitions that skip levels"},
    unit="人次",
    direction="lower",
    description={
        "zh": "本乡镇群众越过县级到市、省或进京上访的人次。数据来源：信访登记 petitions.csv（unit, date, level）。",
        "en": "Petitions by the township's residents lodged above the county: with the city, the province or in "
              "Beijing. Source: the petition register, petitions.csv (unit, date, level).",
    },
)

SERIOUS_INCIDENTS = Indicator(
    id="town_serious_incidents",
    name={"zh": "较大及以上安全事故起数", "en": "Serious safety incidents"},
    unit="起",
    direction="lower",
    description={
        "zh": "本年度发生的较大及以上生产安全事故起数，作为一票否决依据（如 gate: above 0 -> 定为较差）。"
              "数据来源：安全生产事故台账 incidents.csv（unit, date, grade）。",
        "en": "Safety incidents graded 'larger' or worse (较大、重大、特别重大) in the year, a veto input (a gate "
              "'above: 0' forcing the lowest grade). Source: the work-safety incident ledger, incidents.csv "
              "(unit, date, grade).",
    },
)

INDICATORS = (COLLECTIVE_ECONOMY, SENSE_OF_SECURITY, SKIP_LEVEL_PETITIONS, SERIOUS_INCIDENTS)
