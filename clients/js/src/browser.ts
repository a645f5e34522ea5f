// Entry of the script-tag build (dist/monlight.min.js, global `MonlightSDK`): when `window.MonlightConfig` is set
// before the script runs, the client is created at once and stored in `window.Monlight`.
import { init } from './client';
import type { MonlightClient, MonlightOptions } from './types';

export { init };

const w = window as unknown as { MonlightConfig?: MonlightOptions; Monlight?: MonlightClient };
if (w.MonlightConfig) {
  try {
    w.Monlight = init(w.MonlightConfig);
  } catch (e) {
    console.error('[Monlight] Auto-init failed:', e);
  }
}
