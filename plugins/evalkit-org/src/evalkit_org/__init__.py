"""evalkit-org: the organisation department's indicators for evalkit (组织部门考核指标插件).

Installed, it registers five indicators through evalkit's plugin hooks, so a scorecard can score them
without declaring them: 三会一课 completion and missed meetings (from the branch meeting log), dues
paid on time and in full (from the dues ledger, with the official rates), member recruitment against
plan, and members meeting the study-hour minimum. `compute` turns the department's records into
those indicators; `write_long_csv` writes them in the long format `evalkit run --data` reads::

    from evalkit_org import SAMPLES, compute, write_long_csv
    write_long_csv(compute(SAMPLES, "2025"), "2025", "org-2025.csv")

or, from a shell: ``python -m evalkit_org RECORDS_FOLDER 2025 -o org-2025.csv``.
"""

from pathlib import Path

import evalkit
from evalkit.io.records import RecordError, long_rows, write_long_csv
from evalkit_org.compute import CADENCE, REQUIRED_MEETINGS, STUDY_MINIMUM, compute, monthly_dues
from evalkit_org.indicators import INDICATORS

__version__ = "0.1.0"
SAMPLES = Path(__file__).parent / "samples"  # sample records of four branches, and their units file

__all__ = [
    "CADENCE",
    "INDICATORS",
    "REQUIRED_MEETINGS",
    "SAMPLES",
    "STUDY_MINIMUM",
    "RecordError",
    "compute",
    "long_rows",
    "monthly_dues",
    "write_long_csv",
]


@evalkit.hookimpl
def evalkit_register_indicators(register):
    for indicator in INDICATORS:
        register(indicator)


@evalkit.hookimpl
def evalkit_register_sources(register):
    # `evalkit run SCORECARD --records org=FOLDER --units units.csv` computes these indicators from the records.
    register(evalkit.Source(name="org", compute=compute, indicators=[i.id for i in INDICATORS],
                            description="组织部门台账：会议记录、党费、发展党员、学习学时 (meetings.csv, dues.csv, recruitment.csv, study.csv)"))
