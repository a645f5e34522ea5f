/* Monlight UI common helpers, served by the host to every plugin's UI (host/web/static). Loads nav.js next to it.
 * Plain ES2017, no dependencies. Exposes the global `ML`. */
'use strict';
(function (global) {
  const ML = {};
  let plugin = 'plugin';
  let keyLabel = 'API key';
  let modalWaiters = null;

  /** Escapes text for HTML. */
  ML.esc = function (s) {
    return String(s === null || s === undefined ? '' : s)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  };

  ML.$ = function (sel, el) { return (el || document).querySelector(sel); };
  ML.$$ = function (sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); };

  /** Root of the UI: the page path with its page suffix (e.g. `errors/12`) removed, always ending with `/`. */
  ML.computeRoot = function (suffix) {
    let p = global.location.pathname;
    if (suffix) p = p.replace(suffix, '');
    return p.replace(/[^/]*$/, '');
  };

  ML.keyName = function () { return 'monlight.' + plugin + '.api_key'; };
  // One sign-in for the UIs of one origin (the combined listener serves them all): a saved key is also kept under
  // SHARED_KEY, which every UI tries when it has no key of its own. The relay's page takes the admin key, which no
  // other UI accepts, so it keeps its key to itself.
  const SHARED_KEY = 'monlight.api_key';
  function sharesKey() { return plugin !== 'browser-relay'; }
  ML.getKey = function () {
    try {
      return global.localStorage.getItem(ML.keyName()) || (sharesKey() && global.localStorage.getItem(SHARED_KEY)) || '';
    } catch (e) { return ''; }
  };
  ML.setKey = function (k) {
    try {
      global.localStorage.setItem(ML.keyName(), k);
      if (sharesKey()) global.localStorage.setItem(SHARED_KEY, k);
    } catch (e) { /* storage disabled */ }
  };
  /** Signing out forgets every key this browser keeps for this origin (one sign-in, one sign-out). */
  ML.signOut = function () {
    try {
      const ls = global.localStorage;
      const names = [];
      for (let i = 0; i < ls.length; i++) {
        const n = ls.key(i);
        if (n === SHARED_KEY || /^monlight\.[^.]+\.api_key$/.test(n)) names.push(n);
      }
      names.forEach(function (n) { ls.removeItem(n); });
    } catch (e) { /* ignore */ }
    ML.askKey('Signed out. Enter the ' + keyLabel + ' to continue.').then(function () { ML.reloadData(); });
  };

  /** Initialises the page: plugin name, root, header controls, key modal. */
  ML.init = function (opts) {
    plugin = opts.plugin;
    keyLabel = opts.keyLabel || 'API key';
    ML.root = ML.computeRoot(opts.suffix);
    ML.reloadData = opts.reload || function () {};
    const so = ML.$('.ml-signout');
    if (so) so.addEventListener('click', ML.signOut);
    buildModal();
    if (ML.nav) ML.nav.build();
  };

  // The shared top navigation (nav.js, next to this file) is loaded by every page that loads this one.
  (function loadNav() {
    const me = document.currentScript;
    if (!me || !me.src || document.querySelector('script[data-ml-nav]')) return;
    const s = document.createElement('script');
    s.src = me.src.replace(/common\.js(\?|$)/, 'nav.js$1');
    s.setAttribute('data-ml-nav', '');
    document.head.appendChild(s);
  })();

  function buildModal() {
    if (ML.$('.ml-modal')) return;
    const d = document.createElement('div');
    d.className = 'ml-modal hidden';
    d.setAttribute('role', 'dialog');
    d.setAttribute('aria-modal', 'true');
    d.setAttribute('aria-labelledby', 'ml-modal-title');
    d.innerHTML = '<form class="ml-modal-box" autocomplete="off">' +
      '<h2 class="ml-modal-title" id="ml-modal-title">' + ML.esc(keyLabel) + '</h2>' +
      '<p class="ml-modal-msg"></p>' +
      '<input class="ml-key-input" type="password" name="key" placeholder="' + ML.esc(keyLabel) + '" required>' +
      '<div class="ml-row"><button class="btn primary ml-key-save" type="submit">Save</button></div>' +
      '<p class="muted small">Stored in this browser (localStorage <code>' + ML.esc(ML.keyName()) + '</code>).</p>' +
      '</form>';
    document.body.appendChild(d);
    // Keyboard: Tab stays inside the dialog; Escape closes it, leaving a banner button that opens it again
    // (whatever waited for a key keeps waiting and goes on once one is saved).
    d.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        d.classList.add('hidden');
        ML.banner('No ' + keyLabel + ' entered.', 'warn');
        const b = ML.$('.ml-banner');
        if (b) {
          const btn = document.createElement('button');
          btn.type = 'button';
          btn.className = 'btn ml-key-reopen';
          btn.textContent = 'Enter key';
          btn.addEventListener('click', function () {
            ML.banner('');
            d.classList.remove('hidden');
            d.querySelector('.ml-key-input').focus();
          });
          b.appendChild(document.createTextNode(' '));
          b.appendChild(btn);
          btn.focus();
        }
        return;
      }
      if (ev.key !== 'Tab') return;
      const f = Array.prototype.filter.call(d.querySelectorAll('input, button, a[href]'), function (e) { return !e.disabled; });
      if (!f.length) return;
      const first = f[0], last = f[f.length - 1];
      if (ev.shiftKey && document.activeElement === first) { ev.preventDefault(); last.focus(); }
      else if (!ev.shiftKey && document.activeElement === last) { ev.preventDefault(); first.focus(); }
    });
    d.querySelector('form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      const v = d.querySelector('.ml-key-input').value.trim();
      if (!v) return;
      ML.setKey(v);
      d.classList.add('hidden');
      const w = modalWaiters || [];
      modalWaiters = null;
      w.forEach(function (fn) { fn(v); });
    });
  }

  /** Shows the key modal; resolves with the key once the user saved one. Concurrent callers share one modal. */
  ML.askKey = function (msg) {
    const d = ML.$('.ml-modal');
    d.querySelector('.ml-modal-msg').textContent = msg || ('Enter the ' + keyLabel + '.');
    d.querySelector('.ml-key-input').value = '';
    d.classList.remove('hidden');
    setTimeout(function () { d.querySelector('.ml-key-input').focus(); }, 0);
    return new Promise(function (resolve) {
      if (!modalWaiters) modalWaiters = [];
      modalWaiters.push(resolve);
    });
  };

  /** Resolves with a key, asking for one when none is stored. */
  ML.ensureKey = function () {
    const k = ML.getKey();
    return k ? Promise.resolve(k) : ML.askKey();
  };

  /** Shows a message in the page banner (kind: info|error|warn); empty text hides it. */
  ML.banner = function (text, kind) {
    const b = ML.$('.ml-banner');
    if (!b) return;
    b.textContent = text || '';
    b.className = 'ml-banner ' + (kind || 'info') + (text ? '' : ' hidden');
  };

  function ApiError(status, detail, body) {
    this.status = status;
    this.detail = detail;
    this.body = body;
    this.message = 'HTTP ' + status + (detail ? ': ' + detail : '');
  }
  ApiError.prototype = Object.create(Error.prototype);
  ML.ApiError = ApiError;

  const sleep = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };

  /** Calls `<root><path>` with the stored key. 401 → key modal and retry; 429 → banner, wait, retry once.
   *  Resolves with the parsed JSON; rejects with ApiError for other failures. */
  ML.api = async function (path, opts) {
    opts = opts || {};
    let rateRetried = false;
    for (;;) {
      const key = opts.noKey ? '' : await ML.ensureKey();
      const headers = { 'Accept': 'application/json' };
      if (key) headers['X-API-Key'] = key;
      let body;
      if (opts.body !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      }
      let res;
      try {
        res = await fetch(ML.root + path, { method: opts.method || 'GET', headers: headers, body: body, cache: 'no-store' });
      } catch (e) {
        throw new ApiError(0, 'Network error: ' + e.message, null);
      }
      let data = null;
      const text = await res.text();
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      if (res.status === 401 && !opts.noKey) {
        await ML.askKey((data && data.detail) ? data.detail + '. Enter a valid ' + keyLabel + '.' : 'Enter the ' + keyLabel + '.');
        continue;
      }
      if (res.status === 429 && !rateRetried) {
        rateRetried = true;
        let n = (data && data.retry_after) || parseInt(res.headers.get('Retry-After') || '1', 10) || 1;
        n = Math.max(1, Math.min(3600, n));
        ML.banner('Rate limited, retrying in ' + n + ' s', 'warn');
        await sleep(n * 1000);
        ML.banner('');
        continue;
      }
      if (!res.ok) throw new ApiError(res.status, data && data.detail ? data.detail : res.statusText, data);
      return data;
    }
  };

  /** Relative age like "5 min ago". */
  ML.ago = function (iso) {
    if (!iso) return '—';
    const t = Date.parse(iso);
    if (isNaN(t)) return String(iso);
    let s = Math.round((Date.now() - t) / 1000);
    const future = s < 0;
    s = Math.abs(s);
    let v;
    if (s < 45) v = s + ' s';
    else if (s < 3600) v = Math.round(s / 60) + ' min';
    else if (s < 86400) v = Math.round(s / 3600) + ' h';
    else if (s < 86400 * 45) v = Math.round(s / 86400) + ' d';
    else v = Math.round(s / (86400 * 30)) + ' mo';
    return future ? 'in ' + v : v + ' ago';
  };

  function pad(n, w) { return String(n).padStart(w || 2, '0'); }

  /** Local time as `YYYY-MM-DD HH:MM:SS`. */
  ML.localTime = function (iso) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return String(iso || '');
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' +
      pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  };

  /** `<time>` element HTML: relative age (or local time with `abs`), full ISO time on hover. */
  ML.timeHtml = function (iso, abs) {
    if (!iso) return '<span class="muted">—</span>';
    const label = abs ? ML.localTime(iso) : ML.ago(iso);
    return '<time class="ts" datetime="' + ML.esc(iso) + '" title="' + ML.esc(iso + ' (' + ML.localTime(iso) + ' local)') + '">' +
      ML.esc(label) + '</time>';
  };

  /** Refreshes every relative `<time class="ts">` label. */
  ML.tickTimes = function () {
    ML.$$('time.ts:not(.abs)').forEach(function (t) { t.textContent = ML.ago(t.getAttribute('datetime')); });
  };

  /** Page state in the URL query. */
  ML.readState = function (defaults) {
    const q = new URLSearchParams(global.location.search);
    const s = {};
    Object.keys(defaults).forEach(function (k) { s[k] = q.has(k) ? q.get(k) : defaults[k]; });
    return s;
  };
  /** Query parameters the shared time-range control (timerange.js) owns: kept when a page writes its state. */
  ML.SHARED_PARAMS = ['since', 'until'];
  ML.writeState = function (state, defaults) {
    const q = new URLSearchParams();
    const cur = new URLSearchParams(global.location.search);
    ML.SHARED_PARAMS.forEach(function (k) { if (!(k in state) && cur.has(k)) q.set(k, cur.get(k)); });
    Object.keys(state).forEach(function (k) {
      const v = state[k];
      if (v !== undefined && v !== null && v !== '' && String(v) !== String(defaults[k] === undefined ? '' : defaults[k])) q.set(k, v);
    });
    const qs = q.toString();
    global.history.replaceState(null, '', global.location.pathname + (qs ? '?' + qs : ''));
  };

  /** Query string from an object, skipping empty values. */
  ML.qs = function (obj) {
    const q = new URLSearchParams();
    Object.keys(obj).forEach(function (k) {
      const v = obj[k];
      if (v !== undefined && v !== null && v !== '') q.set(k, v);
    });
    const s = q.toString();
    return s ? '?' + s : '';
  };

  /** Auto-refresh: fills a `<select>` with off/5 s/30 s/60 s/5 min and calls fn on that interval. */
  ML.REFRESH_CHOICES = [['0', 'off'], ['5', '5 s'], ['30', '30 s'], ['60', '60 s'], ['300', '5 min']];
  ML.autoRefresh = function (select, initial, fn, onChange) {
    select.innerHTML = ML.REFRESH_CHOICES.map(function (c) {
      return '<option value="' + c[0] + '">' + c[1] + '</option>';
    }).join('');
    select.value = ML.REFRESH_CHOICES.some(function (c) { return c[0] === String(initial); }) ? String(initial) : '0';
    let timer = null;
    const ctl = {
      paused: false,
      apply: function () {
        if (timer) clearInterval(timer);
        timer = null;
        const s = parseInt(select.value, 10);
        if (s > 0) timer = setInterval(function () { if (!ctl.paused && !document.hidden) fn(); }, s * 1000);
      }
    };
    select.addEventListener('change', function () { ctl.apply(); if (onChange) onChange(select.value); });
    ctl.apply();
    return ctl;
  };

  /** Valid relative range `<n>[smhd]`. */
  ML.isRange = function (v) { return /^[1-9][0-9]{0,5}[smhd]$/.test(v); };

  /** Number formatting. */
  ML.num = function (v, digits) {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v !== 'number') return String(v);
    if (Number.isInteger(v)) return v.toLocaleString('en-US');
    const d = digits === undefined ? 3 : digits;
    const a = Math.abs(v);
    if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
    if (a >= 1) return String(Math.round(v * Math.pow(10, d)) / Math.pow(10, d));
    return String(Number(v.toPrecision(d)));
  };

  /** Copies text to the clipboard (falls back to a hidden textarea). */
  ML.copy = function (text, btn) {
    const done = function () {
      if (btn) { const o = btn.textContent; btn.textContent = 'copied'; setTimeout(function () { btn.textContent = o; }, 1200); }
    };
    if (global.navigator.clipboard && global.isSecureContext) {
      global.navigator.clipboard.writeText(text).then(done, function () { fallback(); });
    } else fallback();
    function fallback() {
      const ta = document.createElement('textarea');
      ta.value = text;
      ta.className = 'offscreen';
      document.body.appendChild(ta);
      ta.select();
      try { document.execCommand('copy'); } catch (e) { /* ignore */ }
      document.body.removeChild(ta);
      done();
    }
  };

  /** Shows an error in the banner (ApiError or any Error). */
  ML.showError = function (e) {
    ML.banner(e && e.message ? e.message : String(e), 'error');
  };

  setInterval(function () { ML.tickTimes(); }, 30000);
  global.ML = ML;
})(window);
