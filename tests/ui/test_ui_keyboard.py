"""Issue 15 feature 8 (accessibility), in headless Chromium with real key events: the key dialog traps Tab and
closes with Escape (a banner button opens it again); log rows open with Enter."""
import json

from uihelpers import assert_clean


def key(page, name, code, vk, shift=False):
    mods = 8 if shift else 0
    down = {"type": "rawKeyDown", "key": name, "code": code, "windowsVirtualKeyCode": vk, "modifiers": mods}
    if name == "Enter":  # a key with text: activates buttons like a real key press
        down.update(type="keyDown", text="\r", unmodifiedText="\r")
    page.send("Input.dispatchKeyEvent", down)
    page.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": name, "code": code,
                                         "windowsVirtualKeyCode": vk, "modifiers": mods})


def active(page):
    return page.eval("document.activeElement ? document.activeElement.className : ''")


def test_key_dialog_traps_focus_and_closes_with_escape(host_factory, page):
    h = host_factory(plugins=["log-viewer"], config={"log-viewer.rate_limit": "0"})
    r = h.request("log-viewer", "POST", "/api/logs", json.dumps([{"message": "hello", "source": "web"}]).encode(),
                  {"Content-Type": "application/json"})
    assert r.status == 202
    page.goto(h.url("log-viewer") + "/")
    page.wait("!document.querySelector('.ml-modal').classList.contains('hidden')")
    assert page.eval("document.querySelector('.ml-modal').getAttribute('role')") == "dialog"
    assert page.eval("document.querySelector('.ml-modal').getAttribute('aria-modal')") == "true"
    page.wait("document.activeElement === document.querySelector('.ml-key-input')")
    key(page, "Tab", "Tab", 9)
    page.wait("document.activeElement === document.querySelector('.ml-key-save')")
    key(page, "Tab", "Tab", 9)  # wraps to the first control, not to the page behind
    page.wait("document.activeElement === document.querySelector('.ml-key-input')", message=active(page))
    key(page, "Tab", "Tab", 9, shift=True)  # and backwards
    page.wait("document.activeElement === document.querySelector('.ml-key-save')", message=active(page))
    # Escape closes it; the banner offers to open it again
    key(page, "Escape", "Escape", 27)
    page.wait("document.querySelector('.ml-modal').classList.contains('hidden')")
    assert page.text(".ml-banner").startswith("No API key entered.")
    page.wait("document.activeElement === document.querySelector('.ml-key-reopen')")
    key(page, "Enter", "Enter", 13)
    page.wait("!document.querySelector('.ml-modal').classList.contains('hidden')")
    page.fill(".ml-key-input", h.key("log-viewer"))
    page.click(".ml-key-save")
    # what waited for the key goes on: the entries load
    page.wait("document.querySelectorAll('.log-row').length === 1")
    # a log row opens with Enter
    page.eval("document.querySelector('.log-row').focus()")
    key(page, "Enter", "Enter", 13)
    page.wait("document.querySelector('.log-detail .log-message')")
    assert page.text(".log-detail .log-message") == "hello"
    assert_clean(page)
