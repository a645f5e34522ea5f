"""A plain application instrumented with the unmodified sentry-python 2.x SDK. Usage: py_sdk_client.py DSN.
Prints the compression the SDK's transport uses (br when the brotli module is installed)."""
import logging
import sys

import sentry_sdk

dsn = sys.argv[1]
sentry_sdk.init(dsn=dsn, release="shop@3.1.4", environment="sdktest", enable_logs=True, traces_sample_rate=0)
sentry_sdk.set_tag("tenant", "acme")
sentry_sdk.set_user({"id": "user-17", "email": "a@example.com"})


def parse(value):
    return int(value)


def load():
    try:
        parse("not-a-number")
    except ValueError as e:
        raise RuntimeError("config could not be loaded") from e


try:
    load()
except RuntimeError:
    sentry_sdk.capture_exception()

sentry_sdk.capture_message("disk almost full on sdk-host")
sentry_sdk.logger.info("order {order_id} shipped", order_id=991, attributes={"warehouse": "north"})
sentry_sdk.logger.error("payment failed for {user}", user="bob")
logging.getLogger("shop").error("logging integration error line")
sentry_sdk.metrics.count("checkout.clicks", 3, attributes={"button": "buy"})
sentry_sdk.metrics.gauge("queue.depth", 12)
sentry_sdk.metrics.distribution("render.time", 41.5, unit="millisecond")
client = sentry_sdk.get_client()
print(getattr(client.transport, "_compression_algo", "?"), flush=True)
sentry_sdk.flush(timeout=10)
