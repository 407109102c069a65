"""python -m evalkit_org RECORDS PERIOD -o OUT.csv: records to evalkit's long format."""

import sys

from evalkit.io.records import command_line
from evalkit_org import compute


def main(argv=None) -> int:
    return command_line("evalkit_org", compute, "meetings.csv, dues.csv, recruitment.csv, study.csv", argv)


if __name__ == "__main__":
    sys.exit(main())
