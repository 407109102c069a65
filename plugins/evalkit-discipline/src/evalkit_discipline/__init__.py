"""evalkit-discipline: the discipline inspection commission's indicators for evalkit (纪委监委考核指标插件).

Installed, it registers three indicators for the commission's offices and stationed groups, computed
from its ledgers: petitions closed on time, case clues handled on time, and cases sent back for
further investigation. `compute` turns the ledgers into the indicators; `write_long_csv` writes them
in the long format `evalkit run --data` reads::

    from evalkit_discipline import SAMPLES, compute, write_long_csv
    write_long_csv(compute(SAMPLES, "2025"), "2025", "discipline-2025.csv")

or, from a shell: ``python -m evalkit_discipline RECORDS_FOLDER 2025 -o discipline-2025.csv``.
"""

from pathlib import Path

import evalkit
from evalkit.io.records import RecordError, long_rows, write_long_csv
from evalkit_discipline.compute import CLUE_DEADLINE_DAYS, compute
from evalkit_discipline.indicators import INDICATORS

__version__ = "0.1.0"
SAMPLES = Path(__file__).parent / "samples"  # sample ledgers of three offices, and their units file

__all__ = ["CLUE_DEADLINE_DAYS", "INDICATORS", "SAMPLES", "RecordError", "compute", "long_rows", "write_long_csv"]


@evalkit.hookimpl
def evalkit_register_indicators(register):
    for indicator in INDICATORS:
        register(indicator)


@evalkit.hookimpl
def evalkit_register_sources(register):
    # `evalkit run SCORECARD --records discipline=FOLDER --units units.csv` computes these indicators from the records.
    register(evalkit.Source(name="discipline", compute=compute, indicators=[i.id for i in INDICATORS],
                            description="纪委监委台账：信访、问题线索、退回案件 (petitions.csv, clues.csv, cases.csv)"))
