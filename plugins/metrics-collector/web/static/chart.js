/* Time-series charts of the metrics UI, drawn by uPlot (static/vendor/, embedded at build time).
 * MLChart.draw(el, opts) replaces the chart in `el`:
 *   opts.xs       bucket starts in ms (ascending)
 *   opts.series   [{ name, color, values: [number|null per x] }]
 *   opts.unit     y-axis unit shown on the ticks and in the tooltip ('' for none)
 *   opts.xmin/xmax range in ms to show (omitted: fit the data; opts.bucketMs is the room around a lone bucket)
 *   opts.bands    [{ from, to, color, label }] y-ranges painted behind the lines (Web Vitals thresholds)
 *   opts.onZoom   function (fromMs, toMs) called after a drag over the plot
 *   opts.height, opts.emptyText, opts.label (the chart's accessible name)
 * A crosshair tooltip lists every series at the hovered bucket; the legend buttons hide a series (click) or show it
 * alone (Shift+click, again for all). Hidden series are remembered per element across redraws. */
'use strict';
(function (global) {
  const PALETTE = ['#5aa9ff', '#bc8cff', '#39c5cf', '#f778ba', '#c9d1d9', '#ffa657', '#7ee787', '#d2a8ff', '#79c0ff',
    '#ff7b72'];

  function fmt(v, unit) {
    if (v === null || v === undefined || isNaN(v)) return '—';
    const a = Math.abs(v);
    let s;
    if (a >= 1e9) s = (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
    else if (a >= 1e6) s = (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    else if (a >= 1e4) s = (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    else if (a >= 100 || Number.isInteger(v)) s = String(Math.round(v));
    else if (a >= 1) s = String(Math.round(v * 100) / 100);
    else s = String(Number(v.toPrecision(3)));
    return unit ? s + ' ' + unit : s;
  }

  function pad(n) { return String(n).padStart(2, '0'); }
  function timeText(ms) {
    const d = new Date(ms);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' +
      pad(d.getMinutes());
  }

  function available() { return typeof global.uPlot === 'function'; }

  function destroy(el) {
    if (el._mlPlot) { el._mlPlot.destroy(); el._mlPlot = null; }
  }

  function draw(el, opts) {
    destroy(el);
    const series = (opts.series || []).map(function (s, i) {
      return { name: s.name, color: s.color || PALETTE[i % PALETTE.length], values: s.values };
    });
    const xs = opts.xs || [];
    const hasData = series.some(function (s) { return s.values.some(function (v) { return v !== null && v !== undefined; }); });
    el.classList.add('ml-chart');
    el.setAttribute('role', 'figure');
    el.setAttribute('aria-label', (opts.label || 'Chart') + (hasData ? '' : ': no data') + '. The table below lists the same values.');
    if (!hasData) {
      el.innerHTML = '<div class="empty chart-empty">' + ML.esc(opts.emptyText || 'No data.') + '</div>';
      return null;
    }
    if (!available()) {
      el.innerHTML = '<div class="empty chart-empty">Charts are not available in this build (uPlot was not embedded); the table below has the values.</div>';
      return null;
    }
    const hidden = el._mlHidden || (el._mlHidden = {});
    const unit = opts.unit || '';
    el.innerHTML = '<div class="chart-plot"></div><div class="chart-tip hidden" aria-hidden="true"></div>' +
      '<div class="chart-legend" role="group" aria-label="Series (click: hide or show; Shift+click: show only this one)"></div>';
    const plotEl = el.querySelector('.chart-plot');
    const tip = el.querySelector('.chart-tip');
    const legend = el.querySelector('.chart-legend');
    const bands = opts.bands || [];

    const data = [xs.map(function (x) { return x / 1000; })].concat(series.map(function (s) {
      return s.values.map(function (v) { return v === undefined ? null : v; });
    }));
    const width = Math.max(240, el.clientWidth || plotEl.clientWidth || 600);
    const axisStyle = { stroke: '#8a91a0', grid: { stroke: '#2a2f3a', width: 1 }, ticks: { stroke: '#2a2f3a', width: 1 },
      font: '11px ui-monospace, monospace' };
    const uopts = {
      width: width,
      height: opts.height || 240,
      legend: { show: false },
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { size: 6 },
        focus: { prox: 16 }
      },
      focus: { alpha: 0.4 },
      scales: { x: { time: true }, y: { auto: true } },
      axes: [
        Object.assign({}, axisStyle),
        Object.assign({}, axisStyle, {
          size: 64,
          values: function (u, splits) { return splits.map(function (v) { return fmt(v, unit); }); }
        })
      ],
      series: [{}].concat(series.map(function (s) {
        return { label: s.name, stroke: s.color, width: 1.6, spanGaps: false, show: !hidden[s.name],
          points: { show: xs.length < 60 } };
      })),
      hooks: {
        drawClear: [function (u) {
          if (!bands.length) return;
          const ctx = u.ctx;
          const bb = u.bbox;
          ctx.save();
          bands.forEach(function (b) {
            const top = u.valToPos(Math.min(b.to, u.scales.y.max), 'y', true);
            const bottom = u.valToPos(Math.max(b.from, u.scales.y.min), 'y', true);
            if (!(bottom > top)) return;
            ctx.fillStyle = b.color;
            ctx.fillRect(bb.left, Math.max(bb.top, top), bb.width, Math.min(bb.top + bb.height, bottom) - Math.max(bb.top, top));
          });
          ctx.restore();
        }],
        setCursor: [function (u) { showTip(u); }],
        setSelect: [function (u) {
          const sel = u.select;
          if (sel.width < 3) return;
          const a = u.posToVal(sel.left, 'x') * 1000;
          const b = u.posToVal(sel.left + sel.width, 'x') * 1000;
          u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
          if (opts.onZoom) opts.onZoom(a, b);
        }]
      }
    };
    if (opts.xmin !== undefined && opts.xmax !== undefined && opts.xmin !== null && opts.xmax !== null) {
      uopts.scales.x.range = function () { return [opts.xmin / 1000, opts.xmax / 1000]; };
    } else if (xs.length === 1) {
      // fitting one bucket: that bucket with one bucket of room either side
      const pad = (opts.bucketMs || 3600e3) / 1000;
      uopts.scales.x.range = function () { return [xs[0] / 1000 - pad, xs[0] / 1000 + pad]; };
    }
    if (bands.length) {
      // keep the good/poor thresholds in view even when every value is far below them
      const top = Math.max.apply(null, bands.filter(function (b) { return isFinite(b.from); }).map(function (b) { return b.from; }));
      uopts.scales.y.range = function (u, min, max) {
        return [0, Math.max(max === null ? 0 : max, top) * 1.1];
      };
    }

    function showTip(u) {
      const idx = u.cursor.idx;
      if (idx === null || idx === undefined || u.cursor.left < 0) {
        tip.classList.add('hidden');
        return;
      }
      const rows = series.map(function (s, i) {
        const v = data[i + 1][idx];
        return '<div class="tip-row' + (hidden[s.name] ? ' off' : '') + '"><span class="swatch" style="background:' +
          ML.esc(s.color) + '"></span><span class="tip-name">' + ML.esc(s.name) + '</span><span class="tip-val">' +
          ML.esc(fmt(v, unit)) + '</span></div>';
      }).join('');
      tip.innerHTML = '<div class="tip-time">' + ML.esc(timeText(data[0][idx] * 1000)) + '</div>' + rows;
      tip.classList.remove('hidden');
      const left = u.over.offsetLeft + u.cursor.left;
      const w = tip.offsetWidth;
      const x = left + 14 + w > plotEl.clientWidth ? Math.max(0, left - 14 - w) : left + 14;
      tip.style.left = x + 'px';
      tip.style.top = Math.max(0, u.over.offsetTop + u.cursor.top - 10) + 'px';
    }

    function renderLegend() {
      legend.innerHTML = series.map(function (s, i) {
        return '<button type="button" class="legend-item' + (hidden[s.name] ? ' off' : '') + '" data-i="' + i +
          '" aria-pressed="' + (hidden[s.name] ? 'false' : 'true') + '" title="Click: hide/show. Shift+click: only this one.">' +
          '<span class="swatch" style="background:' + ML.esc(s.color) + '"></span>' + ML.esc(s.name) + '</button>';
      }).join('');
    }

    const u = new global.uPlot(uopts, data, plotEl);
    el._mlPlot = u;
    renderLegend();
    legend.addEventListener('click', function (ev) {
      const b = ev.target.closest('.legend-item');
      if (b) toggle(Number(b.getAttribute('data-i')), ev.shiftKey || ev.altKey);
    });
    // Shift+Enter / Shift+Space on an entry: that series alone (as Shift+click)
    legend.addEventListener('keydown', function (ev) {
      const b = ev.target.closest('.legend-item');
      if (!b || !ev.shiftKey || (ev.key !== 'Enter' && ev.key !== ' ')) return;
      ev.preventDefault();
      toggle(Number(b.getAttribute('data-i')), true);
    });
    function toggle(i, soloMode) {
      const name = series[i].name;
      if (soloMode) {
        const solo = series.every(function (s, j) { return j === i ? !hidden[s.name] : hidden[s.name]; });
        series.forEach(function (s) { hidden[s.name] = solo ? false : s.name !== name; });
      } else {
        hidden[name] = !hidden[name];
      }
      series.forEach(function (s, j) { u.setSeries(j + 1, { show: !hidden[s.name] }); });
      renderLegend();
      const again = legend.querySelector('.legend-item[data-i="' + i + '"]');
      if (again) again.focus();
    }
    return u;
  }

  /** Fits every chart to its element's width (call on resize). */
  function resizeAll() {
    Array.prototype.forEach.call(document.querySelectorAll('.ml-chart'), function (el) {
      if (el._mlPlot) el._mlPlot.setSize({ width: Math.max(240, el.clientWidth), height: el._mlPlot.height });
    });
  }

  global.MLChart = { draw: draw, destroy: destroy, fmt: fmt, available: available, resizeAll: resizeAll, PALETTE: PALETTE };
})(window);
