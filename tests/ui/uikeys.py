"""Real key presses for the UI tests (CDP Input events), and a check that every control has a label."""
import json


def press(page, key, code=None, vk=0, shift=False):
    """One real key press (keyDown with its text for printable keys, then keyUp)."""
    mods = 8 if shift else 0
    down = {"type": "keyDown", "key": key, "code": code or key, "windowsVirtualKeyCode": vk, "modifiers": mods}
    if len(key) == 1:
        down["text"] = key
    elif key == "Enter":
        down["text"] = "\r"
    else:
        down["type"] = "rawKeyDown"
    page.send("Input.dispatchKeyEvent", down)
    page.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code or key,
                                         "windowsVirtualKeyCode": vk, "modifiers": mods})


def tab(page, shift=False):
    press(page, "Tab", "Tab", 9, shift)


def enter(page):
    press(page, "Enter", "Enter", 13)


def space(page):
    press(page, " ", "Space", 32)


def typed(page, text):
    page.send("Input.insertText", {"text": text})


def focus_cls(page):
    return page.eval("document.activeElement ? document.activeElement.className : ''")


def tab_to(page, selector, limit=200, back=False):
    """Presses Tab (Shift+Tab with back) until the element matching `selector` has the focus (fails if it never
    gets it)."""
    for _ in range(limit):
        if page.eval(f"document.activeElement === document.querySelector({json.dumps(selector)})"):
            return
        tab(page, shift=back)
    raise AssertionError(f"Tab never reached {selector}; focus on {focus_cls(page)!r}")


def sign_in_by_keyboard(page, key):
    page.wait("document.querySelector('.ml-modal') && !document.querySelector('.ml-modal').classList.contains('hidden')")
    page.wait("document.activeElement === document.querySelector('.ml-key-input')")
    typed(page, key)
    enter(page)
    page.wait("document.querySelector('.ml-modal').classList.contains('hidden')")


UNLABELLED = """[...document.querySelectorAll('input, select, button, textarea')].filter(e => {
  if (e.offsetParent === null && !e.closest('.kb-help')) return false;
  if (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')) return false;
  if (e.tagName === 'BUTTON') return !e.textContent.trim();
  return !e.closest('label') && !(e.id && document.querySelector('label[for="' + e.id + '"]'));
}).map(e => e.outerHTML.slice(0, 80))"""
