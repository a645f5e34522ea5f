/* Metrics collector dashboard (`/`): summary cards, explorer chart, top metrics, Web Vitals. */
'use strict';
(function () {
  const $ = ML.$;
  const DEFAULTS = { project: '', period: '24h', refresh: '0', name: '', type: '', labels: '', group_by: '', resolution: 'auto' };
  // Trend line colours stay clear of the rating colours (green/amber/red = good/needs improvement/poor).
  const VITALS = [
    { key: 'lcp', label: 'LCP', unit: 'ms', good: 2500, poor: 4000, color: '#5aa9ff' },
    { key: 'inp', label: 'INP', unit: 'ms', good: 200, poor: 500, color: '#bc8cff' },
    { key: 'cls', label: 'CLS', unit: '', good: 0.1, poor: 0.25, color: '#f778ba' },
    { key: 'fcp', label: 'FCP', unit: 'ms', good: 1800, poor: 3000, color: '#39c5cf' },
    { key: 'ttfb', label: 'TTFB', unit: 'ms', good: 800, poor: 1800, color: '#c9d1d9' }
  ];
  let state = ML.readState(DEFAULTS);
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

  function periodMs(p) {
    const m = /^(\d+)([smhd])$/.exec(p || '24h');
    if (!m) return 86400e3;
    return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[m[2]];
  }

  function save() { ML.writeState(state, DEFAULTS); }

  function periodOk() {
    if (!state.period || ML.isRange(state.period)) return true;
    ML.banner('Period must look like 1h, 6h, 24h, 7d or 30d', 'error');
    return false;
  }

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

  function bucketRows(type, data, groupLabel) {
    return data.map(function (b) {
      const cells = ['<td data-label="Bucket">' + ML.timeHtml(b.bucket, true) + '</td>'];
      if (groupLabel !== undefined) cells.push('<td data-label="Group">' + ML.esc(groupLabel) + '</td>');
      if (type === 'counter') cells.push('<td class="num" data-label="Sum">' + ML.num(b.sum) + '</td>');
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

  function points(data, field) {
    return data.map(function (b) { return { x: Date.parse(b.bucket), y: b[field], partial: !!b.partial }; });
  }

  async function loadSeries() {
    const my = ++seriesSeq;
    const chart = $('.x-chart');
    const head = $('.x-table thead');
    const body = $('.x-table tbody');
    if (!state.name) {
      MLChart.draw(chart, { series: [], emptyText: 'Choose a metric.' });
      head.innerHTML = '';
      body.innerHTML = '';
      return;
    }
    let r;
    try {
      r = await ML.api('api/metrics' + ML.qs({
        name: state.name, type: state.type, period: state.period, project: state.project, labels: state.labels,
        group_by: state.group_by, resolution: state.resolution
      }));
    } catch (e) {
      if (my === seriesSeq) ML.showError(e);
      return;
    }
    if (my !== seriesSeq) return;
    const type = r.type || state.type || 'counter';
    const grouped = Array.isArray(r.series);
    let series = [];
    if (grouped) {
      r.series.slice(0, 20).forEach(function (s) {
        const label = Object.keys(s.labels || {}).map(function (k) { return k + '=' + s.labels[k]; }).join(',') || '(none)';
        const field = type === 'histogram' ? 'p95' : type === 'counter' ? 'sum' : 'avg';
        series.push({ name: label + ' ' + field, points: points(s.data || [], field), group: label, data: s.data || [] });
      });
    } else {
      const d = r.data || [];
      if (type === 'histogram') {
        series = [{ name: 'p50', points: points(d, 'p50') }, { name: 'p95', points: points(d, 'p95') },
          { name: 'p99', points: points(d, 'p99') }];
      } else if (type === 'counter') {
        // a counter's points are increments: the number per bucket is their sum
        series = [{ name: 'sum', points: points(d, 'sum') }];
      } else {
        series = [{ name: 'avg', points: points(d, 'avg') }, { name: 'count', points: points(d, 'count') }];
        if (type === 'gauge') series.push({ name: 'last', points: points(d, 'last') });
      }
    }
    MLChart.draw(chart, { series: series, emptyText: 'No data for ' + state.name + ' in this range.',
      xmin: Date.parse(r.from), xmax: Date.parse(r.to) });
    const cols = ['Bucket'].concat(grouped ? ['Group'] : [], type === 'counter' ? ['Sum'] : [], ['Count', 'Avg', 'Min', 'Max'],
      type === 'gauge' ? ['Last'] : [], type === 'histogram' ? ['p50', 'p95', 'p99'] : []);
    head.innerHTML = '<tr>' + cols.map(function (c, i) { return '<th' + (i > (grouped ? 1 : 0) ? ' class="num"' : '') + '>' + c + '</th>'; }).join('') + '</tr>';
    if (grouped) {
      body.innerHTML = series.map(function (s) { return bucketRows(type, s.data.slice().reverse(), s.group); }).join('');
    } else {
      body.innerHTML = bucketRows(type, (r.data || []).slice().reverse());
    }
    if (!body.innerHTML) body.innerHTML = '<tr><td colspan="' + cols.length + '" class="empty">No buckets.</td></tr>';
  }

  function renderVitals(wv) {
    const sec = $('.vitals');
    if (!wv) {
      sec.classList.add('hidden');
      return;
    }
    sec.classList.remove('hidden');
    const sum = wv.summary || {};
    $('.vitals-cards').innerHTML = VITALS.map(function (def) {
      const s = sum[def.key] || { p75: null, count: 0, rating: 'unknown' };
      return '<div class="card vital vital-' + def.key + ' ' + ML.esc(s.rating) + '"><div class="label">' + def.label + '</div>' +
        '<div class="value ' + ML.esc(s.rating) + '">' + vitalText(s.p75, def) + ' <span class="small muted">' + def.unit + '</span></div>' +
        '<div class="sub">' + ML.esc(s.rating) + ' · ' + ML.num(s.count) + ' samples</div></div>';
    }).join('');
    const ts = wv.timeseries || [];
    MLChart.draw($('.vitals-chart'), {
      height: 200,
      xmin: Date.now() - periodMs(state.period),
      xmax: Date.now(),
      series: VITALS.filter(function (d) { return d.key !== 'cls'; }).map(function (def) {
        return { name: def.label + ' p75 (ms)', color: def.color,
          points: ts.map(function (b) { return { x: Date.parse(b.bucket), y: b[def.key], partial: false }; }) };
      }),
      emptyText: 'No vitals trend.'
    });
    // CLS is unitless (good ≤ 0.1): on the milliseconds axis it would be a flat line at zero, so it has its own
    const cls = VITALS.filter(function (d) { return d.key === 'cls'; })[0];
    MLChart.draw($('.vitals-cls-chart'), {
      height: 120,
      xmin: Date.now() - periodMs(state.period),
      xmax: Date.now(),
      series: [{ name: 'CLS p75', color: cls.color,
        points: ts.map(function (b) { return { x: Date.parse(b.bucket), y: b.cls, partial: false }; }) }],
      emptyText: 'No CLS trend.'
    });
    $('.vitals-pages tbody').innerHTML = (wv.by_page || []).map(function (p) {
      return '<tr class="vitals-page"><td data-label="Page">' + ML.esc(p.page) + '</td>' + VITALS.map(function (def) {
        return '<td class="num ' + rating(p[def.key], def) + '" data-label="' + def.label + '">' + vitalText(p[def.key], def) + '</td>';
      }).join('') + '<td class="num" data-label="Samples">' + ML.num(p.samples) + '</td></tr>';
    }).join('') || '<tr><td colspan="7" class="empty">No pages.</td></tr>';
  }

  async function loadDashboard() {
    const my = ++dashSeq;
    let d;
    try {
      d = await ML.api('api/dashboard' + ML.qs({ period: state.period, project: state.project }));
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
      return '<tr class="top-row"><td data-label="Name"><a class="top-name" data-name="' + ML.esc(t.name) + '" data-type="' +
        ML.esc(t.type) + '">' + ML.esc(t.name) + '</a></td><td data-label="Type">' + ML.esc(t.type) + '</td>' +
        '<td class="num" data-label="Count">' + ML.num(t.count) + '</td><td class="num" data-label="Total">' + ML.num(t.total) + '</td></tr>';
    }).join('') || '<tr><td colspan="4" class="empty">No metrics in this period.</td></tr>';
    renderVitals(d.web_vitals);
  }

  async function refreshData() {
    if (!periodOk()) return;
    save();
    loadHealth();
    loadDashboard();
    loadSeries();
  }

  async function reloadAll(projectChanged) {
    if (!periodOk()) return;
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
    $('.f-period').value = state.period;
    $('.x-res').value = state.resolution;
    ML.autoRefresh($('.f-refresh'), state.refresh, refreshData, function (v) { state.refresh = v; save(); });
    $('.top-filters').addEventListener('submit', function (ev) {
      ev.preventDefault();
      state.period = $('.f-period').value.trim() || '24h';
      refreshData();
    });
    $('.f-period').addEventListener('change', function () {
      state.period = $('.f-period').value.trim() || '24h';
      refreshData();
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
      resizeTimer = setTimeout(loadSeries, 300);
    });
    ML.ensureKey().then(reloadAll);
  });
})();
