"""Progress and timings of tests/deploy, printed in pytest's terminal summary (conftest.py) so CI logs show them
even under -q and output capture."""
import sys

NOTES = []


def note(msg):
    NOTES.append(msg)
    print(f"[deploy] {msg}", file=sys.stderr, flush=True)  # shown with -s or on failure
