"""`python -m bench [name…]`: run the benchmarks and print their tables."""

from __future__ import annotations

import importlib
import sys
import time

#: Modules under bench/ with a `run() -> list[Table]`, in the order they are printed.
BENCHMARKS = [
    "pipeline",
    "ingest",
    "translate",
    "model_speed",
    "publish",
    "pictures",
    "dashboard",
    "soak",
]


def main(names: list[str]) -> int:
    for name in names or BENCHMARKS:
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        for table in module.run():
            print(table.render(), end="\n\n", flush=True)
        print(f"({name}: {time.perf_counter() - started:.1f} s)\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
