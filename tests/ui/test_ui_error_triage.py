"""Issue 15, error tracker triage in headless Chromium with real key events: structured stack frames (in-app vs
library, folded library frames, the raising frame, copy), bulk resolve / reopen (selected and "all matching"),
keyboard triage (j/k/x/r/u, /, ?, Enter) and labelled, keyboard-reachable controls."""
import json

from uihelpers import assert_clean
from uikeys import UNLABELLED, enter, focus_cls, press, sign_in_by_keyboard, space, tab, tab_to, typed

ET = "error-tracker"

PY_TB = """Traceback (most recent call last):
  File "/usr/local/lib/python3.12/site-packages/flask/app.py", line 1473, in wsgi_app
    response = self.full_dispatch_request()
  File "/usr/local/lib/python3.12/site-packages/flask/app.py", line 882, in full_dispatch_request
    rv = self.dispatch_request()
  File "/app/shop/views.py", line 57, in checkout
    order = create_order(cart, user)
  File "/app/shop/orders.py", line 142, in create_order
    raise ValueError(f"cart {cart.id} is empty")
ValueError: cart 17 is empty"""

PY_CHAINED = """Traceback (most recent call last):
  File "/usr/lib/python3.12/socket.py", line 829, in create_connection
    sock.connect(sa)
ConnectionRefusedError: [Errno 111] Connection refused

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/app/shop/payments.py", line 31, in charge
    resp = session.post(url, json=body, timeout=5)
  File "/usr/local/lib/python3.12/site-packages/requests/sessions.py", line 637, in post
    return self.request("POST", url, data=data, json=json, **kwargs)
  File "/usr/local/lib/python3.12/site-packages/requests/adapters.py", line 519, in send
    raise ConnectionError(e, request=request)
requests.exceptions.ConnectionError: HTTPConnectionPool(host='pay', port=80): Max retries exceeded"""

JS_TB = """TypeError: Cannot read properties of undefined (reading 'price')
    at lineTotal (https://shop.example.com/static/js/cart.js:88:23)
    at Array.map (<anonymous>)
    at renderCart (https://shop.example.com/static/js/cart.js:40:19)
    at commitHookEffectListMount (https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.development.js:23150:26)
    at invokePassiveEffectMountInEffect (https://shop.example.com/static/js/node_modules/react-dom/cjs/react-dom.development.js:25154:11)"""


def report(h, **fields):
    body = {"project": "shop", "exception_type": "ValueError", "message": "bad", "traceback": "Traceback: x"}
    body.update(fields)
    r = h.request(ET, "POST", "/api/errors", body)
    assert r.status in (200, 201), r
    return r.json()["id"]


def resolved_ids(h):
    return {e["id"] for e in h.request(ET, "GET", "/api/errors?resolved=true&limit=200").json()["errors"]}


def test_keyboard_triage_of_the_error_list(host_factory, page):
    h = host_factory(plugins=[ET], config={"error-tracker.rate_limit": "0"})
    ids = [report(h, exception_type=t, message=m, traceback=tb) for t, m, tb in [
        ("ValueError", "cart 17 is empty", PY_TB),
        ("ConnectionError", "Max retries exceeded", PY_CHAINED),
        ("TypeError", "Cannot read properties of undefined (reading 'price')", JS_TB),
        ("KeyError", "'user_id'", "Traceback (most recent call last):\n  File \"/app/shop/auth.py\", line 9, in me\n"
                                  "    return session['user_id']\nKeyError: 'user_id'"),
    ]]
    ids.reverse()  # the list shows the newest first
    page.goto(h.url(ET) + "/")
    sign_in_by_keyboard(page, h.key(ET))
    page.wait("document.querySelectorAll('tr.error-row').length === 4")
    assert page.eval(UNLABELLED) == []
    # j / k move a cursor over the rows (the row gets the focus)
    press(page, "j")
    page.wait("document.activeElement === document.querySelectorAll('tr.error-row')[0]")
    press(page, "j")
    press(page, "j")
    page.wait("document.activeElement === document.querySelectorAll('tr.error-row')[2]")
    press(page, "k")
    page.wait("document.activeElement === document.querySelectorAll('tr.error-row')[1]")
    # x selects the current row; the bulk bar counts the selection
    press(page, "x")
    press(page, "j")
    press(page, "x")
    page.wait("document.querySelector('.bulk-info').textContent === '2 selected'")
    assert page.eval("[...document.querySelectorAll('tr.error-row.selected')].map(r => +r.dataset.id)") == ids[1:3]
    assert page.eval("[...document.querySelectorAll('.row-sel')].map(c => c.checked)") == [False, True, True, False]
    # r resolves the selected ones (one bulk request), the banner says so, the list follows
    press(page, "r")
    page.wait("document.querySelector('.ml-banner').textContent === 'Resolved 2 errors'")
    page.wait("document.querySelectorAll('tr.error-row').length === 2")
    assert resolved_ids(h) == set(ids[1:3])
    assert page.text(".bulk-info") == ""
    # with nothing selected, r acts on the row under the cursor
    page.wait("document.activeElement && document.activeElement.matches('tr.error-row')")
    cur = page.eval("+document.activeElement.dataset.id")
    press(page, "r")
    page.wait("document.querySelector('.ml-banner').textContent === 'Resolved 1 error'")
    assert resolved_ids(h) == set(ids[1:3]) | {cur}
    # the resolved list: u reopens the current row
    page.goto(h.url(ET) + "/?resolved=true")
    page.wait("document.querySelectorAll('tr.error-row').length === 3")
    press(page, "j")
    page.wait("document.activeElement === document.querySelectorAll('tr.error-row')[0]")
    first = page.eval("+document.activeElement.dataset.id")
    press(page, "u")
    page.wait("document.querySelector('.ml-banner').textContent === 'Reopened 1 error'")
    assert resolved_ids(h) == (set(ids[1:3]) | {cur}) - {first}
    # / focuses the search box; typing and Enter filters; Escape leaves the box
    page.goto(h.url(ET) + "/?resolved=all")
    page.wait("document.querySelectorAll('tr.error-row').length === 4")
    press(page, "/", "Slash", 191)
    page.wait("document.activeElement === document.querySelector('.f-search')")
    assert page.eval("document.querySelector('.f-search').value") == ""  # the "/" was not typed
    typed(page, "Connection*")
    enter(page)
    page.wait("document.querySelectorAll('tr.error-row').length === 1")
    assert page.text("tr.error-row td.type") == "ConnectionError"
    assert "search=Connection*" in page.url() or "search=Connection%2A" in page.url()
    press(page, "Escape", "Escape", 27)
    page.wait("document.activeElement !== document.querySelector('.f-search')")
    # ? opens the help; Tab stays in it; Escape closes it and gives the focus back
    press(page, "?", "Slash", 191, shift=True)
    page.wait("!document.querySelector('.kb-help').classList.contains('hidden')")
    assert page.eval("document.querySelector('.kb-help').getAttribute('role')") == "dialog"
    page.wait("document.activeElement === document.querySelector('.kb-help-close')")
    assert "resolve the selected errors" in page.text(".kb-help")
    tab(page)
    assert focus_cls(page) == "btn primary kb-help-close"
    press(page, "j")  # shortcuts do nothing behind the help
    press(page, "Escape", "Escape", 27)
    page.wait("document.querySelector('.kb-help').classList.contains('hidden')")
    # Enter on the current row opens it
    press(page, "j")
    page.wait("document.activeElement && document.activeElement.matches('tr.error-row')")
    enter(page)
    page.wait(f"location.pathname === '/errors/{ids[2]}'")
    page.wait("document.querySelector('.d-type').textContent === 'ConnectionError'")
    assert_clean(page)


def test_select_all_matching_across_pages(host_factory, page):
    h = host_factory(plugins=[ET], config={"error-tracker.rate_limit": "0"})
    for i in range(57):
        report(h, exception_type=f"Job{i:02d}Error", message=f"job {i} failed",
               traceback=f'Traceback (most recent call last):\n  File "/app/jobs/j{i}.py", line {i + 1}, in run\n'
                         f'    step()\nJob{i:02d}Error: job {i} failed')
    other = report(h, project="billing", exception_type="InvoiceError")
    page.goto(h.url(ET) + "/?project=shop")
    sign_in_by_keyboard(page, h.key(ET))
    page.wait("document.querySelectorAll('tr.error-row').length === 50")
    # the page checkbox, by keyboard
    tab_to(page, ".sel-all")
    space(page)
    page.wait("document.querySelector('.bulk-info').textContent === '50 selected'")
    assert page.eval("document.querySelectorAll('.row-sel:checked').length") == 50
    # then "all 57 matching"
    page.wait("!document.querySelector('.bulk-all').classList.contains('hidden')")
    assert page.text(".bulk-all") == "Select all 57 matching"
    tab_to(page, ".bulk-all")
    enter(page)
    page.wait("document.querySelector('.bulk-info').textContent === 'All 57 matching errors selected'")
    # unselecting one row leaves "all matching"
    page.eval("document.querySelectorAll('tr.error-row')[3].focus()")
    press(page, "x")
    page.wait("document.querySelector('.bulk-info').textContent === '49 selected'")
    press(page, "x")
    page.wait("document.querySelector('.bulk-info').textContent === '50 selected'")
    page.eval("document.querySelector('.sel-all').focus()")
    tab_to(page, ".bulk-all", limit=2)
    enter(page)
    page.wait("document.querySelector('.bulk-info').textContent === 'All 57 matching errors selected'")
    tab_to(page, ".bulk-resolve")
    enter(page)  # the confirm() dialog is accepted by the driver
    page.wait("document.querySelector('.ml-banner').textContent === 'Resolved 57 errors'")
    page.wait("document.querySelector('.errors-body .empty')")
    assert len(resolved_ids(h)) == 57 and other not in resolved_ids(h)
    # and back: the resolved list, all matching, Reopen
    page.goto(h.url(ET) + "/?project=shop&resolved=true")
    page.wait("document.querySelectorAll('tr.error-row').length === 50")
    page.click(".sel-all")
    page.click(".bulk-all")
    page.click(".bulk-reopen")
    page.wait("document.querySelector('.ml-banner').textContent === 'Reopened 57 errors'")
    assert resolved_ids(h) == set()
    assert_clean(page)


def test_structured_stack_frames(host_factory, page):
    h = host_factory(plugins=[ET], config={"error-tracker.rate_limit": "0"})
    py = report(h, message="cart 17 is empty", traceback=PY_TB)
    chained = report(h, exception_type="ConnectionError", message="Max retries exceeded", traceback=PY_CHAINED)
    js = report(h, exception_type="TypeError", message="Cannot read properties of undefined (reading 'price')",
                traceback=JS_TB, request_method="BROWSER")
    plain = report(h, exception_type="Boom", message="no frames", traceback="Boom: no frames at all")
    page.goto(h.url(ET) + "/")
    page.eval(f"localStorage.setItem('monlight.error-tracker.api_key', {json.dumps(h.key(ET))})")
    page.b.send("Browser.grantPermissions", {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
                                             "origin": h.url(ET)})
    page.send("Emulation.setFocusEmulationEnabled", {"enabled": True})

    # Python: 4 frames, the 2 Flask frames folded, the last frame raised
    page.goto(h.url(ET) + f"/errors/{py}")
    page.wait("document.querySelectorAll('.d-frames .frame').length === 4")
    assert page.text(".tb-summary") == "4 frames, 2 in app"
    frames = page.eval("[...document.querySelectorAll('.d-frames .frame')].map(f => [f.className, "
                       "f.querySelector('.f-file').textContent, f.querySelector('.f-line').textContent, "
                       "f.querySelector('.f-func').textContent, f.offsetParent !== null])")
    assert frames == [["frame lib", "app.py", "1473", "wsgi_app", False],
                      ["frame lib", "app.py", "882", "full_dispatch_request", False],
                      ["frame in-app", "views.py", "57", "checkout", True],
                      ["frame in-app raising", "orders.py", "142", "create_order", True]]
    assert page.text(".d-frames .frame.raising .f-code") == 'raise ValueError(f"cart {cart.id} is empty")'
    assert page.eval("document.querySelector('.d-frames .frame.raising').getAttribute('aria-current')") == "true"
    assert page.text(".d-frames .lib-run-toggle") == "2 library frames"
    # the occurrence's own traceback is shown the same way, its raw text one click away
    assert page.eval("document.querySelector('.occ .frame.raising .f-func').textContent") == "create_order"
    assert page.eval("document.querySelectorAll('.occ .frame').length") == 4
    assert page.text(".occ .occ-raw pre") == PY_TB
    assert page.eval("document.querySelector('.d-traceback').offsetParent") is None  # raw text behind its toggle
    # the run's own toggle, by keyboard
    tab_to(page, ".d-frames .lib-run-toggle")
    enter(page)
    page.wait("document.querySelector('.d-frames .frame.lib').offsetParent !== null")
    assert page.eval("document.querySelector('.d-frames .lib-run-toggle').getAttribute('aria-expanded')") == "true"
    enter(page)
    page.wait("document.querySelector('.d-frames .frame.lib').offsetParent === null")
    # the global toggle
    assert page.text(".tb-lib-toggle") == "Show 2 library frames"
    tab_to(page, ".tb-lib-toggle", back=True)
    enter(page)
    page.wait("document.querySelector('.tb-lib-toggle').textContent === 'Hide 2 library frames'")
    assert page.eval("[...document.querySelectorAll('.d-frames .frame')].every(f => f.offsetParent !== null)")
    # raw text and copy
    tab_to(page, ".tb-raw-toggle")
    enter(page)
    page.wait("document.querySelector('.d-traceback').offsetParent !== null")
    assert page.text(".d-traceback") == PY_TB
    assert page.eval("document.querySelector('.d-frames').offsetParent") is None
    tab_to(page, ".tb-copy")
    enter(page)
    page.wait("document.querySelector('.tb-copy').textContent === 'copied'")
    assert page.eval("navigator.clipboard.readText()") == PY_TB
    assert page.eval(UNLABELLED) == []

    # chained Python exceptions: the separator lines stay, the raising frame is the last one (a library frame,
    # which is not folded)
    page.goto(h.url(ET) + f"/errors/{chained}")
    page.wait("document.querySelectorAll('.d-frames .frame').length === 4")
    assert "During handling of the above exception, another exception occurred:" in page.text(".d-frames")
    assert page.eval("document.querySelector('.d-frames .frame.raising .f-func').textContent") == "send"
    assert page.eval("document.querySelector('.d-frames .frame.raising').offsetParent !== null")
    assert page.eval("document.querySelector('.d-frames .frame.raising').classList.contains('lib')")
    assert page.eval("document.querySelectorAll('.d-frames .lib-run').length") == 2

    # JavaScript (V8): the first frame raised; node_modules and <anonymous> are library frames
    page.goto(h.url(ET) + f"/errors/{js}")
    page.wait("document.querySelectorAll('.d-frames .frame').length === 4")
    got = page.eval("[...document.querySelectorAll('.d-frames .frame')].map(f => [f.classList.contains('lib'), "
                    "f.querySelector('.f-file').textContent + ':' + f.querySelector('.f-line').textContent])")
    assert got == [[False, "cart.js:88"], [False, "cart.js:40"], [True, "react-dom.development.js:23150"],
                   [True, "react-dom.development.js:25154"]]
    assert page.eval("document.querySelector('.d-frames .frame.raising .f-func').textContent") == "lineTotal"
    assert "Array.map (<anonymous>)" in page.text(".d-frames")  # a line without a location stays as text

    # no frames: the raw text is shown
    page.goto(h.url(ET) + f"/errors/{plain}")
    page.wait("document.querySelector('.d-type').textContent === 'Boom'")
    assert page.eval("document.querySelector('.d-traceback').offsetParent !== null")
    assert page.text(".d-traceback") == "Boom: no frames at all"
    assert page.count(".d-frames .frame") == 0
    assert_clean(page)
