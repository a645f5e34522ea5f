/* Metrics collector dashboard (`/`): summary cards, explorer chart, top metrics, Web Vitals. */
'use strict';
(function () {
  const $ = ML.$;
  // the time range (`since`/`until`) is the shared control's (timerange.js), kept in the URL next to these
  const DEFAULTS = { project: '', refresh: '0', name: '', type: '', labels: '', group_by: '', resolution: 'auto', agg: 'sum',
    page: '' };
  // Trend line colours stay clear of the rating colours (green/amber/red = good/needs improvement/poor).
  const VITALS = [
    { key: 'lcp', label: 'LCP', unit: 'ms', good: 2500, poor: 4000, color: '#5aa9ff' },
    { key: 'inp', label: 'INP', unit: 'ms', good: 200, poor: 500, color: '#bc8cff' },
    { key: 'cls', label: 'CLS', unit: '', good: 0.1, poor: 0.25, color: '#f778ba' },
    { key: 'fcp', label: 'FCP', unit: 'ms', good: 1800, poor: 3000, color: '#39c5cf' },
    { key: 'ttfb', label: 'TTFB', unit: 'ms', good: 800, poor: 1800, color: '#c9d1d9' }
  ];
  let state = ML.readState(DEFAULTS);
  let range = null;
  let names = [];
  let labelValues = {};
  let dashSeq = 0;
  let seriesSeq = 0;

  function rating(v, def) {
    if (v === null || v === undefined) return 'unknown';
    return v <= def.good ? 'good' : (v > def.poor ? 'poor' : 'needs-improvement');
  }

  function vitalText(v, def) {
    if (v === null || v === undefined) return '—';
    return def.key === 'cls' ? String(Math.round(v * 1000) / 1000) : String(Math.round(v));
  }

  function save() { ML.writeState(state, DEFAULTS); }

  function labelPairs() {
    return state.labels ? state.labels.split(',').filter(Boolean).map(function (p) {
      const i = p.indexOf(':');
      return [p.slice(0, i), p.slice(i + 1)];
    }) : [];
  }

  async function loadHealth() {
    const dot = $('.health-dot');
    try {
      const r = await fetch(ML.root + 'health', { cache: 'no-store' });
      const h = await r.json();
      dot.className = 'dot health-dot ' + (h.status === 'ok' ? 'ok' : 'error');
      $('.health-text').textContent = h.status === 'ok'
        ? (ML.num(h.metrics_received_24h) + ' points/24h' + (h.last_aggregation ? ', aggregated ' + ML.ago(h.last_aggregation) : ''))
        : (h.detail || 'unhealthy');
      dot.title = JSON.stringify(h);
    } catch (e) {
      dot.className = 'dot health-dot error';
      $('.health-text').textContent = 'unreachable';
    }
  }

  async function loadProjects() {
    try {
      const p = await ML.api('api/projects');
      const sel = $('.f-project');
      const list = (p.projects || []).slice();
      if (state.project && list.indexOf(state.project) < 0) list.push(state.project);
      sel.innerHTML = '<option value="">All projects</option>' + list.map(function (x) {
        return '<option value="' + ML.esc(x) + '">' + ML.esc(x) + '</option>';
      }).join('');
      sel.value = state.project;
    } catch (e) { ML.showError(e); }
  }

  async function loadNames(dropMissing) {
    try {
      const r = await ML.api('api/metrics/names' + ML.qs({ project: state.project }));
      names = r.metrics || [];
      const sel = $('.x-name');
      const cur = state.name ? state.name + '|' + state.type : '';
      sel.innerHTML = '<option value="">— choose —</option>' + names.map(function (n) {
        return '<option value="' + ML.esc(n.name + '|' + n.type) + '">' + ML.esc(n.name) + ' (' + ML.esc(n.type) + ')</option>';
      }).join('');
      const known = names.some(function (n) { return n.name === state.name && n.type === state.type; });
      if (cur && !known && dropMissing) {
        // another project was chosen: its first metric, not one it does not have
        state.name = '';
        state.type = '';
        state.labels = '';
        state.group_by = '';
      } else if (cur && !known) {
        const o = document.createElement('option');
        o.value = cur;
        o.textContent = state.name + (state.type ? ' (' + state.type + ')' : '');
        sel.appendChild(o);
      }
      sel.value = state.name ? cur : '';
      if (!state.name && names.length) {
        const first = names.find(function (n) { return !/^web_vitals_/.test(n.name); }) || names[0];
        state.name = first.name;
        state.type = first.type;
        sel.value = first.name + '|' + first.type;
      }
    } catch (e) { ML.showError(e); }
  }

  async function loadLabels() {
    labelValues = {};
    if (state.name) {
      try {
        const r = await ML.api('api/metrics/labels' + ML.qs({ name: state.name, project: state.project }));
        labelValues = r.labels || {};
      } catch (e) { ML.showError(e); }
    }
    const keys = Object.keys(labelValues).sort();
    const groupKeys = state.group_by ? state.group_by.split(',') : [];
    $('.x-label-key').innerHTML = '<option value="">key</option>' + keys.map(function (k) {
      return '<option value="' + ML.esc(k) + '">' + ML.esc(k) + '</option>';
    }).join('');
    $('.x-group').innerHTML = '<option value="">none</option>' + keys.concat(groupKeys.filter(function (k) {
      return keys.indexOf(k) < 0;
    })).map(function (k) {
      return '<option value="' + ML.esc(k) + '">' + ML.esc(k) + '</option>';
    }).join('');
    $('.x-group').value = state.group_by;
    fillValues();
    renderChips();
  }

  function fillValues() {
    const k = $('.x-label-key').value;
    $('.x-label-value').innerHTML = '<option value="">value</option>' + (labelValues[k] || []).map(function (v) {
      return '<option value="' + ML.esc(v) + '">' + ML.esc(v) + '</option>';
    }).join('');
  }

  function renderChips() {
    $('.x-chips').innerHTML = labelPairs().map(function (p, i) {
      return '<span class="chip">' + ML.esc(p[0]) + '=' + ML.esc(p[1]) +
        '<button type="button" class="chip-remove" data-i="' + i + '" title="Remove">×</button></span>';
    }).join('');
  }

  function bucketRows(type, data, groupLabel, rateSec) {
    return data.map(function (b) {
      const cells = ['<td data-label="Bucket">' + ML.timeHtml(b.bucket, true) + '</td>'];
      if (groupLabel !== undefined) cells.push('<td data-label="Group">' + ML.esc(groupLabel) + '</td>');
      if (type === 'counter') cells.push('<td class="num" data-label="Sum">' + ML.num(b.sum) + '</td>');
      if (rateSec) cells.push('<td class="num" data-label="Rate /s">' + ML.num(b.sum === null ? null : b.sum / rateSec) + '</td>');
      cells.push('<td class="num" data-label="Count">' + ML.num(b.count) + '</td>');
      cells.push('<td class="num" data-label="Avg">' + ML.num(b.avg) + '</td>');
      cells.push('<td class="num" data-label="Min">' + ML.num(b.min) + '</td>');
      cells.push('<td class="num" data-label="Max">' + ML.num(b.max) + '</td>');
      if (type === 'gauge') cells.push('<td class="num" data-label="Last">' + ML.num(b.last) + '</td>');
      if (type === 'histogram') {
        cells.push('<td class="num" data-label="p50">' + ML.num(b.p50) + '</td>');
        cells.push('<td class="num" data-label="p95">' + ML.num(b.p95) + '</td>');
        cells.push('<td class="num" data-label="p99">' + ML.num(b.p99) + '</td>');
      }
      return '<tr class="bucket-row' + (b.partial ? ' partial' : '') + '">' + cells.join('') + '</tr>';
    }).join('');
  }

  // y-axis unit from the metric name's suffix (Prometheus style: http_request_duration_ms, payload_bytes)
  function unitOf(name) {
    const m = /_(ms|milliseconds|seconds|bytes|percent)(_total)?$/.exec(name || '');
    if (!m) return '';
    return { ms: 'ms', milliseconds: 'ms', seconds: 's', bytes: 'B', percent: '%' }[m[1]];
  }

  function values(data, xs, field, scale) {
    const byX = {};
    data.forEach(function (b) { byX[Date.parse(b.bucket)] = b[field]; });
    return xs.map(function (x) {
      const v = byX[x];
      return v === null || v === undefined ? null : v * (scale || 1);
    });
  }

  function bucketXs(lists) {
    const set = {};
    lists.forEach(function (d) { d.forEach(function (b) { set[Date.parse(b.bucket)] = true; }); });
    return Object.keys(set).map(Number).sort(function (a, b) { return a - b; });
  }

  // Auto range (none chosen): the shortest of these that holds data, and the chart fits the data
  const AUTO_SPANS = ['24h', '7d', '30d', '366d'];

  async function fetchSeries(since, until) {
    return ML.api('api/metrics' + ML.qs({
      name: state.name, type: state.type, since: since, until: until, project: state.project, labels: state.labels,
      group_by: state.group_by, resolution: state.resolution
    }));
  }

  function hasBuckets(r) {
    return Array.isArray(r.series) ? r.series.some(function (s) { return (s.data || []).length; }) : (r.data || []).length > 0;
  }

  async function loadSeries() {
    const my = ++seriesSeq;
    const chart = $('.x-chart');
    const head = $('.x-table thead');
    const body = $('.x-table tbody');
    $('.x-agg-wrap').classList.toggle('hidden', state.type !== 'counter');
    if (!state.name) {
      MLChart.draw(chart, { series: [], emptyText: 'Choose a metric.', label: 'Metric chart' });
      head.innerHTML = '';
      body.innerHTML = '';
      return;
    }
    let r;
    let note = '';
    try {
      if (range.explicit()) {
        const g = range.get();
        r = await fetchSeries(g.since, g.until);
      } else {
        for (let i = 0; i < AUTO_SPANS.length; i++) {
          r = await fetchSeries(AUTO_SPANS[i], '');
          if (my !== seriesSeq) return;
          if (hasBuckets(r)) { note = 'Auto range: the data of the last ' + AUTO_SPANS[i]; break; }
        }
        if (!hasBuckets(r)) note = 'No data in the last ' + AUTO_SPANS[AUTO_SPANS.length - 1];
      }
    } catch (e) {
      if (my === seriesSeq) ML.showError(e);
      return;
    }
    if (my !== seriesSeq) return;
    $('.x-note').textContent = note;
    const type = r.type || state.type || 'counter';
    $('.x-agg-wrap').classList.toggle('hidden', type !== 'counter');
    const grouped = Array.isArray(r.series);
    const bucketSec = r.resolution === 'hour' ? 3600 : 60;
    const rate = type === 'counter' && state.agg === 'rate';
    // a counter's points are increments: the number per bucket is their sum, the rate that sum per second
    const counterField = 'sum';
    const scale = rate ? 1 / bucketSec : 1;
    let unit = unitOf(state.name);
    if (type === 'counter') unit = rate ? (unit ? unit + '/s' : '/s') : unit;
    const lists = grouped ? r.series.slice(0, 20).map(function (s) { return s.data || []; }) : [r.data || []];
    const xs = bucketXs(lists);
    let series = [];
    const groups = [];
    if (grouped) {
      r.series.slice(0, 20).forEach(function (s) {
        const label = Object.keys(s.labels || {}).map(function (k) { return k + '=' + s.labels[k]; }).join(',') || '(none)';
        const field = type === 'histogram' ? 'p95' : type === 'counter' ? counterField : 'avg';
        series.push({ name: label + ' ' + (rate ? 'rate' : field), values: values(s.data || [], xs, field, type === 'counter' ? scale : 1) });
        groups.push({ label: label, data: s.data || [] });
      });
    } else {
      const d = r.data || [];
      if (type === 'histogram') {
        series = ['p50', 'p95', 'p99', 'avg'].map(function (f) { return { name: f, values: values(d, xs, f) }; });
      } else if (type === 'counter') {
        series = [{ name: rate ? 'rate per second' : 'sum per bucket', values: values(d, xs, counterField, scale) }];
      } else {
        series = ['avg', 'min', 'max', 'last'].map(function (f) { return { name: f, values: values(d, xs, f) }; });
      }
    }
    const g = range.resolve();
    MLChart.draw(chart, {
      xs: xs, series: series, unit: unit, height: 260, bucketMs: bucketSec * 1000,
      label: state.name + ' (' + type + (type === 'counter' ? ', ' + (rate ? 'rate per second' : 'sum per bucket') : '') + ')',
      emptyText: 'No data for ' + state.name + ' in this range.',
      xmin: range.explicit() ? g.from : null, xmax: range.explicit() ? g.to : null,
      onZoom: function (a, b) { range.zoom(a, b); }
    });
    const cols = ['Bucket'].concat(grouped ? ['Group'] : [], type === 'counter' ? ['Sum'] : [], rate ? ['Rate /s'] : [],
      ['Count', 'Avg', 'Min', 'Max'], type === 'gauge' ? ['Last'] : [], type === 'histogram' ? ['p50', 'p95', 'p99'] : []);
    head.innerHTML = '<tr>' + cols.map(function (c, i) { return '<th scope="col"' + (i > (grouped ? 1 : 0) ? ' class="num"' : '') + '>' + c + '</th>'; }).join('') + '</tr>';
    if (grouped) {
      body.innerHTML = groups.map(function (s) { return bucketRows(type, s.data.slice().reverse(), s.label, rate ? bucketSec : 0); }).join('');
    } else {
      body.innerHTML = bucketRows(type, (r.data || []).slice().reverse(), undefined, rate ? bucketSec : 0);
    }
    if (!body.innerHTML) body.innerHTML = '<tr><td colspan="' + cols.length + '" class="empty">No buckets.</td></tr>';
  }

  const BAND_COLORS = { good: 'rgba(63,185,80,0.10)', ni: 'rgba(210,153,34,0.12)', poor: 'rgba(248,81,73,0.12)' };
  const RATING_WORDS = { good: 'Good', 'needs-improvement': 'Needs improvement', poor: 'Poor', unknown: 'No data' };
  let pageSort = { key: 'samples', dir: -1 };
  let lastVitals = null;

  function distributionHtml(def, s) {
    const d = s.distribution || { good: 0, needs_improvement: 0, poor: 0 };
    const total = d.good + d.needs_improvement + d.poor;
    if (!total) return '<div class="dist muted small">No samples.</div>';
    const pct = function (n) { return Math.round(n * 1000 / total) / 10; };
    const parts = [['good', 'Good', d.good], ['needs-improvement', 'Needs improvement', d.needs_improvement], ['poor', 'Poor', d.poor]];
    return '<div class="dist-bar" aria-hidden="true">' + parts.map(function (p) {
      return p[2] ? '<span class="dist-seg ' + p[0] + '" style="width:' + pct(p[2]) + '%"></span>' : '';
    }).join('') + '</div><ul class="dist-list small">' + parts.map(function (p) {
      return '<li class="dist-' + p[0] + '"><span class="rating-word ' + p[0] + '">' + p[1] + '</span> ' + pct(p[2]) + '% (' + ML.num(p[2]) + ')</li>';
    }).join('') + '</ul>';
  }

  function renderPages(wv) {
    const rows = (wv.by_page || []).slice();
    rows.sort(function (a, b) {
      const x = a[pageSort.key], y = b[pageSort.key];
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * pageSort.dir;
    });
    ML.$$('.vitals-pages th[data-sort]').forEach(function (th) {
      const k = th.getAttribute('data-sort');
      th.setAttribute('aria-sort', k === pageSort.key ? (pageSort.dir > 0 ? 'ascending' : 'descending') : 'none');
    });
    $('.vitals-pages tbody').innerHTML = rows.map(function (p) {
      return '<tr class="vitals-page"><td data-label="Page"><a href="#" class="vitals-drill" data-page="' + ML.esc(p.page) +
        '" title="Show this page\'s vitals">' + ML.esc(p.page) + '</a></td>' + VITALS.map(function (def) {
        const rt = rating(p[def.key], def);
        return '<td class="num ' + rt + '" data-label="' + def.label + '">' + vitalText(p[def.key], def) +
          (rt !== 'unknown' ? ' <span class="rating-word small">' + RATING_WORDS[rt] + '</span>' : '') + '</td>';
      }).join('') + '<td class="num" data-label="Samples">' + ML.num(p.samples) + '</td></tr>';
    }).join('') || '<tr><td colspan="7" class="empty">No pages.</td></tr>';
  }

  function renderVitals(wv, resolution) {
    const sec = $('.vitals');
    lastVitals = wv;
    if (!wv) {
      sec.classList.toggle('hidden', !state.page);
      if (state.page) {
        $('.vitals-cards').innerHTML = '<p class="empty">No Web Vitals for page ' + ML.esc(state.page) + ' in this range.</p>';
        $('.vitals-charts').innerHTML = '';
        $('.vitals-pages tbody').innerHTML = '';
        $('.vitals-data tbody').innerHTML = '';
      }
      renderPageFilter();
      return;
    }
    sec.classList.remove('hidden');
    renderPageFilter();
    const sum = wv.summary || {};
    $('.vitals-cards').innerHTML = VITALS.map(function (def) {
      const s = sum[def.key] || { p75: null, count: 0, rating: 'unknown' };
      return '<div class="card vital vital-' + def.key + ' ' + ML.esc(s.rating) + '"><div class="label">' + def.label + ' <span class="muted">p75</span></div>' +
        '<div class="value ' + ML.esc(s.rating) + '">' + vitalText(s.p75, def) + ' <span class="small muted">' + def.unit + '</span></div>' +
        '<div class="sub"><span class="rating-word ' + ML.esc(s.rating) + '">' + (RATING_WORDS[s.rating] || s.rating) + '</span> · ' +
        ML.num(s.count) + ' samples</div>' + distributionHtml(def, s) + '</div>';
    }).join('');
    const ts = wv.timeseries || [];
    const xs = ts.map(function (b) { return Date.parse(b.bucket); });
    const g = range.resolve();
    const charts = $('.vitals-charts');
    if (!charts.children.length) {
      charts.innerHTML = VITALS.map(function (def) {
        return '<div class="vital-chart-box"><h3>' + def.label + ' <span class="muted small">p75' + (def.unit ? ', ' + def.unit : '') +
          ' · good ≤ ' + def.good + ', poor &gt; ' + def.poor + '</span></h3><div class="chart vitals-chart vitals-chart-' + def.key + '"></div></div>';
      }).join('');
    }
    VITALS.forEach(function (def) {
      MLChart.draw($('.vitals-chart-' + def.key), {
        xs: xs, height: 160, unit: def.unit, label: def.label + ' p75 over time with good, needs-improvement and poor bands',
        series: [{ name: def.label + ' p75', color: def.color, values: ts.map(function (b) { return b[def.key]; }) }],
        bands: [{ from: 0, to: def.good, color: BAND_COLORS.good }, { from: def.good, to: def.poor, color: BAND_COLORS.ni },
          { from: def.poor, to: Infinity, color: BAND_COLORS.poor }],
        // the chosen range, else (the dashboard's default day) the buckets that hold samples
        xmin: range.explicit() ? g.from : null, xmax: range.explicit() ? g.to : null,
        bucketMs: xs.length > 1 ? xs[1] - xs[0] : (resolution === 'minute' ? 60e3 : 3600e3),
        emptyText: 'No ' + def.label + ' samples.',
        onZoom: function (a, b) { range.zoom(a, b); }
      });
    });
    $('.vitals-data tbody').innerHTML = ts.slice().reverse().map(function (b) {
      return '<tr><td data-label="Bucket">' + ML.timeHtml(b.bucket, true) + '</td>' + VITALS.map(function (def) {
        const rt = rating(b[def.key], def);
        return '<td class="num ' + rt + '" data-label="' + def.label + '">' + vitalText(b[def.key], def) +
          (rt !== 'unknown' ? ' <span class="rating-word small">' + RATING_WORDS[rt] + '</span>' : '') + '</td>';
      }).join('') + '<td class="num" data-label="Samples">' + ML.num(b.count) + '</td></tr>';
    }).join('') || '<tr><td colspan="7" class="empty">No buckets.</td></tr>';
    renderPages(wv);
  }

  function renderPageFilter() {
    const f = $('.vitals-page-filter');
    if (!state.page) { f.innerHTML = ''; return; }
    f.innerHTML = '<span class="chip">page = ' + ML.esc(state.page) +
      '<button type="button" class="chip-remove vitals-page-clear" title="All pages" aria-label="Show all pages">×</button></span>';
  }

  async function loadDashboard() {
    const my = ++dashSeq;
    let d;
    try {
      const g = range.get();
      d = await ML.api('api/dashboard' + ML.qs({ since: g.since, until: g.until, project: state.project, page: state.page }));
    } catch (e) {
      if (my === dashSeq) ML.showError(e);
      return;
    }
    if (my !== dashSeq) return;
    ML.banner('');
    const s = d.summary || {};
    $('.c-datapoints').textContent = ML.num(s.total_datapoints);
    $('.c-metrics').textContent = ML.num(s.distinct_metrics);
    $('.c-series').textContent = ML.num(s.series);
    $('.top-body').innerHTML = (d.top_metrics || []).map(function (t) {
      return '<tr class="top-row"><td data-label="Name"><a href="#" class="top-name" data-name="' + ML.esc(t.name) + '" data-type="' +
        ML.esc(t.type) + '">' + ML.esc(t.name) + '</a></td><td data-label="Type">' + ML.esc(t.type) + '</td>' +
        '<td class="num" data-label="Count">' + ML.num(t.count) + '</td><td class="num" data-label="Total">' + ML.num(t.total) + '</td></tr>';
    }).join('') || '<tr><td colspan="4" class="empty">No metrics in this range.</td></tr>';
    renderVitals(d.web_vitals, d.resolution);
  }

  async function refreshData() {
    save();
    loadHealth();
    loadDashboard();
    loadSeries();
  }

  async function reloadAll(projectChanged) {
    save();
    loadHealth();
    await loadProjects();
    loadDashboard();
    await loadNames(projectChanged === true);
    save();
    await loadLabels();
    loadSeries();
  }

  document.addEventListener('DOMContentLoaded', function () {
    ML.init({ plugin: 'metrics-collector', reload: reloadAll });
    // links of older versions carry `period`: it becomes the range's `since`
    const q0 = new URLSearchParams(location.search);
    if (q0.has('period') && !q0.has('since') && ML.isRange(q0.get('period'))) {
      q0.set('since', q0.get('period'));
      q0.delete('period');
      history.replaceState(null, '', location.pathname + '?' + q0.toString());
    }
    range = MLTimeRange.mount($('.ml-timerange'), { onChange: refreshData, defaultLabel: 'Auto (fits the data)' });
    $('.x-res').value = state.resolution;
    $('.x-agg').value = state.agg === 'rate' ? 'rate' : 'sum';
    ML.autoRefresh($('.f-refresh'), state.refresh, refreshData, function (v) { state.refresh = v; save(); });
    $('.top-filters').addEventListener('submit', function (ev) {
      ev.preventDefault();
      refreshData();
    });
    $('.x-agg').addEventListener('change', function () { state.agg = $('.x-agg').value; save(); loadSeries(); });
    $('.vitals-pages thead').addEventListener('click', function (ev) {
      const th = ev.target.closest('th[data-sort]');
      if (!th) return;
      const k = th.getAttribute('data-sort');
      pageSort = { key: k, dir: pageSort.key === k ? -pageSort.dir : (k === 'page' ? 1 : -1) };
      if (lastVitals) renderPages(lastVitals);
      const again = $('.vitals-pages th[data-sort="' + k + '"] button');
      if (again) again.focus();
    });
    $('.vitals').addEventListener('click', function (ev) {
      const a = ev.target.closest('.vitals-drill');
      const c = ev.target.closest('.vitals-page-clear');
      if (!a && !c) return;
      ev.preventDefault();
      state.page = a ? a.getAttribute('data-page') : '';
      save();
      loadDashboard().then(function () {
        const t = a ? $('.vitals-page-clear') : $('.vitals-drill');
        if (t) t.focus();
      });
    });
    $('.f-project').addEventListener('change', function () {
      state.project = $('.f-project').value;
      reloadAll(true);
    });
    $('.x-name').addEventListener('change', function () {
      const v = $('.x-name').value;
      const i = v.lastIndexOf('|');
      state.name = i < 0 ? v : v.slice(0, i);
      state.type = i < 0 ? '' : v.slice(i + 1);
      state.labels = '';
      state.group_by = '';
      save();
      loadLabels().then(loadSeries);
    });
    $('.x-label-key').addEventListener('change', fillValues);
    $('.x-label-add').addEventListener('click', function () {
      const k = $('.x-label-key').value;
      const v = $('.x-label-value').value;
      if (!k || !v) return;
      const pairs = labelPairs().filter(function (p) { return p[0] !== k; });
      pairs.push([k, v]);
      state.labels = pairs.map(function (p) { return p[0] + ':' + p[1]; }).join(',');
      save();
      renderChips();
      loadSeries();
    });
    $('.x-chips').addEventListener('click', function (ev) {
      const b = ev.target.closest('.chip-remove');
      if (!b) return;
      const pairs = labelPairs();
      pairs.splice(Number(b.getAttribute('data-i')), 1);
      state.labels = pairs.map(function (p) { return p[0] + ':' + p[1]; }).join(',');
      save();
      renderChips();
      loadSeries();
    });
    $('.x-group').addEventListener('change', function () { state.group_by = $('.x-group').value; save(); loadSeries(); });
    $('.x-res').addEventListener('change', function () { state.resolution = $('.x-res').value; save(); loadSeries(); });
    $('.top-body').addEventListener('click', function (ev) {
      const a = ev.target.closest('.top-name');
      if (!a) return;
      ev.preventDefault();
      state.name = a.getAttribute('data-name');
      state.type = a.getAttribute('data-type');
      state.labels = '';
      state.group_by = '';
      $('.x-name').value = state.name + '|' + state.type;
      save();
      loadLabels().then(loadSeries);
      $('.explorer').scrollIntoView();
    });
    let resizeTimer = null;
    window.addEventListener('resize', function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(MLChart.resizeAll, 200);
    });
    ML.ensureKey().then(reloadAll);
  });
})();
