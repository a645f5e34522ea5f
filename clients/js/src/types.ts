/** Metric kinds accepted by the metrics collector. */
export type MetricType = 'counter' | 'histogram' | 'gauge';

/** An error event as sent to `POST <endpoint>/api/browser/errors` (SPEC §8.2, the relay body of §5.6). */
export interface MonlightEvent {
  type: string;
  message: string;
  stack: string;
  url: string;
  user_agent: string;
  session_id: string;
  release?: string;
  environment: string;
  timestamp: string;
  context: Record<string, unknown>;
}

/** One buffered metric (SPEC §8.3). */
export interface MetricItem {
  name: string;
  type: MetricType;
  value: number;
  labels: Record<string, string>;
  timestamp: string;
}

/** Options of `init` (SPEC §8.1). */
export interface MonlightOptions {
  /** DSN public key (created on the relay's admin page or with `POST /api/dsn-keys`). Required. */
  dsn: string;
  /** Relay base URL, may include a path prefix. Required. */
  endpoint: string;
  /** Sent with errors; enables source-map rewriting on the relay. */
  release?: string;
  /** Sent with errors. Default `"prod"`. */
  environment?: string;
  /** 0–1, decided once per page load; applies to performance data only. Default 1. */
  sampleRate?: number;
  /** `console.warn("[Monlight] …")` for transport failures and dropped events. Default false. */
  debug?: boolean;
  /** `false` makes `init` return a no-op client. Default true. */
  enabled?: boolean;
  /** Report `console.error` / `console.warn`. Default false. */
  captureConsole?: boolean;
  /** Called for each error event after dedup; return the (possibly modified) event, or `null` to drop it. */
  beforeSend?: (event: MonlightEvent) => MonlightEvent | null;
  /** fetch/XHR metrics and 5xx/network errors. Default true. */
  captureNetwork?: boolean;
  /** Web Vitals and page load time. Default true. */
  captureWebVitals?: boolean;
  /** Drop errors whose message contains the string or matches the RegExp. */
  ignoreErrors?: (string | RegExp)[];
  /** Metric flush period in ms. Default 5000. */
  flushInterval?: number;
  /** Flush when this many metrics are buffered. Default 10. */
  maxBatchSize?: number;
  /** Errors sent per page load at most. Default 100. */
  maxErrorsPerPage?: number;
}

/** The object `init` returns (SPEC §8.1). No method ever throws. */
export interface MonlightClient {
  captureError(error: unknown, context?: Record<string, unknown>): void;
  captureMessage(message: string, level?: 'error' | 'warning'): void;
  setUser(id: string | number | null): void;
  addContext(key: string, value: unknown): void;
  removeContext(key: string): void;
  recordMetric(name: string, type: MetricType, value: number, labels?: Record<string, string>): void;
  flush(): Promise<void>;
  destroy(): void;
}
