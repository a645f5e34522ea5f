"""Debian bookworm's python3-sentry-sdk 1.9.10 (run with /usr/bin/python3): errors go to /store/, gzip.
Usage: py19_client.py DSN"""
import sys

import sentry_sdk

sentry_sdk.init(dsn=sys.argv[1], release="legacy@1.0", environment="old", default_integrations=False)
sentry_sdk.set_tag("tier", "legacy")


def divide(a, b):
    return a / b


try:
    divide(1, 0)
except ZeroDivisionError:
    sentry_sdk.capture_exception()
sentry_sdk.capture_message("legacy message")
sentry_sdk.flush(timeout=10)
