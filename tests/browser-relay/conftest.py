import http.client as _http_client

import monlight_test

# tests/monlight_test.py defines a function `http` that shadows the `http` module it uses for http.client;
# until the harness is fixed, give the function the attribute its body looks up.
if callable(monlight_test.http) and not hasattr(monlight_test.http, "client"):
    monlight_test.http.client = _http_client
