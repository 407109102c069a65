"""evalkit-tax: the tax bureau's indicators and scoring rule for evalkit (税务局考核指标插件).

Installed, it registers four indicators for the bureau's sections, computed from the bureau's own
records: revenue plan completion, revenue forecast accuracy, the change in tax arrears and
enforcement errors; and one rule, `forecast_accuracy`, that scores accuracy in the bureau's standard
tiers. `compute` turns the records into the indicators; `write_long_csv` writes them in the long
format `evalkit run --data` reads::

    from evalkit_tax import SAMPLES, compute, write_long_csv
    write_long_csv(compute(SAMPLES, "2025"), "2025", "tax-2025.csv")

or, from a shell: ``python -m evalkit_tax RECORDS_FOLDER 2025 -o tax-2025.csv``.
"""

from pathlib import Path

import evalkit
from evalkit.io.records import RecordError, long_rows, write_long_csv
from evalkit_tax.compute import compute
from evalkit_tax.indicators import INDICATORS
from evalkit_tax.rules import DEFAULT_TIERS, ForecastAccuracyRule

__version__ = "0.1.0"
SAMPLES = Path(__file__).parent / "samples"  # sample records of four sections, and their units file

__all__ = [
    "DEFAULT_TIERS",
    "INDICATORS",
    "SAMPLES",
    "ForecastAccuracyRule",
    "RecordError",
    "compute",
    "long_rows",
    "write_long_csv",
]


@evalkit.hookimpl
def evalkit_register_indicators(register):
    for indicator in INDICATORS:
        register(indicator)


@evalkit.hookimpl
def evalkit_register_rules(register):
    register(ForecastAccuracyRule())


@evalkit.hookimpl
def evalkit_register_sources(register):
    # `evalkit run SCORECARD --records tax=FOLDER --units units.csv` computes these indicators from the records.
    register(evalkit.Source(name="tax", compute=compute, indicators=[i.id for i in INDICATORS],
                            description="税务局台账：收入、计划、欠税、执法差错 (revenue.csv, plans.csv, arrears.csv, enforcement_errors.csv)"))
