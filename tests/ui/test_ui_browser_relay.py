"""Browser relay admin UI in a real headless Chromium: admin key, DSN keys, source maps, forwarding line."""
import json

from uihelpers import assert_clean, enter_key

MAP = json.dumps({"version": 3, "file": "app.min.js", "sources": ["src/app.ts"], "names": ["handleClick"],
                  "mappings": "AAAA;AACA,IAAIA"})


def set_file(page, selector, name, text):
    """Puts a file into an <input type=file> through a DataTransfer (what a picker would do)."""
    page.eval(f"(function(){{const dt=new DataTransfer();"
              f"dt.items.add(new File([{json.dumps(text)}], {json.dumps(name)}, {{type:'application/json'}}));"
              f"const i=document.querySelector({json.dumps(selector)}); i.files=dt.files;}})()")


def test_dsn_keys_and_source_maps(host_factory, page):
    h = host_factory(plugins=["error-tracker", "metrics-collector", "browser-relay"])
    base = h.url("browser-relay")
    page.goto(base + "/")
    # the error-tracker key is not the admin key
    enter_key(page, h.key("error-tracker"), valid=False)
    page.wait("!document.querySelector('.ml-modal').classList.contains('hidden')")
    enter_key(page, h.key("browser-relay"))
    assert page.eval("localStorage.getItem('monlight.browser-relay.api_key')") == h.key("browser-relay")
    page.wait("document.querySelector('.keys-body .empty')")
    page.wait("document.querySelector('.forwarding').textContent.includes('error-tracker → in-process')")

    # create a key
    page.fill(".nk-project", "shop")
    page.submit(".new-key-form")
    page.wait("document.querySelectorAll('tr.key-row').length === 1")
    key = page.text(".nk-key")
    assert len(key) == 32
    snippet = page.text(".nk-snippet")
    version = h.request("browser-relay", "GET", "/sdk/monlight.min.js", key=False).headers["etag"].strip('"')
    assert len(version) == 16
    assert snippet == (f'<script>window.MonlightConfig={{dsn:"{key}",endpoint:"{base}"}}</script>'
                       f'<script src="{base}/sdk/monlight.min.js?v={version}"></script>')
    assert page.eval("document.querySelector('.nk-sdk-missing').classList.contains('hidden')")
    # §11.1: the Sentry DSN with its Sentry.init examples, and in the key row
    port = base.rsplit(":", 1)[1]
    dsn = f"http://{key}@127.0.0.1:{port}/1"
    assert page.text(".nk-sentry-dsn") == dsn
    sentry = page.text(".nk-sentry-snippet")
    assert f'sentry_sdk.init(dsn="{dsn}"' in sentry and f'Sentry.init({{ dsn: "{dsn}"' in sentry
    assert page.text("tr.key-row .key-dsn") == dsn
    keys = h.request("browser-relay", "GET", "/api/dsn-keys").json()["keys"]
    assert [(k["project"], k["public_key"], k["active"]) for k in keys] == [("shop", key, True)]
    # validation errors are shown
    page.fill(".nk-project", "x" * 101)
    page.eval("document.querySelector('.nk-project').value = 'x'.repeat(101)")
    page.submit(".new-key-form")
    page.wait("document.querySelector('.nk-error').textContent === \"Field 'project' must be 1-100 characters\"")

    # issue 15: the snippet is shown for every active key, not only right after creating it
    page.goto(base + "/")
    page.wait("document.querySelectorAll('tr.key-row').length === 1")
    assert page.eval("document.querySelector('.new-key').classList.contains('hidden')")
    page.click(".key-snippet")
    page.wait("!document.querySelector('.new-key').classList.contains('hidden')")
    assert page.text(".nk-snippet") == snippet and page.text(".nk-key") == key
    assert page.text(".nk-created-project") == "shop"
    # the script the snippet loads is served (200, JavaScript)
    sdk = h.request("browser-relay", "GET", "/sdk/monlight.min.js", key=False)
    assert sdk.status == 200 and "javascript" in sdk.headers["content-type"]

    # deactivate (confirm dialog accepted)
    page.click(".key-deactivate")
    page.wait("document.querySelector('tr.key-row').classList.contains('inactive')")
    assert h.request("browser-relay", "GET", "/api/dsn-keys").json()["keys"][0]["active"] is False

    # upload a source map from a file
    page.fill(".up-project", "shop")
    page.fill(".up-release", "1.0.0")
    page.fill(".up-url", "https://shop.example.com/static/app.min.js")
    set_file(page, ".up-file", "app.min.js.map", MAP)
    page.submit(".upload-form")
    page.wait("document.querySelectorAll('tr.map-row').length === 1")
    assert page.text(".up-result").startswith("Uploaded #")
    assert page.text("tr.map-row td.file") == "/static/app.min.js"
    maps = h.request("browser-relay", "GET", "/api/source-maps").json()["source_maps"]
    assert maps[0]["size"] == len(MAP)
    # an invalid map shows the server's detail
    set_file(page, ".up-file", "bad.map", '{"version":2}')
    page.submit(".upload-form")
    page.wait("document.querySelector('.up-result').textContent === 'Invalid source map format'")
    # filter by release (state in the URL)
    page.fill(".sm-f-release", "2.0.0")
    page.submit(".sm-filter")
    page.wait("document.querySelector('.maps-body .empty')")
    assert "release=2.0.0" in page.url()
    page.fill(".sm-f-release", "")
    page.submit(".sm-filter")
    page.wait("document.querySelectorAll('tr.map-row').length === 1")
    # delete with confirmation
    page.click(".map-delete")
    page.wait("document.querySelector('.maps-body .empty')")
    assert h.request("browser-relay", "GET", "/api/source-maps").json()["total"] == 0
    assert_clean(page)
