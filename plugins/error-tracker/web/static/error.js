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
    h += '<details class="occ-tb"' + (i === 0 ? ' open' : '') + '><summary>Traceback</summary><pre class="code">' +
      ML.esc(o.traceback || '') + '</pre></details>';
    if (typeof extra.original_stack === 'string') {
      h += '<details class="occ-min"><summary>minified stack</summary><pre class="code">' + ML.esc(extra.original_stack) + '</pre></details>';
    }
    h += renderSourceContext(extra.source_context);
    if (o.request_headers) {
      h += '<details><summary>Request headers</summary><pre class="code">' + ML.esc(pretty(o.request_headers)) + '</pre></details>';
    }
    if (o.extra !== null && o.extra !== undefined) {
      h += '<details><summary>Extra</summary><pre class="code">' + ML.esc(pretty(o.extra)) + '</pre></details>';
    }
    return h + '</div>';
  }

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
    $('.d-traceback').textContent = d.traceback || '';
    const occ = d.occurrences || [];
    $('.d-occ-count').textContent = '(' + occ.length + ' kept)';
    $('.occurrences').innerHTML = occ.length ? occ.map(renderOccurrence).join('') : '<p class="empty">No occurrences kept.</p>';
  }

  async function load() {
    try {
      const d = await ML.api('api/errors/' + encodeURIComponent(errorId));
      ML.banner('');
      render(d);
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
    $('.d-resolve').addEventListener('click', function () { setResolved(true); });
    $('.d-reopen').addEventListener('click', function () { setResolved(false); });
    load();
  });
})();
