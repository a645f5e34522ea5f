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
  // selection: ids picked on this page, or every group matching the filters ("all N matching")
  const selected = new Set();
  let allMatching = false;
  let shownIds = [];
  let cursor = -1; // index of the keyboard cursor row (j/k)
  let busy = false;
  let lastQueryKey = '';

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
    const hadFocus = !!(document.activeElement && document.activeElement.closest &&
      document.activeElement.closest('tr.error-row'));
    if (!rows.length) {
      body.innerHTML = '<tr><td colspan="10" class="empty">No errors match these filters.</td></tr>';
    } else {
      body.innerHTML = rows.map(function (r) {
        const href = 'errors/' + encodeURIComponent(r.id);
        const msg = (r.message || '').slice(0, 120);
        const sel = selected.has(r.id);
        return '<tr class="clickable error-row' + (sel ? ' selected' : '') + '" data-id="' + r.id + '" data-href="' + href +
          '" data-resolved="' + (r.resolved ? '1' : '0') + '" tabindex="-1" aria-selected="' + sel + '">' +
          '<td class="sel-col"><input type="checkbox" class="row-sel"' + (sel ? ' checked' : '') + ' aria-label="Select ' +
          ML.esc(r.exception_type) + ' in ' + ML.esc(r.project) + ' (#' + r.id + ')"></td>' +
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
    shownIds = rows.map(function (r) { return r.id; });
    if (cursor >= rows.length) cursor = rows.length - 1;
    if (cursor >= 0) markCursor(hadFocus);
    updateBulk();
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
    // another selection of groups (filters or page): the old selection does not carry over
    const key = JSON.stringify([listFilter(), state.offset, state.sort]);
    if (key !== lastQueryKey) {
      lastQueryKey = key;
      selected.clear();
      allMatching = false;
      cursor = -1;
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

  // ---- selection and bulk actions ----
  function clearSelection() {
    selected.clear();
    allMatching = false;
    ML.$$('tr.error-row').forEach(function (tr) { setRowSelected(tr, false); });
    updateBulk();
  }

  function setRowSelected(tr, on) {
    const id = Number(tr.getAttribute('data-id'));
    if (on) selected.add(id); else selected.delete(id);
    tr.classList.toggle('selected', on);
    tr.setAttribute('aria-selected', on ? 'true' : 'false');
    const cb = tr.querySelector('.row-sel');
    if (cb) cb.checked = on;
  }

  function updateBulk() {
    const onPage = shownIds.filter(function (id) { return selected.has(id); }).length;
    const all = $('.sel-all');
    all.checked = shownIds.length > 0 && onPage === shownIds.length;
    all.indeterminate = onPage > 0 && onPage < shownIds.length;
    if (!all.checked) allMatching = false;
    const n = allMatching ? total : selected.size;
    $('.bulk-info').textContent = n ? (allMatching ? 'All ' + ML.num(total) + ' matching errors selected' :
      n + ' selected') : '';
    const more = $('.bulk-all');
    const offerAll = all.checked && total > shownIds.length;
    more.classList.toggle('hidden', !offerAll);
    more.textContent = allMatching ? 'Select only the ' + shownIds.length + ' on this page' :
      'Select all ' + ML.num(total) + ' matching';
    $('.bulk-resolve').disabled = busy || !n;
    $('.bulk-reopen').disabled = busy || !n;
  }

  function listFilter() {
    return { project: state.project, environment: state.environment, resolved: state.resolved, source: state.source,
      search: state.search, since: state.since, until: state.until, session_id: state.session_id };
  }

  // Resolves or reopens the selection (or, with nothing selected, the cursor row). "All matching" sends the
  // list's filters; the server changes up to 1000 groups per call and says how many remain.
  async function bulkAction(action) {
    if (busy) return;
    let ids = Array.from(selected);
    if (!allMatching && !ids.length && cursor >= 0 && shownIds[cursor] !== undefined) ids = [shownIds[cursor]];
    if (!allMatching && !ids.length) return;
    const verb = action === 'resolve' ? 'Resolved' : 'Reopened';
    if (allMatching && !window.confirm((action === 'resolve' ? 'Resolve' : 'Reopen') + ' all ' + total +
        ' errors matching these filters?')) return;
    busy = true;
    updateBulk();
    let updated = 0;
    try {
      if (allMatching) {
        const f = {};
        const lf = listFilter();
        Object.keys(lf).forEach(function (k) { if (lf[k]) f[k] = lf[k]; });
        for (let i = 0; i < 1000; i++) {
          const r = await ML.api('api/errors/bulk', { method: 'POST', body: { action: action, filter: f } });
          updated += r.updated;
          if (!r.remaining || !r.updated) break;
        }
      } else {
        const r = await ML.api('api/errors/bulk', { method: 'POST', body: { action: action, ids: ids } });
        updated = r.updated;
      }
      clearSelection();
      await load();
      ML.banner(verb + ' ' + updated + ' error' + (updated === 1 ? '' : 's'), 'info');
    } catch (e) {
      ML.showError(e);
    } finally {
      busy = false;
      updateBulk();
    }
  }

  // ---- keyboard triage ----
  function rows() { return ML.$$('tr.error-row'); }

  function markCursor(focus) {
    const rs = rows();
    rs.forEach(function (tr, i) { tr.classList.toggle('kb-cursor', i === cursor); });
    if (focus && rs[cursor]) {
      rs[cursor].focus();
      rs[cursor].scrollIntoView({ block: 'nearest' });
    }
  }

  function moveCursor(d) {
    const rs = rows();
    if (!rs.length) return;
    const at = rs.indexOf(document.activeElement && document.activeElement.closest ?
      document.activeElement.closest('tr.error-row') : null);
    const from = at >= 0 ? at : cursor;
    cursor = from < 0 ? 0 : Math.max(0, Math.min(rs.length - 1, from + d));
    markCursor(true);
  }

  function currentRow() {
    const a = document.activeElement && document.activeElement.closest ? document.activeElement.closest('tr.error-row') : null;
    return a || rows()[cursor] || null;
  }

  function openHelp(show) {
    const d = $('.kb-help');
    d.classList.toggle('hidden', !show);
    if (show) {
      d.__back = document.activeElement;
      $('.kb-help-close').focus();
    } else if (d.__back && d.__back.focus) {
      d.__back.focus();
    }
  }

  function onKey(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const help = !$('.kb-help').classList.contains('hidden');
    if (help) {
      if (ev.key === 'Escape' || ev.key === '?') { ev.preventDefault(); openHelp(false); }
      else if (ev.key === 'Tab') { ev.preventDefault(); $('.kb-help-close').focus(); }
      return;
    }
    const modal = ML.$('.ml-modal');
    if (modal && !modal.classList.contains('hidden')) return;
    const t = ev.target;
    const typing = t && (t.tagName === 'INPUT' && t.type !== 'checkbox' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA');
    if (typing) {
      if (ev.key === 'Escape' && t.blur) t.blur();
      return;
    }
    const row = currentRow();
    switch (ev.key) {
      case 'j': case 'ArrowDown': if (ev.key === 'ArrowDown' && !row) return; moveCursor(1); break;
      case 'k': case 'ArrowUp': if (ev.key === 'ArrowUp' && !row) return; moveCursor(-1); break;
      case 'Enter': case 'o':
        if (!row || (ev.key === 'Enter' && t.closest && t.closest('a, button'))) return;
        window.location.href = row.getAttribute('data-href');
        break;
      case 'x':
        if (!row) return;
        cursor = rows().indexOf(row);
        setRowSelected(row, !selected.has(Number(row.getAttribute('data-id'))));
        updateBulk();
        break;
      case 'r': bulkAction('resolve'); break;
      case 'u': bulkAction('unresolve'); break;
      case '/': $('.f-search').focus(); $('.f-search').select(); break;
      case '?': openHelp(true); break;
      case 'Escape': clearSelection(); break;
      default: return;
    }
    ev.preventDefault();
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
    $('.errors-body').addEventListener('change', function (ev) {
      if (!ev.target.classList.contains('row-sel')) return;
      const tr = ev.target.closest('tr.error-row');
      setRowSelected(tr, ev.target.checked);
      cursor = rows().indexOf(tr);
      markCursor(false);
      updateBulk();
    });
    $('.sel-all').addEventListener('change', function () {
      const on = $('.sel-all').checked;
      rows().forEach(function (tr) { setRowSelected(tr, on); });
      if (!on) allMatching = false;
      updateBulk();
    });
    $('.bulk-all').addEventListener('click', function () {
      allMatching = !allMatching;
      updateBulk();
    });
    $('.bulk-resolve').addEventListener('click', function () { bulkAction('resolve'); });
    $('.bulk-reopen').addEventListener('click', function () { bulkAction('unresolve'); });
    $('.kb-help-open').addEventListener('click', function () { openHelp(true); });
    $('.kb-help-close').addEventListener('click', function () { openHelp(false); });
    document.addEventListener('keydown', onKey);
    $('.errors-body').addEventListener('click', function (ev) {
      if (ev.target.closest('a, input, .sel-col')) return;
      const tr = ev.target.closest('tr.error-row');
      if (tr) window.location.href = tr.getAttribute('data-href');
    });
    void refresher;
    reloadAll();
  });
})();
