// A site's bundle: @sentry/browser initialised from window.SENTRY_CFG (DSN, release, lifecycle).
import * as Sentry from '@sentry/browser';

const cfg = window.SENTRY_CFG;
Sentry.init({
  dsn: cfg.dsn,
  release: cfg.release,
  environment: 'browsertest',
  enableLogs: true,
  tracesSampleRate: 1,
  integrations: [Sentry.browserTracingIntegration()],
  ...(cfg.lifecycle === 'static' ? { traceLifecycle: 'static' } : {}),
});

function computeTotal(cart) {
  return cart.total.amount;
}

export function checkout() {
  try {
    computeTotal({});
  } catch (e) {
    Sentry.captureException(e);
  }
  Sentry.logger.info('checkout clicked', { step: 'pay' });
  Sentry.metrics.count('button.clicks', 1, { attributes: { page: 'checkout' } });
}

window.checkout = checkout;
