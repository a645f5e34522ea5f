/* Error tracker: error list page (`/`). */
'use strict';
(function () {
  const $ = ML.$;
  const PAGE = 50;
  const DEFAULTS = { project: '', environment: '', resolved: 'false', source: '', search: '', since: '',
    until: '', sort: 'last_seen', session_id: '', offset: '0', refresh: '0' };
  let state = ML.readState(DEFAULTS);
  let total = 0;
  let seq = 0;
  let refresher;

  function formToState() {
    state.project = $('.f-project').value;
    state.environment = $('.f-environment').value;
    state.resolved = $('.f-resolved').value;
    state.source = $('.f-source').value;
    state.search = $('.f-search').value.trim();
    state.since = $('.f-since').value.trim();
    state.sort = $('.f-sort').value;
  }

  function stateToForm() {
    ensureOption($('.f-project'), state.project);
    ensureOption($('.f-environment'), state.environment);
    $('.f-project').value = state.project;
    $('.f-environment').value = state.environment;
    $('.f-resolved').value = state.resolved;
    $('.f-source').value = state.source;
    $('.f-search').value = state.search;
    $('.f-since').value = state.since;
    $('.f-sort').value = state.sort;
    const sb = $('.session-banner');
    sb.classList.toggle('hidden', !state.session_id);
    $('.session-id').textContent = state.session_id;
  }

  function ensureOption(sel, value) {
    if (!value) return;
    if (!Array.prototype.some.call(sel.options, function (o) { return o.value === value; })) {
      const o = document.createElement('option');
      o.value = value;
      o.textContent = value;
      sel.appendChild(o);
    }
  }

  function fillSelect(sel, values, current) {
    sel.innerHTML = '<option value="">All</option>' + values.map(function (v) {
      return '<option value="' + ML.esc(v) + '">' + ML.esc(v) + '</option>';
    }).join('');
    ensureOption(sel, current);
    sel.value = current || '';
  }

  async function loadFacets() {
    try {
      const p = await ML.api('api/projects');
      fillSelect($('.f-project'), p.projects || [], state.project);
      const e = await ML.api('api/environments' + ML.qs({ project: state.project }));
      fillSelect($('.f-environment'), e.environments || [], state.environment);
    } catch (e) {
      ML.showError(e);
    }
  }

  function countClass(n) {
    return n > 100 ? 'count-vhi' : (n > 10 ? 'count-hi' : '');
  }

  // 24 bars, one per hour (oldest first), scaled to the busiest hour; the title says it in words
  function sparkline(hourly) {
    if (!Array.isArray(hourly) || !hourly.length) return '';
    const max = Math.max.apply(null, hourly.concat([1]));
    const sum = hourly.reduce(function (a, b) { return a + b; }, 0);
    const W = 3, H = 16;
    const bars = hourly.map(function (n, i) {
      const h = n ? Math.max(1, Math.round(n / max * H)) : 0;
      return h ? '<rect x="' + (i * W) + '" y="' + (H - h) + '" width="' + (W - 1) + '" height="' + h + '"></rect>' : '';
    }).join('');
    return '<svg class="spark" width="' + (hourly.length * W) + '" height="' + H + '" role="img" aria-label="' + sum +
      ' in the last 24 h"><title>' + sum + ' in the last 24 h</title><line x1="0" y1="' + (H - 0.5) + '" x2="' +
      (hourly.length * W) + '" y2="' + (H - 0.5) + '"></line>' + bars + '</svg>';
  }

  function render(data) {
    const body = $('.errors-body');
    const rows = data.errors || [];
    total = data.total || 0;
    if (!rows.length) {
      body.innerHTML = '<tr><td colspan="9" class="empty">No errors match these filters.</td></tr>';
    } else {
      body.innerHTML = rows.map(function (r) {
        const href = 'errors/' + encodeURIComponent(r.id);
        const msg = (r.message || '').slice(0, 120);
        return '<tr class="clickable error-row" data-id="' + r.id + '" data-href="' + href + '">' +
          '<td class="type" data-label="Exception"><a class="row-link" href="' + href + '">' + ML.esc(r.exception_type) + '</a></td>' +
          '<td class="msg" data-label="Message">' + ML.esc(msg) + (r.message && r.message.length > 120 ? '…' : '') +
          (r.culprit ? '<div class="culprit muted small"><code>' + ML.esc(r.culprit) + '</code></div>' : '') + '</td>' +
          '<td data-label="Project">' + ML.esc(r.project) + '</td>' +
          '<td data-label="Env">' + ML.esc(r.environment) + '</td>' +
          '<td class="num" data-label="Count"><span class="count ' + countClass(r.count) + '">' + ML.num(r.count) + '</span></td>' +
          '<td class="spark-cell" data-label="24 h">' + sparkline(r.hourly) + '</td>' +
          '<td data-label="First seen">' + ML.timeHtml(r.first_seen) + '</td>' +
          '<td data-label="Last seen">' + ML.timeHtml(r.last_seen) + '</td>' +
          '<td data-label="Source"><span class="badge ' + ML.esc(r.source) + '">' + ML.esc(r.source) + '</span>' +
          (r.resolved ? ' <span class="badge resolved">resolved</span>' : '') + '</td></tr>';
      }).join('');
    }
    const off = parseInt(state.offset, 10) || 0;
    $('.pager-info').textContent = total ? (off + 1) + '–' + (off + rows.length) + ' of ' + total : '0 of 0';
    $('.pager-prev').disabled = off <= 0;
    $('.pager-next').disabled = off + rows.length >= total;
  }

  async function load() {
    const my = ++seq;
    ML.writeState(state, DEFAULTS);
    try { sessionStorage.setItem('monlight.error-tracker.list_query', location.search); } catch (e) { /* ignore */ }
    // `until` and an absolute `since` come from links (a log line's "Errors ±2 min")
    if ((state.since && !ML.isRange(state.since) && isNaN(Date.parse(state.since))) ||
        (state.until && isNaN(Date.parse(state.until)) && !ML.isRange(state.until))) {
      ML.banner('Time range must look like 30m, 24h or 7d', 'error');
      return;
    }
    const q = {
      project: state.project, environment: state.environment, resolved: state.resolved, source: state.source,
      search: state.search, since: state.since, until: state.until, sort: state.sort, session_id: state.session_id,
      limit: PAGE, offset: state.offset === '0' ? '' : state.offset, histogram: '24h'
    };
    try {
      const data = await ML.api('api/errors' + ML.qs(q));
      if (my !== seq) return;
      ML.banner('');
      render(data);
    } catch (e) {
      if (my === seq) ML.showError(e);
    }
  }

  function reloadAll() {
    loadFacets();
    load();
  }

  document.addEventListener('DOMContentLoaded', function () {
    ML.init({ plugin: 'error-tracker', reload: reloadAll });
    stateToForm();
    refresher = ML.autoRefresh($('.f-refresh'), state.refresh, load, function (v) {
      state.refresh = v;
      ML.writeState(state, DEFAULTS);
    });
    $('.filters').addEventListener('submit', function (ev) {
      ev.preventDefault();
      formToState();
      state.offset = '0';
      load();
    });
    ['.f-project', '.f-environment', '.f-resolved', '.f-source', '.f-sort'].forEach(function (s) {
      $(s).addEventListener('change', function () {
        formToState();
        state.offset = '0';
        if (s === '.f-project') {
          ML.api('api/environments' + ML.qs({ project: state.project })).then(function (e) {
            fillSelect($('.f-environment'), e.environments || [], state.environment);
          }, ML.showError);
        }
        load();
      });
    });
    $('.f-since').addEventListener('change', function () { formToState(); state.offset = '0'; load(); });
    $('.session-clear').addEventListener('click', function () {
      state.session_id = '';
      state.offset = '0';
      stateToForm();
      load();
    });
    $('.pager-prev').addEventListener('click', function () {
      state.offset = String(Math.max(0, (parseInt(state.offset, 10) || 0) - PAGE));
      load();
    });
    $('.pager-next').addEventListener('click', function () {
      state.offset = String((parseInt(state.offset, 10) || 0) + PAGE);
      load();
    });
    $('.errors-body').addEventListener('click', function (ev) {
      if (ev.target.closest('a')) return;
      const tr = ev.target.closest('tr.error-row');
      if (tr) window.location.href = tr.getAttribute('data-href');
    });
    void refresher;
    reloadAll();
  });
})();
