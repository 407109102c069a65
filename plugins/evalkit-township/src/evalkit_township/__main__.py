"""python -m evalkit_township RECORDS PERIOD -o OUT.csv: records to evalkit's long format."""

import sys

from evalkit.io.records import command_line
from evalkit_township import compute


def main(argv=None) -> int:
    return command_line("evalkit_township", compute, "villages.csv, security_survey.csv, petitions.csv, incidents.csv", argv)


if __name__ == "__main__":
    sys.exit(main())
