// The unmodified @sentry/node 11 SDK (bodies are sent chunked, without Content-Length). Usage: node client.mjs DSN
import * as Sentry from '@sentry/node';

Sentry.init({ dsn: process.argv[2], release: 'svc@2.0.0', environment: 'nodetest', enableLogs: true,
  tracesSampleRate: 0 });
Sentry.setTag('region', 'eu-1');

function f() { throw new RangeError('bad range 7'); }
try { f(); } catch (e) { Sentry.captureException(e); }
Sentry.logger.warn(Sentry.logger.fmt`disk ${'sda'} low`, { free_mb: 12 });
Sentry.metrics.gauge('mem.used', 1024, { unit: 'megabyte' });
Sentry.metrics.count('jobs.done', 2, { attributes: { queue: 'default' } });
await Sentry.flush(10000);
