"""Timings and sizes of tests/release, printed in pytest's terminal summary (conftest.py)."""
import sys

NOTES = []


def note(msg):
    NOTES.append(msg)
    print(f"[release] {msg}", file=sys.stderr, flush=True)
