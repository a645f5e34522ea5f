/* Monlight shared top navigation, loaded by common.js on every UI page.
 * On the combined listener (each UI under /<plugin>/) the bar links the loaded tools (from the host's /health) and
 * the brand links the index page; on a plugin's own listener it names the tool. Plain ES2017; extends `ML`. */
'use strict';
(function (global) {
  const ML = global.ML;
  if (!ML) return;
  const TOOLS = [
    ['error-tracker', 'Errors'],
    ['log-viewer', 'Logs'],
    ['metrics-collector', 'Metrics'],
    ['browser-relay', 'Browser relay']
  ];
  let built = false;

  /** The combined listener's root ("/", or an nginx sub-path) when this page is one of its UIs, else null. */
  function combinedBase(root) {
    const m = /^(.*\/)([^/]+)\/$/.exec(root || '');
    if (!m) return null;
    return TOOLS.some(function (t) { return t[0] === m[2]; }) ? m[1] : null;
  }

  function current(root) {
    const m = /([^/]+)\/$/.exec(root || '');
    return m ? m[1] : '';
  }

  function build() {
    if (built || !ML.root) return;
    const bar = ML.$('.topbar');
    if (!bar) return;
    built = true;
    const base = combinedBase(ML.root);
    const cur = base !== null ? current(ML.root) : '';
    const nav = document.createElement('nav');
    nav.className = 'ml-nav';
    nav.setAttribute('aria-label', 'Monlight tools');
    const brand = bar.querySelector('.brand');
    if (base === null) { // a plugin's own listener: the other tools are on other ports this page cannot know
      bar.classList.add('ml-nav-single');
      return;
    }
    if (brand && brand.getAttribute('href') === './') { // not the detail page's "← Errors"
      brand.setAttribute('href', base);
      brand.setAttribute('title', 'All tools');
    }
    const links = function (loaded) {
      nav.innerHTML = TOOLS.filter(function (t) { return !loaded || t[0] in loaded || t[0] === cur; }).map(function (t) {
        const state = loaded && loaded[t[0]] ? loaded[t[0]] : '';
        return '<a class="ml-nav-link' + (t[0] === cur ? ' current' : '') + '" href="' + ML.esc(base + t[0] + '/') + '"' +
          (t[0] === cur ? ' aria-current="page"' : '') + ' data-tool="' + ML.esc(t[0]) + '">' + ML.esc(t[1]) +
          (state === 'error' ? ' <span class="ml-nav-bad" title="unhealthy">(unhealthy)</span>' : '') + '</a>';
      }).join('');
    };
    links(null);
    if (brand) brand.insertAdjacentElement('afterend', nav);
    else bar.insertBefore(nav, bar.firstChild);
    // only the tools this host loaded, from its health (no key needed)
    fetch(base + 'health', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (h) {
      if (h && h.plugins && typeof h.plugins === 'object') links(h.plugins);
    }).catch(function () { /* keep every link */ });
  }

  ML.nav = { build: build, combinedBase: combinedBase };
  build();
})(window);
