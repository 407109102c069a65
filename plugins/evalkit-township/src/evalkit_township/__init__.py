"""evalkit-township: indicators for assessing townships, for evalkit (乡镇考核指标插件).

Installed, it registers four indicators computed from county records about each township: villages
meeting the collective-economy standard, the public's sense of security, petitions that skip levels,
and serious safety incidents (a veto input: score it with a gate, ``above: 0``). `compute` turns the
records into the indicators; `write_long_csv` writes them in the long format `evalkit run --data` reads::

    from evalkit_township import SAMPLES, compute, write_long_csv
    write_long_csv(compute(SAMPLES, "2025"), "2025", "township-2025.csv")

or, from a shell: ``python -m evalkit_township RECORDS_FOLDER 2025 -o township-2025.csv``.
"""

from pathlib import Path

import evalkit
from evalkit.io.records import RecordError, long_rows, write_long_csv
from evalkit_township.compute import COLLECTIVE_INCOME_STANDARD, compute
from evalkit_township.indicators import INDICATORS

__version__ = "0.1.0"
SAMPLES = Path(__file__).parent / "samples"  # sample records of three townships, and their units file

__all__ = [
    "COLLECTIVE_INCOME_STANDARD",
    "INDICATORS",
    "SAMPLES",
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
def evalkit_register_sources(register):
    # `evalkit run SCORECARD --records township=FOLDER --units units.csv` computes these indicators from the records.
    register(evalkit.Source(name="township", compute=compute, indicators=[i.id for i in INDICATORS],
                            description="乡镇台账：村集体经济、安全感调查、越级上访、安全事故 (villages.csv, security_survey.csv, petitions.csv, incidents.csv)"))
