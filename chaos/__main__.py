"""`python -m chaos [--stories N]`: the full chaos run, printed as counts."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

from bench.table import Table
from chaos.run import Plan, Report, run_chaos


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m chaos")
    parser.add_argument("--stories", type=int, default=Plan.stories)
    parser.add_argument("--partners", type=int, default=Plan.partners)
    parser.add_argument("--push-rate", type=float, default=Plan.push_rate)
    parser.add_argument("--settle-seconds", type=float, default=Plan.settle_seconds)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    plan = Plan(
        stories=args.stories,
        partners=args.partners,
        push_rate=args.push_rate,
        settle_seconds=args.settle_seconds,
    )
    with tempfile.TemporaryDirectory(prefix="syndikat-chaos-") as folder:
        report = run_chaos(plan, Path(folder), log=lambda line: print(line, file=sys.stderr))
    if args.json:
        print(json.dumps(dataclasses.asdict(report)))
    else:
        print(render(report))
    return 0 if report.clean else 1


def render(report: Report) -> str:
    table = Table("Chaos run", ["count", "value", "must be"])
    table.add("stories pushed (every tenth updated later)", report.stories, "")
    table.add("latest versions owed to partners (by filters)", report.expected, "")
    table.add("latest versions that arrived", report.delivered, "= owed")
    table.add("lost", report.lost, "0")
    table.add("doubled (one version under two webhook-ids)", report.doubled, "0")
    table.add("delivery in flight twice at once", report.overlapping, "0")
    table.add("partner requests in all (with retries)", report.requests, "")
    table.notes.append("faults: " + ", ".join(report.faults))
    table.notes.append(f"took {report.seconds:.0f} s")
    return table.render()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
