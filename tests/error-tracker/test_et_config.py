"""error-tracker config rules checked at startup (SPEC §1.6, §1.3)."""
from monlight_test import run_host


def check(host_factory, config):
    h = host_factory(plugins=["error-tracker"], config=config, start=False)
    return run_host(["--config", str(h.config_path), "--check-config"])


def test_valid_alert_config_passes(host_factory):
    r = check(host_factory, {"error-tracker.postmark_api_token": "tok-0123456789abcdef",
                             "error-tracker.postmark_from_email": "a@example.com",
                             "error-tracker.alert_emails": "ops@example.com,dev@example.com",
                             "error-tracker.smtp_tls": "starttls"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("config ok: plugins=common,error-tracker")


def test_postmark_token_requires_from(host_factory):
    r = check(host_factory, {"error-tracker.postmark_api_token": "tok-0123456789abcdef",
                             "error-tracker.alert_emails": "ops@example.com"})
    assert r.returncode == 78
    assert "config error: error-tracker.postmark_from_email:" in r.stderr


def test_invalid_alert_email_and_enum(host_factory):
    r = check(host_factory, {"error-tracker.alert_emails": "ops@example.com, not-an-address",
                             "error-tracker.smtp_tls": "sometimes",
                             "error-tracker.max_occurrences": "0"})
    assert r.returncode == 78
    assert "error-tracker.alert_emails:" in r.stderr and "not-an-address" in r.stderr
    assert "error-tracker.smtp_tls:" in r.stderr
    assert "error-tracker.max_occurrences:" in r.stderr


def test_placeholder_secret_refused(host_factory):
    r = check(host_factory, {"error-tracker.smtp_password": "change-me-please"})
    assert r.returncode == 78
    assert "error-tracker.smtp_password: placeholder value" in r.stderr


def test_api_key_required(host_factory):
    h = host_factory(plugins=["error-tracker"], start=False)
    text = h.config_path.read_text().splitlines()
    h.config_path.write_text("\n".join(l for l in text if not l.startswith("error-tracker.api_key")) + "\n")
    r = run_host(["--config", str(h.config_path), "--check-config"])
    assert r.returncode == 78
    assert "error-tracker.api_key: required key is not set" in r.stderr


def test_seed_env_names_configure_alerts(host_factory):
    from et_fakes import FakeHttp
    fake = FakeHttp()
    try:
        h = host_factory(plugins=["error-tracker"], env={
            "ALERT_WEBHOOK_URL": fake.url + "/hook",
            "ERROR_TRACKER_BASE_URL": "https://env.example.com",
            "POSTMARK_API_TOKEN": "env-token-0123456789",
            "POSTMARK_FROM_EMAIL": "env@example.com",
            "POSTMARK_API_URL": fake.url,
            "ALERT_EMAILS": "a@example.com",
        })
        r = h.request("error-tracker", "POST", "/api/test-alert")
        assert r.status == 202 and r.json()["channels"] == ["postmark", "webhook"]
        hooks = fake.wait(1, "/hook")
        assert hooks[0]["url"] == "https://env.example.com"
        mail = fake.wait(1, "/email")[0]
        assert mail["From"] == "env@example.com"
        assert [x for x in fake.requests if x["path"] == "/email"][0]["headers"]["x-postmark-server-token"] == \
            "env-token-0123456789"
    finally:
        fake.close()
