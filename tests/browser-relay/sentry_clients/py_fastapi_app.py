"""A FastAPI app with sentry-python 2.x's FastAPI integration (auto-enabled); a route raises. Usage: DSN.
Requests are made in process with Starlette's TestClient (a real ASGI round trip, no socket)."""
import sys

import sentry_sdk
from fastapi import FastAPI
from fastapi.testclient import TestClient

sentry_sdk.init(dsn=sys.argv[1], release="api@5", environment="fastapi", traces_sample_rate=0,
                send_default_pii=False)
app = FastAPI()


@app.get("/items/{item_id}")
def read_item(item_id: int):
    inventory = {}
    return inventory[item_id]


client = TestClient(app, raise_server_exceptions=False)
r = client.get("/items/7?verbose=1", headers={"Authorization": "Bearer secret", "X-Trace": "t1"})
print(r.status_code, flush=True)
sentry_sdk.flush(timeout=10)
