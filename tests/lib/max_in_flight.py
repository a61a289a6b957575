#!/usr/bin/python3
"""Print the largest number of requests the local endpoint's log shows in
flight at the same time (optionally of one operation), from each entry's
start and end:

    max in flight: 4

usage: max_in_flight.py [--operation OP]   (CKS_ENDPOINT_URL or _PORT_FILE)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "endpoint"))
import ctl  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--operation")
    args = parser.parse_args()
    records = ctl.log()
    if args.operation:
        records = [r for r in records if r["operation"] == args.operation]
    events = sorted([(r["start"], 1) for r in records] +
                    [(r["end"], -1) for r in records])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    print("max in flight: %d" % peak)


if __name__ == "__main__":
    main()
