/* Error tracker: error detail page (`/errors/{id}`). */
'use strict';
(function () {
  const $ = ML.$;
  let errorId = '';

  function pretty(v) {
    if (v === null || v === undefined) return '';
    try { return JSON.stringify(v, null, 2); } catch (e) { return String(v); }
  }

  function fact(label, html) {
    return '<dt>' + ML.esc(label) + '</dt><dd>' + html + '</dd>';
  }

  function renderSourceContext(list) {
    if (!Array.isArray(list) || !list.length) return '';
    return '<div class="source-context"><div class="muted small">Source context</div>' + list.map(function (sc) {
      const lines = Array.isArray(sc.context) ? sc.context : [];
      return '<div class="src-ctx"><div class="src-file">' + ML.esc(sc.source) + ':' + ML.esc(sc.line) +
        ' <span class="muted">(frame ' + ML.esc(sc.frame) + ')</span></div>' +
        lines.map(function (l) {
          return '<div class="src-line' + (l.line === sc.line ? ' hl' : '') + '"><span class="ln">' + ML.esc(l.line) +
            '</span>' + ML.esc(l.text) + '</div>';
        }).join('') + '</div>';
    }).join('') + '</div>';
  }

  function renderOccurrence(o, i) {
    const extra = (o.extra && typeof o.extra === 'object' && !Array.isArray(o.extra)) ? o.extra : {};
    const ua = extra.user_agent || (o.request_headers && (o.request_headers['user-agent'] || o.request_headers['User-Agent']));
    let h = '<div class="occ" data-occ="' + o.id + '"><div class="occ-head">' +
      '<strong>' + ML.timeHtml(o.timestamp) + '</strong>' +
      '<span class="muted small">' + ML.esc(ML.localTime(o.timestamp)) + '</span>' +
      (o.request_method || o.request_url ? '<span class="req"><span class="badge">' + ML.esc(o.request_method || '') + '</span> ' +
        ML.esc(o.request_url || '') + '</span>' : '') +
      '</div><dl class="kv occ-facts">';
    if (o.user_id) h += fact('User', ML.esc(o.user_id));
    if (o.session_id) {
      h += fact('Session', '<a class="session-link" href="../?session_id=' + encodeURIComponent(o.session_id) + '">' +
        ML.esc(o.session_id) + '</a>');
    }
    if (ua) h += fact('User agent', ML.esc(ua));
    if (extra.release) h += fact('Release', ML.esc(extra.release));
    h += '</dl>';
    const parsed = parseFrames(o.traceback);
    h += '<details class="occ-tb"' + (i === 0 ? ' open' : '') + '><summary>Traceback</summary>' +
      (parsed ? framesHtml(parsed, false) + '<details class="occ-raw"><summary>Raw text</summary><pre class="code">' +
        ML.esc(o.traceback) + '</pre></details>' : '<pre class="code">' + ML.esc(o.traceback || '') + '</pre>') +
      '</details>';
    if (typeof extra.original_stack === 'string') {
      h += '<details class="occ-min"><summary>minified stack</summary><pre class="code">' + ML.esc(extra.original_stack) + '</pre></details>';
    }
    h += renderSourceContext(extra.source_context);
    h += '<div class="occ-logs hidden" data-occ="' + o.id + '"></div>';
    if (o.request_headers) {
      h += '<details><summary>Request headers</summary><pre class="code">' + ML.esc(pretty(o.request_headers)) + '</pre></details>';
    }
    if (o.extra !== null && o.extra !== undefined) {
      h += '<details><summary>Extra</summary><pre class="code">' + ML.esc(pretty(o.extra)) + '</pre></details>';
    }
    return h + '</div>';
  }

  function browserName(ua) {
    if (!ua) return '';
    const m = /(Edg|OPR|Firefox|Chrome|Version)\/(\d+)/.exec(ua);
    if (!m) return /python|curl|okhttp|Go-http/i.test(ua) ? String(ua).split(/[ /]/)[0] : 'other';
    const name = { Edg: 'Edge', OPR: 'Opera', Version: /Safari/.test(ua) ? 'Safari' : 'other' }[m[1]] || m[1];
    return name + ' ' + m[2];
  }

  // Tags of the kept occurrences (the newest max_occurrences): value → how many of them carry it.
  function renderTags(occ) {
    const tags = { release: {}, server: {}, browser: {}, url: {}, user: {} };
    occ.forEach(function (o) {
      const extra = (o.extra && typeof o.extra === 'object' && !Array.isArray(o.extra)) ? o.extra : {};
      const ua = extra.user_agent || (o.request_headers && (o.request_headers['user-agent'] || o.request_headers['User-Agent']));
      const add = function (k, v) { if (v) tags[k][String(v)] = (tags[k][String(v)] || 0) + 1; };
      add('release', extra.release);
      add('server', extra.server_name);
      add('browser', browserName(ua));
      add('url', o.request_url);
      add('user', o.user_id);
    });
    const names = { release: 'Release', server: 'Server', browser: 'Browser', url: 'URL', user: 'Users affected' };
    const html = Object.keys(tags).filter(function (k) { return Object.keys(tags[k]).length; }).map(function (k) {
      const vals = Object.keys(tags[k]).sort(function (a, b) { return tags[k][b] - tags[k][a]; });
      const body = k === 'user'
        ? '<span class="tag-val">' + vals.length + '</span>'
        : vals.slice(0, 5).map(function (v) {
          return '<span class="tag-val" title="' + tags[k][v] + ' of ' + occ.length + ' kept occurrences">' + ML.esc(v) +
            ' <span class="muted">' + tags[k][v] + '</span></span>';
        }).join(' ');
      return '<div class="tag tag-' + k + '"><span class="tag-name">' + names[k] + '</span> ' + body + '</div>';
    }).join('');
    $('.d-tags').innerHTML = html ? html + '<div class="muted small">from the ' + occ.length + ' kept occurrences</div>' : '';
    $('.d-tags').classList.toggle('hidden', !html);
  }


  // ---- structured stack frames ----
  // Frames parsed from the stored traceback text (Sentry events arrive rendered the same way): Python tracebacks
  // (`File "path", line N, in func` + the code line; chained exceptions keep their separator lines) and
  // JavaScript stacks (V8 `at func (url:line:col)`, Firefox/Safari `func@url:line:col`). A frame is a library
  // frame when its path is a package directory, the runtime or a bundled vendor file; those are folded by default.
  // The raising frame is the last Python frame or the first JavaScript frame.
  const LIBRARY = /(site-packages|dist-packages)[\\/]|[\\/]lib[\\/]python\d|^<frozen |^\/usr\/lib\/|node_modules[\\/]|^node:|^internal[\\/]|webpack[\\/]bootstrap|[\\/~]vendors?[\\/.~-]|chunk-vendors|^<anonymous>$|^native$|^\[native code\]$/;

  function jsLocation(text) {
    const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(text.trim());
    return m && m[1] ? { file: m[1], line: m[2], col: m[3] || '' } : null;
  }

  function parseFrames(tb) {
    const lines = String(tb || '').split('\n');
    const items = [];
    let python = false;
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i].replace(/\r$/, '');
      const t = raw.trim();
      let m = /^File "([^"]+)", line (\d+)(?:, in (.*))?$/.exec(t);
      if (m) {
        python = true;
        const f = { kind: 'frame', file: m[1], line: m[2], func: m[3] || '', code: '' };
        const next = lines[i + 1];
        if (next !== undefined && /^\s{4,}\S/.test(next) && !/^\s*File "/.test(next) && !/^\s*[~^]+\s*$/.test(next)) {
          f.code = next.trim();
          i++;
        }
        items.push(f);
        continue;
      }
      if (!python) {
        m = /^at (?:(.*?) \((.*)\)|(.*))$/.exec(t);
        let loc = null, func = '';
        if (m) { loc = jsLocation(m[2] !== undefined ? m[2] : m[3]); func = m[1] || ''; }
        else if (t.indexOf('@') >= 0 && t.indexOf(' ') < 0) {
          loc = jsLocation(t.slice(t.indexOf('@') + 1));
          func = t.slice(0, t.indexOf('@'));
        }
        if (loc) {
          items.push({ kind: 'frame', file: loc.file, line: loc.line, col: loc.col, func: func, code: '' });
          continue;
        }
      }
      if (t && !/^[~^]+$/.test(t)) items.push({ kind: 'text', text: t }); // not Python 3.11's ^^^ markers
    }
    const frames = items.filter(function (x) { return x.kind === 'frame'; });
    if (!frames.length) return null;
    frames.forEach(function (f) { f.library = LIBRARY.test(f.file); });
    (python ? frames[frames.length - 1] : frames[0]).raising = true;
    return { items: items, frames: frames, python: python };
  }

  function baseName(path) {
    const p = String(path).replace(/[?#].*$/, '');
    return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1) || p;
  }

  function frameHtml(f) {
    return '<li class="frame ' + (f.library ? 'lib' : 'in-app') + (f.raising ? ' raising' : '') + '"' +
      (f.raising ? ' aria-current="true"' : '') + '>' +
      '<div class="f-head"><span class="f-kind badge">' + (f.library ? 'library' : 'in app') + '</span> ' +
      '<span class="f-file" title="' + ML.esc(f.file) + '">' + ML.esc(baseName(f.file)) + '</span>:<span class="f-line">' +
      ML.esc(f.line) + '</span>' + (f.col ? '<span class="muted">:' + ML.esc(f.col) + '</span>' : '') +
      (f.func ? ' <span class="muted">in</span> <span class="f-func">' + ML.esc(f.func) + '</span>' : '') +
      (f.raising ? ' <span class="badge red f-raised">raised here</span>' : '') +
      ' <span class="f-path muted small">' + ML.esc(f.file) + '</span></div>' +
      (f.code ? '<pre class="f-code">' + ML.esc(f.code) + '</pre>' : '') + '</li>';
  }

  let libShown = false;
  let runSeq = 0;
  // Frames in the order of the text; each run of library frames (except the raising frame) folds into one line
  // with a button that shows it.
  function framesHtml(parsed, expanded) {
    let html = '';
    let run = [];
    const flush = function () {
      if (!run.length) return;
      const id = 'lib-run-' + (++runSeq);
      html += '<li class="lib-run"><button class="btn link lib-run-toggle" type="button" aria-expanded="' + expanded +
        '" aria-controls="' + id + '">' + run.length + ' library frame' + (run.length > 1 ? 's' : '') +
        '</button><ol class="lib-frames' + (expanded ? '' : ' hidden') + '" id="' + id + '">' +
        run.map(frameHtml).join('') + '</ol></li>';
      run = [];
    };
    parsed.items.forEach(function (it) {
      if (it.kind === 'frame' && it.library && !it.raising) { run.push(it); return; }
      flush();
      html += it.kind === 'frame' ? frameHtml(it) : '<li class="tb-text">' + ML.esc(it.text) + '</li>';
    });
    flush();
    return '<ol class="frame-list" aria-label="Stack frames, ' + (parsed.python ? 'most recent call last' :
      'most recent call first') + '">' + html + '</ol>';
  }

  function renderFrames(box, tb) {
    const parsed = parseFrames(tb);
    const raw = $('.d-traceback');
    raw.textContent = tb || '';
    if (!parsed) {
      box.innerHTML = '';
      box.classList.add('hidden');
      raw.classList.remove('hidden');
      $('.tb-tools').classList.toggle('hidden', !tb);
      $('.tb-lib-toggle').classList.add('hidden');
      $('.tb-raw-toggle').classList.add('hidden');
      return;
    }
    const lib = parsed.frames.filter(function (f) { return f.library; }).length;
    box.innerHTML = framesHtml(parsed, libShown);
    box.classList.remove('hidden');
    raw.classList.add('hidden');
    $('.tb-tools').classList.remove('hidden');
    $('.tb-summary').textContent = parsed.frames.length + ' frames, ' + (parsed.frames.length - lib) + ' in app';
    const lt = $('.tb-lib-toggle');
    lt.classList.toggle('hidden', !lib);
    lt.textContent = (libShown ? 'Hide ' : 'Show ') + lib + ' library frame' + (lib > 1 ? 's' : '');
    lt.setAttribute('aria-pressed', libShown ? 'true' : 'false');
    const rt = $('.tb-raw-toggle');
    rt.classList.remove('hidden');
    rt.setAttribute('aria-pressed', 'false');
  }

  function setLibShown(show) {
    libShown = show;
    renderFrames($('.d-frames'), currentTraceback);
  }
  let currentTraceback = '';

  function render(d) {
    document.title = d.exception_type + ' · Monlight';
    $('.d-type').textContent = d.exception_type;
    $('.d-message').textContent = d.message;
    $('.d-badges').innerHTML =
      '<span class="badge d-status ' + (d.resolved ? 'resolved' : 'unresolved') + '">' + (d.resolved ? 'Resolved' : 'Unresolved') + '</span>' +
      '<span class="badge ' + ML.esc(d.source) + '">' + ML.esc(d.source) + '</span>' +
      '<span class="badge">' + ML.esc(d.project) + '</span><span class="badge">' + ML.esc(d.environment) + '</span>';
    $('.d-facts').innerHTML =
      fact('Count', '<span class="d-count">' + ML.num(d.count) + '</span>') +
      fact('First seen', ML.timeHtml(d.first_seen) + ' <span class="muted small">' + ML.esc(ML.localTime(d.first_seen)) + '</span>') +
      fact('Last seen', ML.timeHtml(d.last_seen) + ' <span class="muted small">' + ML.esc(ML.localTime(d.last_seen)) + '</span>') +
      fact('Resolved at', d.resolved_at ? ML.timeHtml(d.resolved_at) : '<span class="muted">—</span>') +
      fact('Fingerprint', '<code>' + ML.esc(d.fingerprint) + '</code>');
    $('.d-resolve').classList.toggle('hidden', !!d.resolved);
    $('.d-reopen').classList.toggle('hidden', !d.resolved);
    currentTraceback = d.traceback || '';
    renderFrames($('.d-frames'), currentTraceback);
    const occ = d.occurrences || [];
    $('.d-occ-count').textContent = '(' + occ.length + ' kept)';
    renderTags(occ);
    $('.occurrences').innerHTML = occ.length ? occ.map(renderOccurrence).join('') : '<p class="empty">No occurrences kept.</p>';
    occ.slice(0, 5).forEach(loadOccurrenceLogs);
  }

  // ---- errors linked to logs ----
  // The log lines around an occurrence: those with its trace id, else those of the container whose name or id is
  // the event's server_name (inside Docker the host name is the container id), within ±2 minutes. The log viewer
  // is read on the combined listener (same origin, `../log-viewer/`) with the log viewer key stored there.
  const LOG_WINDOW_MS = 2 * 60 * 1000;

  function logViewerRoot() {
    return /\/error-tracker\/$/.test(ML.root) ? ML.root.replace(/error-tracker\/$/, 'log-viewer/') : '';
  }

  function occurrenceLink(o) {
    const extra = (o.extra && typeof o.extra === 'object' && !Array.isArray(o.extra)) ? o.extra : {};
    const ctx = extra.contexts && typeof extra.contexts === 'object' ? extra.contexts : {};
    const traceId = o.trace_id || extra.trace_id || (ctx.trace && ctx.trace.trace_id) || '';
    const host = o.server_name || extra.server_name || '';
    const t = Date.parse(o.timestamp);
    if (isNaN(t) || (!traceId && !host)) return null;
    const q = { since: new Date(t - LOG_WINDOW_MS).toISOString(), until: new Date(t + LOG_WINDOW_MS).toISOString() };
    if (traceId && /^[0-9a-fA-F]{32}$/.test(String(traceId))) q.trace_id = String(traceId).toLowerCase();
    else if (host) q.host = String(host);
    else return null;
    return q;
  }

  async function loadOccurrenceLogs(o) {
    const root = logViewerRoot();
    const q = occurrenceLink(o);
    const box = document.querySelector('.occ-logs[data-occ="' + o.id + '"]');
    if (!root || !q || !box) return;
    const what = q.trace_id ? 'trace ' + q.trace_id.slice(0, 8) + '…' : 'host ' + q.host;
    const link = '<a class="logs-link" href="' + ML.esc(root + ML.qs(q)) + '">Open in the log viewer</a>';
    const key = localStorage.getItem('monlight.log-viewer.api_key') || '';
    let res;
    try {
      res = await fetch(root + 'api/logs' + ML.qs(Object.assign({ limit: 50 }, q)),
        { headers: key ? { 'X-API-Key': key, 'Accept': 'application/json' } : { 'Accept': 'application/json' }, cache: 'no-store' });
    } catch (e) { return; }
    if (res.status === 404) return; // no log viewer on this listener
    box.classList.remove('hidden');
    const head = '<div class="muted small">Logs around this event (' + ML.esc(what) + ', ±2 min) · ' + link + '</div>';
    if (res.status === 401) {
      box.innerHTML = head + '<p class="muted small logs-signin">Sign in to the log viewer to see its lines here.</p>';
      return;
    }
    if (!res.ok) {
      box.innerHTML = head + '<p class="muted small">Log viewer answered HTTP ' + res.status + '.</p>';
      return;
    }
    const data = await res.json();
    const logs = (data.logs || []).slice().reverse();
    box.innerHTML = head + (logs.length ? '<div class="occ-log-lines">' + logs.map(function (l) {
      const near = Math.abs(Date.parse(l.timestamp) - Date.parse(o.timestamp)) < 1000;
      return '<div class="occ-log-line lvl-' + ML.esc(l.level) + (near ? ' near' : '') + '"><span class="t">' +
        ML.esc(String(l.timestamp).slice(11, 23)) + '</span> <span class="c">' + ML.esc(l.container) + '</span> ' +
        '<span class="m"></span></div>';
    }).join('') + '</div>' : '<p class="muted small empty">No log lines in this window.</p>');
    box.querySelectorAll('.occ-log-line .m').forEach(function (m, i) { m.textContent = logs[i].message; });
  }

  // ---- volume: occurrences per hour (24 h) or per day (14 d) as bars, with a text equivalent in each title ----
  let volumePeriod = '24h';
  async function loadVolume() {
    let h;
    try {
      h = await ML.api('api/errors/' + encodeURIComponent(errorId) + '/histogram' + ML.qs({ period: volumePeriod }));
    } catch (e) { return; }
    const b = h.buckets || [];
    const max = Math.max.apply(null, b.map(function (x) { return x.count; }).concat([1]));
    const W = 600, H = 80, bw = W / Math.max(1, b.length);
    const bars = b.map(function (x, i) {
      const bh = x.count ? Math.max(1, Math.round(x.count / max * (H - 4))) : 0;
      const label = ML.localTime(x.start).slice(0, h.interval === '1d' ? 10 : 16) + ': ' + x.count;
      return '<rect class="v-bar" data-count="' + x.count + '" x="' + (i * bw + 1).toFixed(1) + '" y="' + (H - bh) +
        '" width="' + Math.max(1, bw - 2).toFixed(1) + '" height="' + bh + '"><title>' + ML.esc(label) + '</title></rect>';
    }).join('');
    $('.v-chart').innerHTML = '<svg class="v-svg" viewBox="0 0 ' + W + ' ' + H + '" preserveAspectRatio="none" role="img" ' +
      'aria-label="' + h.total + ' occurrences in the last ' + (volumePeriod === '14d' ? '14 days' : '24 hours') + '">' +
      '<line x1="0" y1="' + (H - 0.5) + '" x2="' + W + '" y2="' + (H - 0.5) + '"></line>' + bars + '</svg>';
    $('.v-total').textContent = '(' + ML.num(h.total) + ' in the last ' + (volumePeriod === '14d' ? '14 days' : '24 hours') + ')';
  }

  async function load() {
    try {
      const d = await ML.api('api/errors/' + encodeURIComponent(errorId));
      ML.banner('');
      render(d);
      loadVolume();
    } catch (e) {
      if (e.status === 404) {
        $('.d-type').textContent = 'Error not found';
        ML.banner('Error #' + errorId + ' not found', 'error');
      } else {
        ML.showError(e);
      }
    }
  }

  async function setResolved(resolve) {
    const btns = [$('.d-resolve'), $('.d-reopen')];
    btns.forEach(function (b) { b.disabled = true; });
    try {
      await ML.api('api/errors/' + encodeURIComponent(errorId) + (resolve ? '/resolve' : '/unresolve'), { method: 'POST' });
      await load();
    } catch (e) {
      ML.showError(e);
    } finally {
      btns.forEach(function (b) { b.disabled = false; });
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    const m = window.location.pathname.match(/errors\/([^/]+)\/?$/);
    errorId = m ? decodeURIComponent(m[1]) : '';
    ML.init({ plugin: 'error-tracker', suffix: /errors\/[^/]+\/?$/, reload: load });
    let back = '';
    try { back = sessionStorage.getItem('monlight.error-tracker.list_query') || ''; } catch (e) { back = ''; }
    $('.back-link').setAttribute('href', '../' + back);
    document.querySelectorAll('.v-period').forEach(function (btn) {
      btn.addEventListener('click', function () {
        volumePeriod = btn.getAttribute('data-period');
        document.querySelectorAll('.v-period').forEach(function (o) {
          o.classList.toggle('active', o === btn);
          o.setAttribute('aria-pressed', o === btn ? 'true' : 'false');
        });
        loadVolume();
      });
    });
    $('.d-resolve').addEventListener('click', function () { setResolved(true); });
    $('.tb-lib-toggle').addEventListener('click', function () { setLibShown(!libShown); });
    $('.tb-raw-toggle').addEventListener('click', function (ev) {
      const raw = ev.currentTarget.getAttribute('aria-pressed') !== 'true';
      ev.currentTarget.setAttribute('aria-pressed', raw ? 'true' : 'false');
      $('.d-traceback').classList.toggle('hidden', !raw);
      $('.d-frames').classList.toggle('hidden', raw);
    });
    $('.tb-copy').addEventListener('click', function (ev) { ML.copy(currentTraceback, ev.currentTarget); });
    document.querySelector('main').addEventListener('click', function (ev) {
      const b = ev.target.closest('.lib-run-toggle');
      if (!b) return;
      const open = b.getAttribute('aria-expanded') !== 'true';
      b.setAttribute('aria-expanded', open ? 'true' : 'false');
      document.getElementById(b.getAttribute('aria-controls')).classList.toggle('hidden', !open);
    });
    $('.d-reopen').addEventListener('click', function () { setResolved(false); });
    load();
  });
})();
