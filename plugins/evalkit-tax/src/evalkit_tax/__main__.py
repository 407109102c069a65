"""python -m evalkit_tax RECORDS PERIOD -o OUT.csv: records to evalkit's long format."""

import sys

from evalkit.io.records import command_line
from evalkit_tax import compute


def main(argv=None) -> int:
    return command_line("evalkit_tax", compute, "revenue.csv, plans.csv, arrears.csv, enforcement_errors.csv", argv)


if __name__ == "__main__":
    sys.exit(main())
