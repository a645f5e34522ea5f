/* Minimal SVG line chart for the metrics UI (no dependencies).
 * MLChart.draw(container, { series: [{ name, color, points: [{ x: epochMs, y: number|null, partial: bool }] }],
 *                           yFormat: fn, height: px, xmin: epochMs, xmax: epochMs })
 * Segments that end in a partial bucket are drawn dashed. */
'use strict';
(function (global) {
  const NS = 'http://www.w3.org/2000/svg';
  const PALETTE = ['#5aa9ff', '#3fb950', '#d29922', '#f85149', '#bc8cff', '#39c5cf', '#ff7b72', '#7ee787', '#e3b341',
    '#a5d6ff', '#ffa657', '#d2a8ff', '#56d364', '#79c0ff', '#f0883e', '#ec6547', '#8b949e', '#b392f0', '#85e89d', '#ffab70'];

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }

  function niceStep(range, ticks) {
    const raw = range / Math.max(1, ticks);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const n = raw / mag;
    return (n >= 5 ? 10 : n >= 2 ? 5 : n >= 1 ? 2 : 1) * mag;
  }

  function pad2(n) { return String(n).padStart(2, '0'); }

  function timeLabel(ms, spanMs) {
    const d = new Date(ms);
    const hm = pad2(d.getHours()) + ':' + pad2(d.getMinutes());
    if (spanMs <= 36 * 3600 * 1000) return hm;
    return pad2(d.getMonth() + 1) + '-' + pad2(d.getDate()) + (spanMs <= 8 * 86400 * 1000 ? ' ' + hm : '');
  }

  function defaultFormat(v) {
    if (v === 0) return '0';
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
    if (a >= 100) return String(Math.round(v));
    return String(Number(v.toPrecision(3)));
  }

  function draw(container, opts) {
    container.innerHTML = '';
    const series = (opts.series || []).filter(function (s) { return s.points && s.points.length; });
    const fmt = opts.yFormat || defaultFormat;
    if (!series.length) {
      const p = document.createElement('div');
      p.className = 'chart-empty empty';
      p.textContent = opts.emptyText || 'No data in this range.';
      container.appendChild(p);
      return;
    }
    const W = Math.max(300, container.clientWidth || 600);
    const H = opts.height || 240;
    const m = { l: 56, r: 12, t: 10, b: 26 };
    let xmin = Infinity, xmax = -Infinity, ymin = Infinity, ymax = -Infinity;
    series.forEach(function (s) {
      s.points.forEach(function (p) {
        if (p.y === null || p.y === undefined || !isFinite(p.y)) return;
        xmin = Math.min(xmin, p.x); xmax = Math.max(xmax, p.x);
        ymin = Math.min(ymin, p.y); ymax = Math.max(ymax, p.y);
      });
    });
    if (!isFinite(xmin)) { xmin = Date.now() - 3600e3; xmax = Date.now(); ymin = 0; ymax = 1; }
    if (isFinite(opts.xmin) && opts.xmin < xmin) xmin = opts.xmin;
    if (isFinite(opts.xmax) && opts.xmax > xmax) xmax = opts.xmax;
    if (xmin === xmax) { xmin -= 30e3; xmax += 30e3; }
    if (ymin > 0) ymin = 0;
    if (ymin === ymax) ymax = ymin + 1;
    const step = niceStep(ymax - ymin, 4);
    ymax = Math.ceil(ymax / step) * step;
    ymin = Math.floor(ymin / step) * step;
    const X = function (x) { return m.l + (x - xmin) / (xmax - xmin) * (W - m.l - m.r); };
    const Y = function (y) { return m.t + (1 - (y - ymin) / (ymax - ymin)) * (H - m.t - m.b); };

    const svg = el('svg', { class: 'chart-svg', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' }, container);
    const grid = el('g', { class: 'chart-grid' }, svg);
    for (let v = ymin; v <= ymax + step / 2; v += step) {
      el('line', { x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), stroke: '#2a2f3a', 'stroke-width': 1 }, grid);
      const t = el('text', { x: m.l - 6, y: Y(v) + 4, 'text-anchor': 'end', fill: '#8a91a0', 'font-size': 10 }, grid);
      t.textContent = fmt(v);
    }
    const nx = Math.max(2, Math.floor((W - m.l - m.r) / 90));
    for (let i = 0; i <= nx; i++) {
      const x = xmin + (xmax - xmin) * i / nx;
      const t = el('text', { x: X(x), y: H - 8, 'text-anchor': i === 0 ? 'start' : (i === nx ? 'end' : 'middle'),
        fill: '#8a91a0', 'font-size': 10 }, grid);
      t.textContent = timeLabel(x, xmax - xmin);
    }
    series.forEach(function (s, si) {
      const color = s.color || PALETTE[si % PALETTE.length];
      const g = el('g', { class: 'chart-series', 'data-name': s.name }, svg);
      const pts = s.points.filter(function (p) { return p.y !== null && p.y !== undefined && isFinite(p.y); })
        .sort(function (a, b) { return a.x - b.x; });
      let solid = '', dashed = '';
      for (let i = 1; i < pts.length; i++) {
        const seg = 'M' + X(pts[i - 1].x).toFixed(1) + ',' + Y(pts[i - 1].y).toFixed(1) +
          'L' + X(pts[i].x).toFixed(1) + ',' + Y(pts[i].y).toFixed(1);
        if (pts[i].partial || pts[i - 1].partial) dashed += seg; else solid += seg;
      }
      if (solid) el('path', { d: solid, fill: 'none', stroke: color, 'stroke-width': 1.6, class: 'line-solid' }, g);
      if (dashed) el('path', { d: dashed, fill: 'none', stroke: color, 'stroke-width': 1.6, 'stroke-dasharray': '4 3', class: 'line-partial' }, g);
      pts.forEach(function (p) {
        const c = el('circle', { cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: pts.length > 120 ? 1.2 : 2.4, fill: color,
          class: p.partial ? 'pt partial' : 'pt' }, g);
        const tt = el('title', {}, c);
        tt.textContent = s.name + ' @ ' + new Date(p.x).toISOString() + ': ' + fmt(p.y) + (p.partial ? ' (partial)' : '');
      });
    });
    const legend = document.createElement('div');
    legend.className = 'chart-legend';
    legend.innerHTML = series.map(function (s, si) {
      const color = s.color || PALETTE[si % PALETTE.length];
      return '<span class="legend-item"><span class="swatch" style="background:' + color + '"></span>' +
        String(s.name).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }) + '</span>';
    }).join('');
    container.appendChild(legend);
  }

  global.MLChart = { draw: draw, PALETTE: PALETTE, format: defaultFormat };
})(window);
