"""Black-box: the list and detail of GET /api/errors carry `culprit`, "file:line in function" of the raising frame."""
import pytest

PY_TB = """Traceback (most recent call last):
  File "/app/venv/lib/python3.11/site-packages/starlette/routing.py", line 74, in app
    response = await func(request)
  File "/app/shop/orders.py", line 142, in create_order
    raise ValueError("bad quantity")
ValueError: bad quantity"""

V8_STACK = """TypeError: x is undefined
    at handleClick (https://shop.example.com/static/app.min.js?v=3:1:912)
    at HTMLButtonElement.<anonymous> (https://shop.example.com/static/vendor.js:2:10)"""

FF_STACK = "handleClick@https://shop.example.com/static/app.js:10:5\n@https://shop.example.com/static/app.js:20:1"


@pytest.mark.parametrize("traceback,culprit", [
    (PY_TB, "orders.py:142 in create_order"),
    (V8_STACK, "app.min.js:1 in handleClick"),
    (FF_STACK, "app.js:10 in handleClick"),
    ("    at https://x.example/a/b.js:7:1", "b.js:7"),
    ("no frames here", None),
])
def test_culprit(host_factory, traceback, culprit):
    h = host_factory(plugins=["error-tracker"])
    r = h.request("error-tracker", "POST", "/api/errors",
                  {"project": "p", "exception_type": "E", "message": "m", "traceback": traceback})
    assert r.status == 201, r
    item = h.request("error-tracker", "GET", "/api/errors").json()["errors"][0]
    assert item.get("culprit") == culprit
    assert h.request("error-tracker", "GET", f"/api/errors/{item['id']}").json().get("culprit") == culprit
