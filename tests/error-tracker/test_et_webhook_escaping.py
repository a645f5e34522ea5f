"""Alert text from the public browser relay cannot ping or phish a Slack/Discord channel (issue 13 item 15)."""
import pytest

from et_fakes import FakeHttp
from monlight_test import http

DSN = "shopseedkey0001"
ZWSP = "\u200b"


@pytest.fixture
def fake_http():
    f = FakeHttp()
    yield f
    f.close()


def test_browser_error_markup_reaches_webhook_inert(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"],
                     config={"error-tracker.alert_webhook_url": fake_http.url + "/hook",
                             "error-tracker.base_url": "https://errors.example.com",
                             "browser-relay.dsn_keys": f"shop:{DSN}"})
    message = "@everyone <!channel> @here read <https://evil.example/login|the docs> & retry"
    r = http("POST", h.url("browser-relay") + "/api/browser/errors",
             {"type": "Error", "message": message, "stack": "Error: x\n    at f (https://a/b.js:1:1)"},
             {"X-Monlight-Key": DSN})
    assert r.status == 201, r
    hook = fake_http.wait(1, "/hook")[0]
    # Slack/Mattermost read `text`: no <...> markup survives, and no broadcast word can notify
    assert hook["text"] == (f"[shop/prod] New: Error: @{ZWSP}everyone &lt;!channel&gt; @{ZWSP}here read "
                            f"&lt;https://evil.example/login|the docs&gt; &amp; retry (#{r.json()['id']})\n"
                            f"https://errors.example.com/errors/{r.json()['id']}")
    assert "<" not in hook["text"] and ">" not in hook["text"]
    # Discord reads `content` (plain text there) and is told to ping nobody
    assert hook["allowed_mentions"] == {"parse": []}
    assert hook["content"].startswith(f"[shop/prod] New: Error: {message} (#")
    # the structured fields stay exact for programs
    assert hook["message"] == message
