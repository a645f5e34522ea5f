"""The browser relay on PostgreSQL (host.storage = postgresql): two real hosts on one throwaway cluster
(tests/pg_cluster.py). A DSN key created or deactivated on one host, and a source map uploaded, replaced or deleted
on one host, apply on the other within its one-second follow of the shared store; the listings are the same on
both; seeding at start is done once however many hosts start."""
import time

from test_br_api import REWRITTEN, SEED_KEY, SPEC_MAP, STACK, admin, browser, error_body, relay_config, upload

PLUGINS = ["error-tracker", "metrics-collector", "browser-relay"]


def pg_config(dsn):
    cfg = relay_config()
    cfg.update({"host.storage": "postgresql", "host.postgresql_dsn": dsn, "host.postgresql_pool_size": "4"})
    return cfg


def two_hosts(host_factory, dsn):
    a = host_factory(plugins=PLUGINS, config=pg_config(dsn))
    b = host_factory(plugins=PLUGINS, config=pg_config(dsn))
    return a, b


def eventually(check, timeout=5.0):
    """The value of check() once it is truthy; the follow period is 1 s, so 5 s is generous."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(0.1)


def test_dsn_keys_created_and_deactivated_on_one_host_apply_on_the_other(host_factory, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    keys = admin(b, "GET", "/api/dsn-keys").json()["keys"]
    assert [k["public_key"] for k in keys] == [SEED_KEY]  # seeded once by whichever host started first
    k = admin(a, "POST", "/api/dsn-keys", {"project": "blog"}).json()
    assert browser(a, "POST", "/api/browser/errors", error_body(), key=k["public_key"]).status == 201
    assert eventually(lambda: browser(b, "POST", "/api/browser/errors", error_body(),
                                      key=k["public_key"]).status == 200)  # the same group, counted once more
    assert [x["id"] for x in admin(b, "GET", "/api/dsn-keys?project=blog").json()["keys"]] == [k["id"]]
    assert admin(b, "DELETE", f"/api/dsn-keys/{k['id']}").status == 200
    assert eventually(lambda: browser(a, "POST", "/api/browser/errors", error_body(),
                                      key=k["public_key"]).status == 401)
    assert browser(a, "POST", "/api/browser/errors", error_body(), key=SEED_KEY).status in (200, 201)
    assert admin(a, "GET", "/api/dsn-keys?active=false").json()["keys"][0]["id"] == k["id"]


def test_source_maps_follow_upload_replace_and_delete_across_hosts(host_factory, pg_dsn):
    a, b = two_hosts(host_factory, pg_dsn)
    seen = iter(range(1000))

    def traceback_on(h):
        r = browser(h, "POST", "/api/browser/errors",
                    error_body(type=f"Kind{next(seen)}", stack=STACK, release="1.0.0"))
        assert r.status == 201, r
        return h.request("error-tracker", "GET", f"/api/errors/{r.json()['id']}").json()["traceback"]

    assert traceback_on(b) == STACK  # no map yet
    m = upload(a).json()
    assert m["status"] == "uploaded"
    assert eventually(lambda: traceback_on(b) == REWRITTEN)
    r = upload(b, content=dict(SPEC_MAP, sources=["src/v2.ts"]))
    assert r.status == 200 and r.json() == dict(r.json(), status="replaced", id=m["id"])
    v2 = REWRITTEN.replace("src/app.ts", "src/v2.ts")
    assert traceback_on(b) == v2
    assert eventually(lambda: traceback_on(a) == v2)  # a's parsed copy of the first content is dropped
    assert admin(a, "GET", "/api/source-maps").json()["total"] == 1
    assert admin(a, "DELETE", f"/api/source-maps/{m['id']}").status == 200
    assert eventually(lambda: traceback_on(b) == STACK)
    assert admin(b, "DELETE", f"/api/source-maps/{m['id']}").status == 404


def test_a_key_with_a_taken_public_key_is_never_stored_twice(host_factory, pg_dsn, pg_server):
    """The same seed on two hosts (started together) is one row; keys created concurrently on both hosts are all
    distinct rows."""
    a, b = two_hosts(host_factory, pg_dsn)
    made = [admin(h, "POST", "/api/dsn-keys", {"project": "p"}).json()["id"] for h in (a, b) * 5]
    dbname = pg_dsn.rsplit("dbname=", 1)[1]
    assert pg_server.psql("SELECT count(*) FROM browser_relay.dsn_keys", dbname) == str(1 + len(made))
    assert pg_server.psql(f"SELECT count(*) FROM browser_relay.dsn_keys WHERE public_key = '{SEED_KEY}'",
                          dbname) == "1"
