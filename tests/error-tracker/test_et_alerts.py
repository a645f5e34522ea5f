"""Alerts through local fakes: Postmark API, webhook, SMTP sink (SPEC §2.8, §2.9)."""
import time

import pytest

from et_fakes import FakeHttp, FakeSmtp
from et_helpers import sqlite_only
from monlight_test import self_signed_cert


@pytest.fixture
def fake_http():
    f = FakeHttp()
    yield f
    f.close()


@pytest.fixture
def fake_smtp():
    f = FakeSmtp()
    yield f
    f.close()


def post(h, **kw):
    body = {"project": "myapp", "exception_type": "ValueError", "message": "bad", "traceback": "",
            "request_method": "POST", "request_url": "/api/orders"}
    body.update(kw)
    r = h.request("error-tracker", "POST", "/api/errors", body)
    assert r.status in (200, 201), r
    return r.json()


def http_config(fake, **extra):
    cfg = {
        "error-tracker.postmark_api_token": "pm-token-for-tests",
        "error-tracker.postmark_from_email": "alerts@example.com",
        "error-tracker.postmark_api_url": fake.url,
        "error-tracker.alert_emails": "ops@example.com, dev@example.com",
        "error-tracker.alert_webhook_url": fake.url + "/hook",
        "error-tracker.base_url": "https://errors.example.com/",
    }
    cfg.update({f"error-tracker.{k}": v for k, v in extra.items()})
    return cfg


def metric(h, line):
    text = h.request("error-tracker", "GET", "/metrics").body.decode()
    for l in text.splitlines():
        if l.startswith(line + " "):
            return float(l.split()[-1])
    return 0.0


def test_new_error_alerts_postmark_and_webhook(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker"], config=http_config(fake_http))
    g = post(h, message="line1\r\nline2")
    mails = fake_http.wait(1, "/email")
    hooks = fake_http.wait(1, "/hook")
    assert len(mails) == 1 and len(hooks) == 1
    subject = "[myapp/prod] New: ValueError: line1  line2 (#%d)" % g["id"]
    m = mails[0]
    assert list(m.keys()) == ["From", "To", "Subject", "TextBody", "HtmlBody", "MessageStream"]
    assert m["From"] == "alerts@example.com" and m["To"] == "ops@example.com, dev@example.com"
    assert m["Subject"] == subject and m["MessageStream"] == "outbound"
    assert m["TextBody"].startswith("New error in myapp (prod)\n\nError ID:  #%d\nCount:     1\n" % g["id"])
    assert "Link:      https://errors.example.com/errors/%d\n" % g["id"] in m["TextBody"]
    assert "Request:   POST /api/orders\n" in m["TextBody"]
    assert 'href="https://errors.example.com/errors/%d"' % g["id"] in m["HtmlBody"]
    req = [r for r in fake_http.requests if r["path"] == "/email"][0]
    assert req["headers"]["x-postmark-server-token"] == "pm-token-for-tests"
    assert req["headers"]["accept"] == "application/json"
    assert req["headers"]["content-type"] == "application/json"
    w = hooks[0]
    assert list(w.keys()) == ["text", "content", "event", "project", "environment", "id", "exception_type",
                              "message", "count", "first_seen", "last_seen", "url", "allowed_mentions"]
    assert w["text"] == subject + "\nhttps://errors.example.com/errors/%d" % g["id"]
    assert w["content"] == w["text"] and w["event"] == "new" and w["id"] == g["id"]
    assert w["url"] == "https://errors.example.com/errors/%d" % g["id"]
    # duplicates never alert
    post(h, message="line1\r\nline2")
    time.sleep(0.5)
    assert len(fake_http.json_bodies("/hook")) == 1
    assert metric(h, 'monlight_alerts_total{channel="webhook",result="sent"}') == 1


def test_regression_alert_after_cooldown(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker"],
                     config=http_config(fake_http, alert_group_cooldown_minutes="0"))
    g = post(h)
    fake_http.wait(1, "/hook")
    h.request("error-tracker", "POST", f"/api/errors/{g['id']}/resolve")
    assert post(h)["status"] == "reopened"
    hooks = fake_http.wait(2, "/hook")
    assert [x["event"] for x in hooks] == ["new", "regression"]
    assert hooks[1]["text"].startswith("[myapp/prod] Regression: ValueError: bad")
    assert hooks[1]["count"] == 2


def test_throttling_per_project(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker"],
                     config=http_config(fake_http, alert_max_per_hour="2", alert_emails="", postmark_api_token=""))
    for i in range(6):
        post(h, exception_type=f"E{i}")
    post(h, project="other", exception_type="X")
    hooks = fake_http.wait(3, "/hook")
    time.sleep(1.0)
    hooks = fake_http.json_bodies("/hook")
    assert [x["project"] for x in hooks].count("myapp") == 2
    assert [x["project"] for x in hooks].count("other") == 1
    assert metric(h, 'monlight_alerts_total{channel="webhook",result="suppressed"}') == 4


def test_alert_on_and_environment_filters(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker"],
                     config=http_config(fake_http, alert_environments="prod", postmark_api_token="",
                                        alert_emails=""))
    post(h, environment="staging", exception_type="S")
    post(h, environment="prod", exception_type="P")
    hooks = fake_http.wait(1, "/hook")
    time.sleep(0.5)
    assert [x["exception_type"] for x in fake_http.json_bodies("/hook")] == ["P"]


def test_test_alert_dispatched_and_waited(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker"], config=http_config(fake_http))
    r = h.request("error-tracker", "POST", "/api/test-alert")
    assert r.status == 202
    assert r.body == b'{"status":"test alert dispatched","channels":["postmark","webhook"]}'
    hooks = fake_http.wait(1, "/hook")
    assert hooks[0] == {"text": "[monlight] Test alert\nhttps://errors.example.com",
                        "content": "[monlight] Test alert\nhttps://errors.example.com", "event": "test",
                        "project": None, "environment": None, "id": None, "exception_type": None,
                        "message": "This is a test alert from Monlight.", "count": None, "first_seen": None,
                        "last_seen": None, "url": "https://errors.example.com", "allowed_mentions": {"parse": []}}
    mail = fake_http.wait(1, "/email")[0]
    assert mail["Subject"] == "[monlight] Test alert"
    assert mail["TextBody"] == "This is a test alert from Monlight.\n\nLink:      https://errors.example.com\n"

    fake_http.replies = [(200, b'{"ErrorCode":0}'), (404, b"{}")]
    r = h.request("error-tracker", "POST", "/api/test-alert?wait=true")
    assert r.status == 200
    assert r.json() == {"status": "completed", "results": [
        {"channel": "postmark", "ok": True, "detail": "sent"},
        {"channel": "webhook", "ok": False, "detail": "HTTP 404"}]}


def test_postmark_error_code_is_failure(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker"], config=http_config(fake_http, alert_webhook_url=""))
    fake_http.replies = [(200, b'{"ErrorCode":300,"Message":"Invalid email"}')]
    r = h.request("error-tracker", "POST", "/api/test-alert?wait=1")
    res = r.json()["results"]
    assert res[0]["channel"] == "postmark" and res[0]["ok"] is False


def test_unreachable_webhook_reported(host_factory, fake_http):
    port = fake_http.port
    fake_http.close()
    h = host_factory(plugins=["error-tracker"],
                     config={"error-tracker.alert_webhook_url": f"http://127.0.0.1:{port}/hook"})
    r = h.request("error-tracker", "POST", "/api/test-alert?wait=true")
    res = r.json()["results"]
    assert r.status == 200 and res[0]["channel"] == "webhook" and res[0]["ok"] is False
    assert res[0]["detail"]
    # ingest is never affected by a broken channel
    assert post(h)["status"] == "created"


def test_transient_failure_retried(host_factory, fake_http):
    h = host_factory(plugins=["error-tracker"],
                     config={"error-tracker.alert_webhook_url": fake_http.url + "/hook"})
    fake_http.replies = [(503, b"{}")]
    post(h)
    deadline = time.time() + 12
    while time.time() < deadline and len(fake_http.requests) < 2:
        time.sleep(0.1)
    assert len(fake_http.requests) == 2  # first attempt 503, retry after 5 s succeeded
    assert metric(h, 'monlight_alerts_total{channel="webhook",result="sent"}') == 1


def test_smtp_delivery(host_factory, fake_smtp):
    h = host_factory(plugins=["error-tracker"], config={
        "error-tracker.smtp_host": "127.0.0.1",
        "error-tracker.smtp_port": str(fake_smtp.port),
        "error-tracker.smtp_tls": "none",
        "error-tracker.smtp_username": "mailer",
        "error-tracker.smtp_password": "s3cret-password",
        "error-tracker.smtp_from": "monlight@example.com",
        "error-tracker.alert_emails": "ops@example.com, reject@example.com, dev@example.com",
        "error-tracker.base_url": "http://et.local",
    })
    g = post(h, message="Fehler: ünïcödé", traceback="Traceback\n.hidden dot line\n  File \"/a.py\", line 3")
    msgs = fake_smtp.wait(1)
    assert len(msgs) == 1
    s = msgs[0]
    assert s["auth"] == [b"", b"mailer", b"s3cret-password"]
    assert s["mail_from"] == "<monlight@example.com>"
    assert s["rcpt"] == ["<ops@example.com>", "<dev@example.com>"]
    assert s["commands"][0].startswith("EHLO ")
    assert s["commands"][-1] == "QUIT"
    raw = s["data"]
    assert raw.endswith(b"\r\n.\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    msg = FakeSmtp.parse(raw)
    assert msg["Subject"] == "[myapp/prod] New: ValueError: Fehler: ünïcödé (#%d)" % g["id"]
    assert b"Subject: =?UTF-8?B?" in raw
    assert msg["From"] == "monlight@example.com"
    assert [a.addr_spec for a in msg["To"].addresses] == ["ops@example.com", "dev@example.com"]
    assert msg["Message-ID"].endswith("@monlight>")
    assert msg["Date"]
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert ".hidden dot line" in text and "Link:      http://et.local/errors/%d" % g["id"] in text
    assert "<pre>" in html
    for part in msg.iter_parts():
        assert part["Content-Transfer-Encoding"] == "base64"
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998


def test_smtp_test_alert_all_rejected(host_factory, fake_smtp):
    h = host_factory(plugins=["error-tracker"], config={
        "error-tracker.smtp_host": "127.0.0.1",
        "error-tracker.smtp_port": str(fake_smtp.port),
        "error-tracker.smtp_tls": "none",
        "error-tracker.alert_emails": "reject@example.com",
    })
    r = h.request("error-tracker", "POST", "/api/test-alert?wait=true")
    res = r.json()["results"]
    assert res[0]["channel"] == "smtp" and res[0]["ok"] is False and "550" in res[0]["detail"]


def test_postmark_batches_of_50_recipients(host_factory, fake_http):
    emails = ", ".join(f"user{i}@example.com" for i in range(60))
    h = host_factory(plugins=["error-tracker"], config=http_config(fake_http, alert_emails=emails,
                                                                   alert_webhook_url=""))
    r = h.request("error-tracker", "POST", "/api/test-alert?wait=true")
    assert r.json()["results"] == [{"channel": "postmark", "ok": True, "detail": "sent"}]
    mails = fake_http.json_bodies("/email")
    assert [len(m["To"].split(", ")) for m in mails] == [50, 10]
    assert mails[1]["To"].startswith("user50@example.com")


def test_shutdown_drops_pending_alerts_quickly(host_factory, fake_http):
    fake_http.delay = 25  # the webhook hangs
    h = host_factory(plugins=["error-tracker"], config={"error-tracker.alert_webhook_url": fake_http.url + "/x"})
    for t in ("A", "B", "C"):
        assert h.request("error-tracker", "POST", "/api/errors",
                         {"project": "p", "exception_type": t, "message": "", "traceback": ""}).status == 201
    deadline = time.time() + 5
    while time.time() < deadline and not fake_http.requests:
        time.sleep(0.05)
    assert len(fake_http.requests) == 1  # the worker is stuck on the first delivery
    started = time.time()
    assert h.stop() == 0
    assert time.time() - started < 10
    # the interrupted delivery and the two queued events are all undelivered
    assert "3 pending alerts dropped at shutdown" in h.log()


@pytest.fixture
def cert(tmp_path):
    return self_signed_cert(tmp_path)


def smtp_tls_config(fake, mode, verify):
    return {
        "error-tracker.smtp_host": "127.0.0.1",
        "error-tracker.smtp_port": str(fake.port),
        "error-tracker.smtp_tls": mode,
        "error-tracker.smtp_tls_verify": verify,
        "error-tracker.smtp_username": "mailer",
        "error-tracker.smtp_password": "tls-password-123",
        "error-tracker.alert_emails": "ops@example.com",
    }


@pytest.mark.parametrize("server_mode,config_mode", [("starttls", "starttls"), ("starttls", "auto"),
                                                     ("implicit", "implicit")])
def test_smtp_tls_modes(host_factory, cert, server_mode, config_mode):
    fake = FakeSmtp(tls=server_mode, certfile=cert[0], keyfile=cert[1])
    try:
        h = host_factory(plugins=["error-tracker"], config=smtp_tls_config(fake, config_mode, "false"))
        r = h.request("error-tracker", "POST", "/api/test-alert?wait=true")
        assert r.json()["results"] == [{"channel": "smtp", "ok": True, "detail": "sent"}]
        msgs = fake.wait(1)
        assert msgs[0]["secure"] is True
        assert msgs[0]["auth"] == [b"", b"mailer", b"tls-password-123"]
        if server_mode == "starttls":
            cmds = msgs[0]["commands"]
            assert cmds.index("STARTTLS") < [i for i, c in enumerate(cmds) if c.startswith("EHLO")][1]
            assert not any(c.startswith("AUTH") for c in cmds[:cmds.index("STARTTLS")])
    finally:
        fake.close()


def maps_openssl(h):
    with open(f"/proc/{h.proc.pid}/maps") as f:
        return any("libssl" in line or "libcrypto" in line for line in f)


@sqlite_only  # on PostgreSQL, libpq maps OpenSSL itself (TLS to the server)
def test_openssl_is_loaded_only_by_the_first_tls_delivery(host_factory, cert):
    """TLS lives in monlight-tls.so (Monlight/Tls.h): an idle host, or one that only ingests, never maps OpenSSL."""
    fake = FakeSmtp(tls="implicit", certfile=cert[0], keyfile=cert[1])
    try:
        # The ingested group's environment does not alert: otherwise its own SMTPS alert, delivered in the
        # background, would load OpenSSL at a moment the check below races with.
        config = dict(smtp_tls_config(fake, "implicit", "false"), **{"error-tracker.alert_environments": "prod"})
        h = host_factory(plugins=["error-tracker"], config=config)
        assert h.request("error-tracker", "POST", "/api/errors", {"project": "p", "exception_type": "E",
                                                                   "message": "m", "traceback": "t",
                                                                   "environment": "dev"}).status == 201
        time.sleep(0.3)
        assert not maps_openssl(h)
        assert fake.messages == []
        assert "is missing" not in h.log()
        r = h.request("error-tracker", "POST", "/api/test-alert?wait=true")
        assert r.json()["results"] == [{"channel": "smtp", "ok": True, "detail": "sent"}]
        assert maps_openssl(h)
    finally:
        fake.close()


def test_missing_tls_module_is_reported_at_start_and_per_delivery(host_factory, cert, tmp_path):
    fake = FakeSmtp(tls="implicit", certfile=cert[0], keyfile=cert[1])
    try:
        h = host_factory(plugins=["error-tracker"], config=smtp_tls_config(fake, "implicit", "false"),
                         env={"MONLIGHT_TLS_MODULE": str(tmp_path / "nowhere" / "monlight-tls.so")})
        assert "TLS alert delivery is unavailable: " + str(tmp_path / "nowhere" / "monlight-tls.so") + " is missing" \
            in h.log()
        res = h.request("error-tracker", "POST", "/api/test-alert?wait=true").json()["results"]
        assert res[0]["ok"] is False and "TLS support is not available" in res[0]["detail"]
        assert "MONLIGHT_TLS_MODULE ignored" not in h.log()
        assert fake.messages == []
    finally:
        fake.close()


def test_smtp_certificate_verified_by_default(host_factory, cert):
    fake = FakeSmtp(tls="implicit", certfile=cert[0], keyfile=cert[1])
    try:
        h = host_factory(plugins=["error-tracker"], config=smtp_tls_config(fake, "implicit", "true"))
        res = h.request("error-tracker", "POST", "/api/test-alert?wait=true").json()["results"]
        assert res[0]["ok"] is False and res[0]["detail"]
        assert fake.messages == []
    finally:
        fake.close()


def test_smtp_starttls_required_but_not_offered(host_factory, fake_smtp):
    h = host_factory(plugins=["error-tracker"], config=smtp_tls_config(fake_smtp, "starttls", "false"))
    res = h.request("error-tracker", "POST", "/api/test-alert?wait=true").json()["results"]
    assert res[0]["ok"] is False and "STARTTLS" in res[0]["detail"]
    assert fake_smtp.messages == []
