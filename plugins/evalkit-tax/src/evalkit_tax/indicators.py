"""The tax bureau's indicators for its sections (税务分局、股室): what each measures and its record."""

from evalkit import Indicator

REVENUE_PLAN_COMPLETION = Indicator(
    id="tax_revenue_plan_completion",
    name={"zh": "税收收入计划完成率", "en": "Revenue plan completion"},
    unit="%",
    direction="higher",
    description={
        "zh": "全年实际入库税收占年度收入计划的比例。数据来源：税收收入月报 revenue.csv（unit, month, forecast, actual，"
              "万元）与年度计划 plans.csv（unit, year, plan）；没有月报的单位不计。",
        "en": "Tax revenue collected in the year as a share of the annual plan. Source: the monthly revenue "
              "report, revenue.csv (unit, month, forecast, actual; 10,000 yuan), and the plan, plans.csv "
              "(unit, year, plan); no value for a unit without monthly reports.",
    },
)

FORECAST_ACCURACY = Indicator(
    id="tax_forecast_accuracy",
    name={"zh": "收入预测准确率", "en": "Revenue forecast accuracy"},
    unit="%",
    direction="higher",
    description={
        "zh": "100 减各月预测偏差率 |预测 - 实际| / 实际 的平均值（不低于 0；实际为 0 的月份不计）。"
              "数据来源：税收收入月报 revenue.csv。",
        "en": "100 minus the mean monthly forecast error |forecast - actual| / actual, in % (at least 0; "
              "months with no actual revenue are left out). Source: the monthly revenue report, revenue.csv.",
    },
)

ARREARS_CHANGE = Indicator(
    id="tax_arrears_change",
    name={"zh": "欠税余额增减率", "en": "Change in tax arrears"},
    unit="%",
    direction="lower",
    description={
        "zh": "年末欠税余额较年初的增减比例（负数为压减）；年初为 0 的单位不计。数据来源：欠税台账 arrears.csv"
              "（unit, year, opening, closing，万元）。",
        "en": "Change of the arrears balance from the start to the end of the year, in % (negative: reduced); "
              "no value when the opening balance is 0. Source: the arrears ledger, arrears.csv (unit, year, "
              "opening, closing; 10,000 yuan).",
    },
)

ENFORCEMENT_ERRORS = Indicator(
    id="tax_enforcement_errors",
    name={"zh": "执法过错件数", "en": "Enforcement errors"},
    unit="件",
    direction="lower",
    description={
        "zh": "年内经执法督察、复议或诉讼认定的执法过错件数。数据来源：执法过错责任追究台账 enforcement_errors.csv"
              "（unit, date, case, finding）。",
        "en": "Enforcement errors found in the year by law-enforcement inspection, administrative review or "
              "court. Source: the enforcement-error ledger, enforcement_errors.csv (unit, date, case, finding).",
    },
)

INDICATORS = (REVENUE_PLAN_COMPLETION, FORECAST_ACCURACY, ARREARS_CHANGE, ENFORCEMENT_ERRORS)
