/* Monlight shared time-range control: presets (15m, 1h, 6h, 24h, 7d), an absolute from/to, zoom out, and zoom in
 * from a chart. The range lives in the URL as the APIs' `since`/`until` (a relative `24h` or an ISO time), so
 * every tool reads it the same way. Plain ES2017; exposes the global `MLTimeRange`.
 *
 *   const tr = MLTimeRange.mount(el, { onChange: function (range) {...}, defaultLabel: 'Auto' });
 *   tr.get()        → { since, until } as in the URL ('' when not set)
 *   tr.resolve()    → { from, to } in ms (null when not set)
 *   tr.zoom(a, b)   → absolute range [a, b] ms, onChange
 *
 * Without onChange (the errors and logs pages: <div class="ml-timerange" data-input=".f-since">), a preset is put
 * into the page's own `since` field (which reloads that page's data) and an absolute range reloads the page. */
'use strict';
(function (global) {
  const PRESETS = ['15m', '1h', '6h', '24h', '7d'];
  const UNIT = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

  function spanMs(rel) {
    const m = /^([1-9][0-9]{0,5})([smhd])$/.exec(rel || '');
    return m ? Number(m[1]) * UNIT[m[2]] : null;
  }

  /** ms for a `since`/`until` value (relative = now minus the span, or an ISO/date time); null when empty/invalid. */
  function toMs(v, now) {
    if (!v) return null;
    const s = spanMs(v);
    if (s !== null) return now - s;
    const t = Date.parse(v);
    return isNaN(t) ? null : t;
  }

  function pad(n) { return String(n).padStart(2, '0'); }

  /** `YYYY-MM-DDTHH:MM` in local time, the value of an `<input type="datetime-local">`. */
  function localInput(ms) {
    const d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T' + pad(d.getHours()) + ':' +
      pad(d.getMinutes());
  }

  function shortTime(ms) {
    const d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' +
      pad(d.getMinutes());
  }

  function readUrl() {
    const q = new URLSearchParams(global.location.search);
    return { since: q.get('since') || '', until: q.get('until') || '' };
  }

  function writeUrl(r) {
    const q = new URLSearchParams(global.location.search);
    ['since', 'until'].forEach(function (k) { if (r[k]) q.set(k, r[k]); else q.delete(k); });
    const qs = q.toString();
    global.history.replaceState(null, '', global.location.pathname + (qs ? '?' + qs : ''));
  }

  let seq = 0;

  function mount(el, opts) {
    opts = opts || {};
    const id = 'mltr' + (++seq);
    let range = readUrl();
    const input = opts.input ? document.querySelector(opts.input) : null;
    if (input && !range.since && input.value) range.since = input.value.trim();
    el.classList.add('ml-tr');
    el.setAttribute('role', 'group');
    el.setAttribute('aria-label', 'Time range');
    el.innerHTML =
      '<span class="ml-tr-presets">' + PRESETS.map(function (p) {
        return '<button type="button" class="btn ml-tr-preset" data-since="' + p + '" aria-pressed="false">' + p + '</button>';
      }).join('') + '</span>' +
      '<button type="button" class="btn ml-tr-out" title="Zoom out: twice the span around its middle">Zoom out</button>' +
      '<button type="button" class="btn ml-tr-custom" aria-expanded="false" aria-controls="' + id + '-abs">From / to…</button>' +
      '<span class="ml-tr-label muted small" aria-live="polite"></span>' +
      '<div class="ml-tr-abs hidden" id="' + id + '-abs" role="group" aria-label="Absolute time range">' +
      '<label>From<input type="datetime-local" class="ml-tr-from"></label>' +
      '<label>To<input type="datetime-local" class="ml-tr-to"></label>' +
      '<button type="button" class="btn primary ml-tr-apply">Apply</button>' +
      '<span class="ml-tr-error small" role="alert"></span></div>';
    const abs = el.querySelector('.ml-tr-abs');

    function render() {
      el.querySelectorAll('.ml-tr-preset').forEach(function (b) {
        const on = !range.until && b.getAttribute('data-since') === range.since;
        b.classList.toggle('active', on);
        b.setAttribute('aria-pressed', on ? 'true' : 'false');
      });
      let label;
      if (!range.since && !range.until) label = opts.defaultLabel || 'Default range';
      else if (!range.until && spanMs(range.since) !== null) label = 'Last ' + range.since;
      else {
        const now = Date.now();
        const a = toMs(range.since, now), b = toMs(range.until, now);
        label = (a !== null ? shortTime(a) : '…') + ' → ' + (b !== null ? shortTime(b) : 'now');
      }
      el.querySelector('.ml-tr-label').textContent = label;
    }

    function changed() {
      render();
      if (opts.onChange) {
        writeUrl(range);
        opts.onChange(ctl.get());
        return;
      }
      // errors and logs pages: their own `since` field drives a relative range; anything else reloads the page,
      // which reads `since`/`until` from the URL
      if (input && !range.until && (!range.since || spanMs(range.since) !== null) && !readUrl().until) {
        input.value = range.since;
        input.dispatchEvent(new Event('change', { bubbles: true }));
        return;
      }
      writeUrl(range);
      global.location.reload();
    }

    const ctl = {
      get: function () { return { since: range.since, until: range.until }; },
      /** True when the user (or the URL) chose a range. */
      explicit: function () { return !!(range.since || range.until); },
      resolve: function () {
        const now = Date.now();
        return { from: toMs(range.since, now), to: range.until ? toMs(range.until, now) : (range.since ? now : null) };
      },
      set: function (since, until, silent) {
        range = { since: since || '', until: until || '' };
        if (silent) { writeUrl(range); render(); } else changed();
      },
      zoom: function (fromMs, toMs2) {
        if (!(toMs2 > fromMs)) return;
        range = { since: new Date(Math.floor(fromMs)).toISOString(), until: new Date(Math.ceil(toMs2)).toISOString() };
        changed();
      }
    };

    el.querySelector('.ml-tr-presets').addEventListener('click', function (ev) {
      const b = ev.target.closest('.ml-tr-preset');
      if (!b) return;
      range = { since: b.getAttribute('data-since'), until: '' };
      changed();
    });
    el.querySelector('.ml-tr-out').addEventListener('click', function () {
      const now = Date.now();
      let r = ctl.resolve();
      if (r.from === null) r = { from: now - (opts.defaultSpanMs || 86400e3), to: now };
      const span = r.to - r.from;
      const to = Math.min(now, r.to + span / 2);
      ctl.zoom(Math.max(0, to - 2 * span), to);
    });
    el.querySelector('.ml-tr-custom').addEventListener('click', function (ev) {
      const open = abs.classList.toggle('hidden') === false;
      ev.currentTarget.setAttribute('aria-expanded', open ? 'true' : 'false');
      if (!open) return;
      const now = Date.now();
      const r = ctl.resolve();
      el.querySelector('.ml-tr-from').value = localInput(r.from !== null ? r.from : now - 86400e3);
      el.querySelector('.ml-tr-to').value = localInput(r.to !== null ? r.to : now);
      el.querySelector('.ml-tr-from').focus();
    });
    // not a <form>: the control often sits inside a page's filter form, and forms do not nest
    abs.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && ev.target.tagName === 'INPUT') {
        ev.preventDefault();
        apply();
        return;
      }
      if (ev.key !== 'Escape') return;
      abs.classList.add('hidden');
      const b = el.querySelector('.ml-tr-custom');
      b.setAttribute('aria-expanded', 'false');
      b.focus();
    });
    el.querySelector('.ml-tr-apply').addEventListener('click', apply);
    function apply() {
      const a = Date.parse(el.querySelector('.ml-tr-from').value);
      const tv = el.querySelector('.ml-tr-to').value;
      const b = tv ? Date.parse(tv) : Date.now();
      const err = el.querySelector('.ml-tr-error');
      if (isNaN(a) || isNaN(b) || b <= a) {
        err.textContent = 'From must be a time before To.';
        return;
      }
      err.textContent = '';
      abs.classList.add('hidden');
      el.querySelector('.ml-tr-custom').setAttribute('aria-expanded', 'false');
      range = { since: new Date(a).toISOString(), until: tv ? new Date(b).toISOString() : '' };
      changed();
    }
    if (input) input.addEventListener('change', function () {
      if (range.until) return;
      range.since = input.value.trim();
      render();
    });
    render();
    el.mlTimeRange = ctl;
    return ctl;
  }

  global.MLTimeRange = { mount: mount, spanMs: spanMs, toMs: toMs, PRESETS: PRESETS };
  // pages that only include this file: <div class="ml-timerange" data-input="<selector of their since field>">
  function auto() {
    Array.prototype.forEach.call(document.querySelectorAll('.ml-timerange[data-input]'), function (el) {
      if (!el.mlTimeRange) mount(el, { input: el.getAttribute('data-input'), defaultLabel: 'Any time' });
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', auto);
  else auto();
})(window);
