"""python -m evalkit_discipline RECORDS PERIOD -o OUT.csv: records to evalkit's long format."""

import sys

from evalkit.io.records import command_line
from evalkit_discipline import compute


def main(argv=None) -> int:
    return command_line("evalkit_discipline", compute, "petitions.csv, clues.csv, cases.csv", argv)


if __name__ == "__main__":
    sys.exit(main())
