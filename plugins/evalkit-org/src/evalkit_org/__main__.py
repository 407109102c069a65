"""python -m evalkit_org RECORDS PERIOD -o OUT.csv: records to evalkit's long format, without evalkit's CLI."""

import argparse
import sys

from evalkit_org import RecordError, compute, write_long_csv


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evalkit_org", description=__doc__.split(":")[1].strip())
    parser.add_argument("records", help="folder with meetings.csv, dues.csv, recruitment.csv, study.csv")
    parser.add_argument("period", help="the year, such as 2025")
    parser.add_argument("-o", "--output", required=True, help="the long-format CSV to write")
    args = parser.parse_args(argv)
    try:
        write_long_csv(compute(args.records, args.period), args.period, args.output)
    except RecordError as exc:
        print(f"evalkit-org: {exc}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
