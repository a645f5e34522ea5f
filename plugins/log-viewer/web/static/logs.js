/* Log viewer page (`/`): stats, search and filters, paging, live tail over Server-Sent Events. */
'use strict';
(function () {
  const $ = ML.$;
  const PAGE = 100;
  const MAX_TAIL_ROWS = 500;
  const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
  // trace_id, host and until come from links (an error's detail page links here with its trace id or host name
  // and a ±2 min window); they show as a context bar with a clear button
  const DEFAULTS = { search: '', fts: '0', substr: '0', container: '', level: '', stream: '', since: '', until: '', trace_id: '',
    host: '', refresh: '0', tail: '0', wrap: '0' };
  let state = ML.readState(DEFAULTS);
  let oldest = null; // the oldest entry the query pages have shown: the keyset cursor of "Load older"
  let shown = 0;
  let total = 0;
  let seq = 0;
  let refresher = null;
  const rowsById = new Map();
  // live tail
  let es = null;
  let tailWanted = false;
  let lastId = 0;
  let reconnectTimer = null;
  let reconnectUsed = false;
  let newCount = 0;

  function selectedContainers() {
    return Array.prototype.filter.call($('.f-container').options, function (o) { return o.selected; })
      .map(function (o) { return o.value; });
  }

  function formToState() {
    state.search = $('.f-search').value.trim();
    state.fts = $('.f-fts').checked ? '1' : '0';
    state.substr = $('.f-substr').checked && !$('.f-fts').checked ? '1' : '0';
    state.container = selectedContainers().join(',');
    state.level = $('.f-level').value;
    state.stream = $('.f-stream').value;
    state.since = $('.f-since').value.trim();
  }

  function stateToForm() {
    $('.f-search').value = state.search;
    $('.f-fts').checked = state.fts === '1';
    $('.f-substr').checked = state.substr === '1' && state.fts !== '1';
    const lv = $('.f-level');
    if (state.level && !Array.prototype.some.call(lv.options, function (o) { return o.value === state.level; })) {
      const o = document.createElement('option');
      o.value = state.level;
      o.textContent = state.level;
      lv.appendChild(o);
    }
    lv.value = state.level;
    $('.f-stream').value = state.stream;
    $('.f-since').value = state.since;
  }

  function saveState() {
    state.tail = tailWanted ? '1' : '0';
    ML.writeState(state, DEFAULTS);
  }

  function levelBadge(level) {
    const l = level || 'INFO';
    return '<span class="badge lvl lvl-' + ML.esc(l) + '">' + ML.esc(l) + '</span>';
  }

  function firstLine(msg) {
    const s = String(msg || '');
    const i = s.indexOf('\n');
    return i < 0 ? s : s.slice(0, i) + ' …';
  }

  // A message that is one JSON object (structured logging): its message field as text, the rest as chips.
  const MSG_KEYS = ['message', 'msg', 'event', 'text'];
  function jsonFields(msg) {
    const t = String(msg || '').trim();
    if (t.length < 2 || t[0] !== '{' || t[t.length - 1] !== '}') return null;
    try {
      const v = JSON.parse(t);
      return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
    } catch (err) { return null; }
  }

  function chipValue(v) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    return s.length > 80 ? s.slice(0, 80) + '…' : s;
  }

  function messageHtml(e) {
    const j = jsonFields(e.message);
    if (!j) return ML.esc(state.wrap === '1' ? String(e.message || '') : firstLine(e.message));
    const mk = MSG_KEYS.filter(function (k) { return typeof j[k] === 'string'; })[0];
    const keys = Object.keys(j).filter(function (k) { return k !== mk; });
    return (mk ? ML.esc(firstLine(j[mk])) + ' ' : '') + keys.slice(0, 12).map(function (k) {
      return '<span class="chip json-chip"><span class="k">' + ML.esc(k) + '</span>=' + ML.esc(chipValue(j[k])) + '</span>';
    }).join(' ') + (keys.length > 12 ? ' <span class="muted">+' + (keys.length - 12) + '</span>' : '');
  }

  function pad(n, w) { return String(n).padStart(w || 2, '0'); }
  // local wall time with milliseconds: lines of one second stay in order to the eye
  function timeMs(iso) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return ML.esc(iso || '');
    const label = pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes()) +
      ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
    return '<time class="ts abs" datetime="' + ML.esc(iso) + '" title="' + ML.esc(iso) + '">' + label + '</time>';
  }

  function rowHtml(e, fresh) {
    return '<div class="log-row row-' + ML.esc(e.level || 'INFO') + (fresh ? ' fresh' : '') + '" data-id="' + e.id +
      '" tabindex="0">' +
      '<div class="log-line"><span class="t">' + timeMs(e.timestamp) + '</span>' +
      '<span class="c" title="' + ML.esc(e.container) + '">' + ML.esc(e.container) + '</span>' +
      levelBadge(e.level) + '<span class="m">' + messageHtml(e) + '</span></div></div>';
  }

  function renderDetail(row) {
    const e = rowsById.get(Number(row.getAttribute('data-id')));
    if (!e) return;
    const d = document.createElement('div');
    d.className = 'log-detail panel';
    d.innerHTML = '<dl class="kv small"><dt>id</dt><dd>' + e.id + '</dd><dt>time</dt><dd>' + ML.esc(e.timestamp) +
      ' <span class="muted">(' + ML.esc(ML.localTime(e.timestamp)) + ' local, ' + ML.esc(ML.ago(e.timestamp)) + ')</span></dd>' +
      '<dt>container</dt><dd>' + ML.esc(e.container) + '</dd><dt>stream</dt><dd>' + ML.esc(e.stream) + '</dd>' +
      '<dt>level</dt><dd>' + levelBadge(e.level) + '</dd>' +
      (e.trace_id ? '<dt>trace id</dt><dd><code>' + ML.esc(e.trace_id) + '</code></dd>' : '') +
      (e.attributes ? Object.keys(e.attributes).map(function (k) {
        return '<dt>' + ML.esc(k) + '</dt><dd>' + ML.esc(String(e.attributes[k])) + '</dd>';
      }).join('') : '') + '</dl>' +
      '<pre class="code log-message"></pre><button class="btn copy-btn" type="button">copy</button>' + errorsLink(e);
    const j = jsonFields(e.message);
    d.querySelector('.log-message').textContent = j ? JSON.stringify(j, null, 2) : e.message;
    d.querySelector('.copy-btn').addEventListener('click', function (ev) {
      ev.stopPropagation();
      ML.copy(e.message, ev.currentTarget);
    });
    d.addEventListener('click', function (ev) { ev.stopPropagation(); });
    row.appendChild(d);
  }

  function queryParams() {
    return {
      container: state.container, level: state.level, stream: state.stream,
      search: state.search,
      search_mode: state.search ? (state.fts === '1' ? 'fts' : (state.substr === '1' ? 'substring' : 'words')) : '',
      since: state.since, until: state.until, trace_id: state.trace_id, host: state.host
    };
  }

  function timeOk(v) {
    return !v || ML.isRange(v) || !isNaN(Date.parse(v));
  }

  function renderContext() {
    const parts = [];
    if (state.trace_id) parts.push('trace id <code>' + ML.esc(state.trace_id) + '</code>');
    if (state.host) parts.push('host <code>' + ML.esc(state.host) + '</code>');
    if (state.until) parts.push('until ' + ML.esc(state.until));
    const bar = $('.ctx-bar');
    bar.classList.toggle('hidden', !parts.length);
    $('.ctx-text').innerHTML = parts.length ? 'Showing lines of ' + parts.join(', ') : '';
  }

  // On the combined listener the error tracker is a sibling path: a log line links to the errors of its time.
  function errorsLink(e) {
    if (!/\/log-viewer\/$/.test(ML.root)) return '';
    const t = Date.parse(e.timestamp);
    if (isNaN(t)) return '';
    const q = ML.qs({ resolved: 'all', since: new Date(t - 120000).toISOString(), until: new Date(t + 120000).toISOString() });
    return '<a class="btn errors-link" href="' + ML.esc(ML.root.replace(/log-viewer\/$/, 'error-tracker/') + q) +
      '">Errors ±2 min</a>';
  }

  async function loadLogs(append) {
    const my = ++seq;
    saveState();
    $('.search-error').classList.add('hidden');
    renderContext();
    if (!timeOk(state.since) || !timeOk(state.until)) {
      ML.banner('Time range must look like 30s, 5m, 1h or 7d (or a date and time)', 'error');
      return;
    }
    const q = queryParams();
    q.limit = PAGE;
    if (append && oldest) {
      // keyset paging in (time, id) order: rows that arrived by live tail meanwhile cannot shift the page
      q.before_id = String(oldest.id);
      q.before_ts = oldest.timestamp;
    }
    let data;
    try {
      data = await ML.api('api/logs' + ML.qs(q));
    } catch (e) {
      if (my !== seq) return;
      if (e.status === 400 && /search/i.test(e.detail || '')) {
        const se = $('.search-error');
        se.textContent = e.detail;
        se.classList.remove('hidden');
      } else {
        ML.showError(e);
      }
      if (!append) {
        // the rows of the previous filters must not stay under the new ones
        rowsById.clear();
        shown = 0;
        oldest = null;
        const list = $('.log-list');
        list.innerHTML = '<div class="empty query-failed"></div>';
        list.firstChild.textContent = 'Query failed: ' + (e.detail || e.message || 'error');
        $('.result-info').textContent = '';
        $('.load-older').classList.add('hidden');
      }
      return;
    }
    if (my !== seq) return;
    ML.banner('');
    total = data.total || 0;
    const list = $('.log-list');
    const logs = data.logs || [];
    if (!append) {
      rowsById.clear();
      shown = 0;
      list.innerHTML = '';
    }
    if (logs.length) oldest = logs[logs.length - 1];
    else if (!append) oldest = null;
    const fresh = logs.filter(function (e) { return !rowsById.has(e.id); });
    fresh.forEach(function (e) { rowsById.set(e.id, e); if (!append && e.id > lastId) lastId = e.id; });
    list.insertAdjacentHTML('beforeend', fresh.map(function (e) { return rowHtml(e, false); }).join(''));
    shown += fresh.length;
    if (!shown) list.innerHTML = '<div class="empty">No log entries match.</div>';
    showInfo();
    $('.load-older').classList.toggle('hidden', logs.length < PAGE);
  }

  function showInfo() {
    $('.result-info').textContent = shown + ' of ' + Math.max(total, shown) + ' matching entries';
  }

  // The search box applied to live entries: the server filters on the longest word (`contains`), the page keeps
  // the entries that contain every word (FTS operators are not words).
  function searchWords() {
    if (!state.search) return [];
    if (state.substr === '1' && state.fts !== '1') return [state.search.toLowerCase()];
    return state.search.toLowerCase().replace(/["()*^:]/g, ' ').split(/\s+/).filter(function (w) {
      return w && ['and', 'or', 'not', 'near'].indexOf(w) < 0;
    });
  }

  let statsTimer = null;
  function refreshStatsSoon() {
    if (statsTimer) return;
    statsTimer = setTimeout(function () { statsTimer = null; loadStats(); }, 1000);
  }

  async function loadStats() {
    try {
      const s = await ML.api('api/logs/stats');
      $('.st-total').textContent = ML.num(s.total_logs);
      $('.st-oldest').innerHTML = ML.timeHtml(s.oldest_log);
      $('.st-newest').innerHTML = ML.timeHtml(s.newest_log);
      const bl = s.by_level || {};
      $('.st-levels').innerHTML = LEVELS.filter(function (l) { return bl[l]; }).map(function (l) {
        return '<span class="badge lvl lvl-' + l + '" title="' + l + '">' + l.slice(0, 4) + ' ' + ML.num(bl[l]) + '</span>';
      }).join('');
    } catch (e) {
      ML.showError(e);
    }
  }

  async function loadContainers() {
    try {
      const c = await ML.api('api/logs/containers');
      const want = state.container ? state.container.split(',') : [];
      const names = (c.containers || []).map(function (x) { return x.name; });
      const extra = want.filter(function (w) { return names.indexOf(w) < 0; }).map(function (w) {
        return { name: w, log_count: 0, watched: false };
      });
      renderSidebar((c.containers || []).concat(extra), want);
      $('.f-container').innerHTML = (c.containers || []).concat(extra).map(function (x) {
        return '<option value="' + ML.esc(x.name) + '"' + (want.indexOf(x.name) >= 0 ? ' selected' : '') +
          (x.watched ? '' : ' class="unwatched" title="not currently watched"') + '>' +
          ML.esc(x.name) + ' (' + ML.num(x.log_count) + ')</option>';
      }).join('');
    } catch (e) {
      ML.showError(e);
    }
  }

  // ---- container sidebar: one click shows one container (or all); the state is the same `container` filter ----
  function renderSidebar(list, want) {
    const total = list.reduce(function (a, x) { return a + (x.log_count || 0); }, 0);
    const item = function (name, label, count, cls, title) {
      const on = name === '' ? !want.length : (want.length === 1 && want[0] === name);
      return '<li><button class="ct-btn' + (on ? ' active' : '') + (cls ? ' ' + cls : '') + '" type="button" data-name="' +
        ML.esc(name) + '" aria-pressed="' + on + '"' + (title ? ' title="' + ML.esc(title) + '"' : '') + '>' +
        '<span class="ct-name">' + ML.esc(label) + '</span> <span class="ct-count muted">' + ML.num(count) + '</span></button></li>';
    };
    $('.ct-list').innerHTML = item('', 'All containers', total, 'ct-all', '') + list.map(function (x) {
      return item(x.name, x.name, x.log_count, x.watched ? '' : 'unwatched', x.watched ? x.name : x.name + ' (not currently watched)');
    }).join('');
  }

  function pickContainer(name) {
    Array.prototype.forEach.call($('.f-container').options, function (o) { o.selected = o.value === name; });
    ML.$$('.ct-btn').forEach(function (b) {
      const on = b.getAttribute('data-name') === name;
      b.classList.toggle('active', on);
      b.setAttribute('aria-pressed', on ? 'true' : 'false');
    });
    filtersChanged();
  }

  function filtersChanged() {
    formToState();
    lastId = 0;
    loadLogs(false).then(function () { if (tailWanted) { reconnectUsed = false; openTail(false); } });
  }

  function reloadAll() {
    loadStats();
    loadContainers();
    loadLogs(false).then(function () { if (tailWanted) openTail(false); });
  }

  // ---- live tail ----
  function tailStatus(text, stopped) {
    $('.tail-status').textContent = text;
    $('.tail-bar').classList.toggle('stopped', !!stopped);
  }

  function closeStream() {
    if (es) {
      es.close();
      es = null;
    }
    if (reconnectTimer) {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
    }
  }

  let paused = false;
  let pausedBuffer = [];

  function onEntry(e) {
    if (!e || typeof e.id !== 'number') return;
    if (rowsById.has(e.id)) return;
    if (paused) {
      // held back while paused (the page keeps up with the stream; nothing is dropped up to the row cap)
      if (pausedBuffer.length < MAX_TAIL_ROWS && !pausedBuffer.some(function (p) { return p.id === e.id; })) pausedBuffer.push(e);
      $('.tail-pause').textContent = 'Resume (' + pausedBuffer.length + ' new)';
      return;
    }
    if (e.id > lastId) lastId = e.id;
    refreshStatsSoon();
    const msg = String(e.message || '').toLowerCase();
    if (!searchWords().every(function (w) { return msg.indexOf(w) >= 0; })) return;
    total++;
    rowsById.set(e.id, e);
    const list = $('.log-list');
    const empty = list.querySelector('.empty');
    if (empty) empty.remove();
    list.insertAdjacentHTML('afterbegin', rowHtml(e, true));
    shown++;
    while (list.children.length > MAX_TAIL_ROWS) {
      const last = list.lastElementChild;
      rowsById.delete(Number(last.getAttribute('data-id')));
      last.remove();
      shown--;
    }
    const lastRow = rowsById.get(Number(list.lastElementChild.getAttribute('data-id')));
    if (lastRow) oldest = lastRow;
    showInfo();
    if (window.scrollY > 80) {
      newCount++;
      const b = $('.new-count');
      b.textContent = newCount + ' new';
      b.classList.remove('hidden');
    }
  }

  function scheduleReconnect(reason) {
    closeStream();
    if (!tailWanted) return;
    if (reconnectUsed) {
      tailStatus('Live tail stopped: ' + reason, true);
      return;
    }
    reconnectUsed = true;
    tailStatus('Live tail interrupted (' + reason + '), reconnecting in 3 s…', true);
    reconnectTimer = setTimeout(function () { reconnectTimer = null; openTail(true); }, 3000);
  }

  async function openTail(resume) {
    closeStream();
    tailWanted = true;
    saveState();
    if (refresher) refresher.paused = true;
    $('.tail-bar').classList.remove('hidden');
    $('.tail-toggle').classList.add('active');
    $('.tail-toggle').setAttribute('aria-pressed', 'true');
    tailStatus('Live tail: connecting…');
    try {
      await ML.api('api/logs/stats'); // validates the key (401 → modal) before the stream opens
    } catch (e) {
      scheduleReconnect(e.message);
      return;
    }
    if (!tailWanted) return;
    const q = { container: state.container, level: state.level, stream: state.stream, trace_id: state.trace_id,
      api_key: ML.getKey() };
    const words = searchWords();
    if (words.length) {
      q.contains = words.reduce(function (a, b) { return b.length > a.length ? b : a; });
    }
    if (lastId > 0) q.last_event_id = String(lastId);
    const src = new EventSource(ML.root + 'api/logs/tail' + ML.qs(q));
    es = src;
    src.addEventListener('open', function () {
      if (es !== src) return;
      reconnectUsed = false;
      tailStatus('Live tail: connected');
    });
    src.addEventListener('log', function (ev) {
      if (es !== src) return;
      let e;
      try { e = JSON.parse(ev.data); } catch (err) { return; }
      onEntry(e);
    });
    src.addEventListener('close', function (ev) {
      if (es !== src) return;
      let reason = 'closed';
      try { reason = JSON.parse(ev.data).reason || reason; } catch (err) { /* keep default */ }
      scheduleReconnect('server closed the stream: ' + reason);
    });
    src.addEventListener('error', function () {
      if (es !== src) return;
      scheduleReconnect('connection lost');
    });
  }

  function setPaused(p) {
    paused = p;
    $('.tail-pause').textContent = p ? 'Resume (' + pausedBuffer.length + ' new)' : 'Pause';
    $('.tail-pause').setAttribute('aria-pressed', p ? 'true' : 'false');
    $('.tail-bar').classList.toggle('paused', p);
    if (!p) {
      const held = pausedBuffer;
      pausedBuffer = [];
      held.forEach(onEntry);
    }
  }

  function stopTail() {
    if (paused) setPaused(false);
    tailWanted = false;
    closeStream();
    saveState();
    $('.tail-bar').classList.add('hidden');
    $('.tail-toggle').classList.remove('active');
    $('.tail-toggle').setAttribute('aria-pressed', 'false');
    $('.new-count').classList.add('hidden');
    newCount = 0;
    if (refresher) refresher.paused = false;
  }

  document.addEventListener('DOMContentLoaded', function () {
    ML.init({ plugin: 'log-viewer', reload: reloadAll });
    stateToForm();
    refresher = ML.autoRefresh($('.f-refresh'), state.refresh, function () { loadStats(); loadLogs(false); }, function (v) {
      state.refresh = v;
      saveState();
    });
    $('.filters').addEventListener('submit', function (ev) {
      ev.preventDefault();
      formToState();
      lastId = 0;
      loadStats();
      loadLogs(false).then(function () { if (tailWanted) { reconnectUsed = false; openTail(false); } });
    });
    ['.f-level', '.f-stream', '.f-since'].forEach(function (s) {
      $(s).addEventListener('change', filtersChanged);
    });
    // FTS syntax and substring are exclusive ways to read the search box
    $('.f-fts').addEventListener('change', function () {
      if ($('.f-fts').checked) $('.f-substr').checked = false;
      filtersChanged();
    });
    $('.f-substr').addEventListener('change', function () {
      if ($('.f-substr').checked) $('.f-fts').checked = false;
      filtersChanged();
    });
    $('.f-container').addEventListener('change', function () {
      const want = selectedContainers();
      ML.$$('.ct-btn').forEach(function (b) {
        const n = b.getAttribute('data-name');
        const on = n === '' ? !want.length : (want.length === 1 && want[0] === n);
        b.classList.toggle('active', on);
        b.setAttribute('aria-pressed', on ? 'true' : 'false');
      });
      filtersChanged();
    });
    $('.ct-list').addEventListener('click', function (ev) {
      const b = ev.target.closest('.ct-btn');
      if (b) pickContainer(b.getAttribute('data-name'));
    });
    // arrow keys move between the sidebar's buttons
    $('.ct-list').addEventListener('keydown', function (ev) {
      if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp' && ev.key !== 'Home' && ev.key !== 'End') return;
      const bs = ML.$$('.ct-btn');
      const i = bs.indexOf(document.activeElement);
      const j = ev.key === 'Home' ? 0 : ev.key === 'End' ? bs.length - 1 :
        Math.max(0, Math.min(bs.length - 1, i + (ev.key === 'ArrowDown' ? 1 : -1)));
      if (bs[j]) { ev.preventDefault(); bs[j].focus(); }
    });
    $('.load-older').addEventListener('click', function () { loadLogs(true); });
    $('.download').addEventListener('click', function () {
      // the rows on screen, in screen order, one line per entry (continuation lines indented)
      const lines = Array.prototype.map.call($('.log-list').querySelectorAll('.log-row'), function (row) {
        const e = rowsById.get(Number(row.getAttribute('data-id')));
        if (!e) return '';
        return e.timestamp + ' ' + e.container + ' ' + e.stream + ' ' + (e.level || 'INFO') + ' ' +
          String(e.message || '').replace(/\n/g, '\n    ');
      }).filter(function (l) { return l; });
      const url = URL.createObjectURL(new Blob([lines.join('\n') + (lines.length ? '\n' : '')], { type: 'text/plain' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = 'logs-' + new Date().toISOString().replace(/[:.]/g, '-') + '.log';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    });
    $('.ctx-clear').addEventListener('click', function () {
      state.trace_id = '';
      state.host = '';
      state.until = '';
      if (state.since && !ML.isRange(state.since)) { state.since = ''; $('.f-since').value = ''; }
      lastId = 0;
      loadLogs(false).then(function () { if (tailWanted) { reconnectUsed = false; openTail(false); } });
    });
    $('.log-list').addEventListener('click', function (ev) {
      const row = ev.target.closest('.log-row');
      if (!row) return;
      const d = row.querySelector('.log-detail');
      if (d) d.remove();
      else renderDetail(row);
    });
    $('.tail-toggle').addEventListener('click', function () {
      if (tailWanted) stopTail();
      else { reconnectUsed = false; openTail(false); }
    });
    $('.tail-stop').addEventListener('click', stopTail);
    $('.tail-pause').addEventListener('click', function () { setPaused(!paused); });
    $('.f-wrap').checked = state.wrap === '1';
    document.body.classList.toggle('lv-wrap', state.wrap === '1');
    $('.f-wrap').addEventListener('change', function () {
      state.wrap = $('.f-wrap').checked ? '1' : '0';
      document.body.classList.toggle('lv-wrap', state.wrap === '1');
      saveState();
      $('.log-list').querySelectorAll('.log-row').forEach(function (row) {
        const e = rowsById.get(Number(row.getAttribute('data-id')));
        if (e) row.querySelector('.m').innerHTML = messageHtml(e);
      });
    });
    $('.log-list').addEventListener('keydown', function (ev) {
      if ((ev.key === 'Enter' || ev.key === ' ') && ev.target.classList.contains('log-row')) {
        ev.preventDefault();
        ev.target.click();
      }
    });
    $('.new-count').addEventListener('click', function () {
      window.scrollTo(0, 0);
      newCount = 0;
      $('.new-count').classList.add('hidden');
    });
    window.addEventListener('scroll', function () {
      if (window.scrollY < 20 && newCount) {
        newCount = 0;
        $('.new-count').classList.add('hidden');
      }
    });
    tailWanted = state.tail === '1';
    ML.ensureKey().then(reloadAll);
  });
})();
