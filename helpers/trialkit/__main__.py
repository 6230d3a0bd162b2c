"""Command line: ``python -m trialkit [selfcheck | write-data | choose-seed]``.

``selfcheck`` (the default) checks that the library works on this machine: it regenerates the
canonical dataset from its seed and compares bytes with the shipped file, runs the standard
analyses, and prints where the data and the data dictionary are. It exits 1 on any failure.
``write-data`` rewrites the shipped ``trial.csv`` and ``data_dictionary.md`` from the seed.
``choose-seed`` reruns the seed search (a minute or two) and prints the seed it finds.
"""

import argparse
import sys

from . import __version__
from .calibration import calibration_report, find_canonical_seed
from .data import DATA_FILE, DICTIONARY_FILE, _data_path, canonical_csv_bytes, load_trial
from .dictionary import dictionary_markdown
from .parameters import CANONICAL_SEED


def _dictionary_text():
    return dictionary_markdown(CANONICAL_SEED, calibration_report(load_trial()))


def selfcheck():
    """Run the self-check; return the process exit code."""
    print(f"trialkit {__version__}: self-check")
    problems = []
    if canonical_csv_bytes() != _data_path(DATA_FILE).read_bytes():
        problems.append(f"{DATA_FILE} differs from the data regenerated from seed {CANONICAL_SEED}")
    if _dictionary_text() != _data_path(DICTIONARY_FILE).read_text(encoding="utf-8"):
        problems.append(f"{DICTIONARY_FILE} is out of date (run: python -m trialkit write-data)")
    report = calibration_report(load_trial())
    for name, row in report.iterrows():
        mark = "ok " if row["met"] else "MISS"
        print(f"  {mark} {name:<18} simulated {row['simulated']:7.2f}  published {row['published']:6.2f}")
        if not row["met"]:
            problems.append(f"calibration target {name} not met")
    print(f"  data:            {_data_path(DATA_FILE)}")
    print(f"  data dictionary: {_data_path(DICTIONARY_FILE)}")
    for problem in problems:
        print(f"  PROBLEM: {problem}")
    print("self-check " + ("FAILED" if problems else "passed"))
    return 1 if problems else 0


def write_data():
    """Rewrite the shipped data and dictionary from the canonical seed."""
    _data_path(DATA_FILE).write_bytes(canonical_csv_bytes())
    _data_path(DICTIONARY_FILE).write_text(_dictionary_text(), encoding="utf-8")
    print(f"wrote {_data_path(DATA_FILE)} and {_data_path(DICTIONARY_FILE)} from seed {CANONICAL_SEED}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m trialkit", description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="selfcheck", choices=["selfcheck", "write-data", "choose-seed"])
    args = parser.parse_args(argv)
    if args.command == "write-data":
        return write_data()
    if args.command == "choose-seed":
        print(find_canonical_seed())
        return 0
    return selfcheck()


if __name__ == "__main__":
    sys.exit(main())
