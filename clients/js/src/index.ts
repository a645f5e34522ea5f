// @monlight/browser: errors, Web Vitals and network metrics from web pages to the Monlight browser relay.
export { init } from './client';
export type { MetricItem, MetricType, MonlightClient, MonlightEvent, MonlightOptions } from './types';
