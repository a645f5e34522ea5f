/* Browser relay admin page (`/`): DSN keys, source maps, forwarding modes. Uses the admin key. */
'use strict';
(function () {
  const $ = ML.$;
  const DEFAULTS = { project: '', release: '' };
  let state = ML.readState(DEFAULTS);

  function relayUrl() {
    return window.location.origin + ML.root.replace(/\/$/, '');
  }

  // The SDK bundle this relay serves (GET sdk/monlight.min.js): its ETag is the version that makes the script URL
  // cacheable for a year. null while unknown; '' when the relay was built without it (404).
  let sdkVersion = null;
  function loadSdkVersion() {
    if (sdkVersion !== null) return Promise.resolve(sdkVersion);
    return fetch(ML.root + 'sdk/monlight.min.js', { method: 'HEAD', cache: 'no-store' }).then(function (r) {
      sdkVersion = r.ok ? (r.headers.get('ETag') || '').replace(/"/g, '') : '';
      return sdkVersion;
    }, function () { return ''; });
  }

  function snippet(key, version) {
    return '<script>window.MonlightConfig={dsn:"' + key + '",endpoint:"' + relayUrl() + '"}</script>' +
      '<script src="' + relayUrl() + '/sdk/monlight.min.js' + (version ? '?v=' + version : '') + '"></script>';
  }

  // §11.1: the three-line Sentry.init examples for a key's DSN
  function sentrySnippet(dsn) {
    return '# Python (pip install sentry-sdk)\nimport sentry_sdk\nsentry_sdk.init(dsn="' + dsn + '", enable_logs=True)\n\n' +
      '// JavaScript (@sentry/browser or @sentry/node)\nimport * as Sentry from "@sentry/browser";\n' +
      'Sentry.init({ dsn: "' + dsn + '", enableLogs: true });\n';
  }

  function size(n) {
    if (n === null || n === undefined) return '—';
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1048576).toFixed(1) + ' MiB';
  }

  async function loadHealth() {
    try {
      const r = await fetch(ML.root + 'health', { cache: 'no-store' });
      const h = await r.json();
      const f = h.forwarding || {};
      $('.forwarding').textContent = 'forwarding: ' + (Object.keys(f).map(function (k) { return k + ' → ' + f[k]; }).join(', ') || 'n/a') +
        (h.status !== 'ok' ? ' (' + (h.detail || h.status) + ')' : '');
    } catch (e) {
      $('.forwarding').textContent = 'forwarding: health unavailable';
    }
  }

  async function loadKeys() {
    let r;
    try { r = await ML.api('api/dsn-keys'); } catch (e) { ML.showError(e); return; }
    const keys = r.keys || [];
    $('.keys-body').innerHTML = keys.length ? keys.map(function (k) {
      return '<tr class="key-row' + (k.active ? '' : ' inactive') + '" data-id="' + k.id + '">' +
        '<td data-label="ID">' + k.id + '</td><td data-label="Project">' + ML.esc(k.project) + '</td>' +
        '<td data-label="Key"><code class="key-value">' + ML.esc(k.public_key) + '</code> ' +
        '<button class="btn link key-copy" type="button" data-key="' + ML.esc(k.public_key) + '">copy</button>' +
        (k.sentry_dsn ? '<br><span class="muted small">Sentry DSN</span> <code class="key-dsn">' + ML.esc(k.sentry_dsn) + '</code> ' +
          '<button class="btn link key-copy" type="button" data-key="' + ML.esc(k.sentry_dsn) + '">copy DSN</button>' : '') + '</td>' +
        '<td data-label="Active">' + (k.active ? '<span class="badge green">active</span>' : '<span class="badge">inactive</span>') + '</td>' +
        '<td data-label="Created">' + ML.timeHtml(k.created_at) + '</td>' +
        '<td data-label="Last used">' + ML.timeHtml(k.last_used_at) + '</td>' +
        '<td>' + (k.active ? '<button class="btn key-snippet" type="button" data-key="' + ML.esc(k.public_key) +
          '" data-project="' + ML.esc(k.project) + '" data-dsn="' + ML.esc(k.sentry_dsn || '') +
          '">Snippet</button> ' : '') +
        (k.active ? '<button class="btn danger key-deactivate" type="button" data-id="' + k.id + '">Deactivate</button>' : '') + '</td></tr>';
    }).join('') : '<tr><td colspan="7" class="empty">No DSN keys yet.</td></tr>';
  }

  async function loadMaps() {
    ML.writeState(state, DEFAULTS);
    let r;
    try { r = await ML.api('api/source-maps' + ML.qs({ project: state.project, release: state.release })); } catch (e) { ML.showError(e); return; }
    const maps = r.source_maps || [];
    $('.maps-body').innerHTML = maps.length ? maps.map(function (m) {
      return '<tr class="map-row" data-id="' + m.id + '"><td data-label="ID">' + m.id + '</td>' +
        '<td data-label="Project">' + ML.esc(m.project) + '</td><td data-label="Release">' + ML.esc(m.release) + '</td>' +
        '<td class="file" data-label="File">' + ML.esc(m.file_url) + '</td><td class="num" data-label="Size">' + size(m.size) + '</td>' +
        '<td data-label="Uploaded">' + ML.timeHtml(m.uploaded_at) + '</td><td data-label="Last used">' + ML.timeHtml(m.last_used_at) + '</td>' +
        '<td><button class="btn danger map-delete" type="button" data-id="' + m.id + '">Delete</button></td></tr>';
    }).join('') : '<tr><td colspan="8" class="empty">No source maps' + (state.project || state.release ? ' match' : ' uploaded') + '.</td></tr>';
  }

  function reloadAll() {
    loadHealth();
    loadKeys();
    loadMaps();
  }

  function readFile(file) {
    return new Promise(function (resolve, reject) {
      const fr = new FileReader();
      fr.onload = function () { resolve(String(fr.result)); };
      fr.onerror = function () { reject(fr.error || new Error('cannot read file')); };
      fr.readAsText(file);
    });
  }

  // The key and its page snippet, for a new key or (the "Snippet" button of a row) any active one.
  async function showKey(project, key, heading, sentryDsn) {
    $('.nk-heading').textContent = heading;
    $('.nk-created-project').textContent = project;
    $('.nk-key').textContent = key;
    const version = await loadSdkVersion();
    $('.nk-snippet').textContent = snippet(key, version);
    $('.nk-sdk-missing').classList.toggle('hidden', !!version);
    $('.nk-sentry-dsn').textContent = sentryDsn || '';
    $('.nk-sentry-snippet').textContent = sentrySnippet(sentryDsn || '');
    $('.new-key').classList.remove('hidden');
  }

  document.addEventListener('DOMContentLoaded', function () {
    ML.init({ plugin: 'browser-relay', keyLabel: 'Admin API key', reload: reloadAll });
    $('.sm-f-project').value = state.project;
    $('.sm-f-release').value = state.release;

    $('.new-key-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      $('.nk-error').textContent = '';
      const project = $('.nk-project').value.trim();
      try {
        const k = await ML.api('api/dsn-keys', { method: 'POST', body: { project: project } });
        await showKey(k.project, k.public_key, 'New key', k.sentry_dsn);
        $('.nk-project').value = '';
        loadKeys();
      } catch (e) {
        $('.nk-error').textContent = e.detail || e.message;
      }
    });
    $('.nk-copy').addEventListener('click', function (ev) { ML.copy($('.nk-key').textContent, ev.currentTarget); });
    $('.nk-copy-snippet').addEventListener('click', function (ev) { ML.copy($('.nk-snippet').textContent, ev.currentTarget); });
    $('.nk-copy-dsn').addEventListener('click', function (ev) { ML.copy($('.nk-sentry-dsn').textContent, ev.currentTarget); });
    $('.nk-copy-sentry').addEventListener('click', function (ev) { ML.copy($('.nk-sentry-snippet').textContent, ev.currentTarget); });

    $('.keys-body').addEventListener('click', async function (ev) {
      const c = ev.target.closest('.key-copy');
      if (c) { ML.copy(c.getAttribute('data-key'), c); return; }
      const sn = ev.target.closest('.key-snippet');
      if (sn) {
        await showKey(sn.getAttribute('data-project'), sn.getAttribute('data-key'), 'Key',
                      sn.getAttribute('data-dsn'));
        $('.new-key').scrollIntoView({ block: 'nearest' });
        return;
      }
      const d = ev.target.closest('.key-deactivate');
      if (!d) return;
      const id = d.getAttribute('data-id');
      if (!window.confirm('Deactivate DSN key #' + id + '? Browsers using it will be rejected. This cannot be undone.')) return;
      try {
        await ML.api('api/dsn-keys/' + encodeURIComponent(id), { method: 'DELETE' });
        loadKeys();
      } catch (e) { ML.showError(e); }
    });

    $('.sm-filter').addEventListener('submit', function (ev) {
      ev.preventDefault();
      state.project = $('.sm-f-project').value.trim();
      state.release = $('.sm-f-release').value.trim();
      loadMaps();
    });

    $('.maps-body').addEventListener('click', async function (ev) {
      const d = ev.target.closest('.map-delete');
      if (!d) return;
      const id = d.getAttribute('data-id');
      if (!window.confirm('Delete source map #' + id + '?')) return;
      try {
        await ML.api('api/source-maps/' + encodeURIComponent(id), { method: 'DELETE' });
        loadMaps();
      } catch (e) { ML.showError(e); }
    });

    $('.upload-form').addEventListener('submit', async function (ev) {
      ev.preventDefault();
      const out = $('.up-result');
      out.className = 'up-result';
      out.textContent = '';
      const file = $('.up-file').files[0];
      if (!file) { out.className = 'up-result error-text'; out.textContent = 'Choose a .map file'; return; }
      let text;
      try { text = await readFile(file); } catch (e) { out.className = 'up-result error-text'; out.textContent = e.message; return; }
      try {
        const r = await ML.api('api/source-maps', { method: 'POST', body: {
          project: $('.up-project').value.trim(), release: $('.up-release').value.trim(),
          file_url: $('.up-url').value.trim(), map_content: text } });
        out.className = 'up-result ok-text';
        out.textContent = (r.status === 'replaced' ? 'Replaced' : 'Uploaded') + ' #' + r.id + ' (' + r.file_url + ', ' + size(r.size) + ')';
        loadMaps();
      } catch (e) {
        out.className = 'up-result error-text';
        out.textContent = e.status === 413 ? 'Source map too large (413)' : (e.detail || e.message);
      }
    });

    ML.ensureKey().then(reloadAll);
  });
})();
