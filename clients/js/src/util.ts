// Small helpers shared by the client: page labels (same rule as the relay, SPEC §5.7), session id, safe strings.

const ID = /^(\d+|[\da-f]{16,}|[\da-f]{8}(-[\da-f]{4}){3}-[\da-f]{12})$/i;

/** Each all-digit, UUID or ≥16-hex-digit path segment becomes `{id}`; the result is cut to 200 chars. */
export function normalizePage(path: string): string {
  return path
    .split('/')
    .map((s) => (ID.test(s) ? '{id}' : s))
    .join('/')
    .slice(0, 200);
}

/** Origin plus normalised path of a URL (query and hash dropped). */
export function sanitizeUrl(url: URL): string {
  return url.origin + normalizePage(url.pathname);
}

/** `String(v)`, even for values whose conversion throws (`Object.create(null)`, symbols in templates). */
export function str(v: unknown): string {
  try {
    return String(v);
  } catch (e) {
    return Object.prototype.toString.call(v);
  }
}

/** A random RFC 4122 version 4 UUID: crypto.randomUUID, else crypto.getRandomValues, else Math.random. */
export function uuid(): string {
  const c = typeof crypto != 'undefined' ? crypto : undefined;
  return c && c.randomUUID
    ? c.randomUUID()
    : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (d) =>
        (+d ^ ((c && c.getRandomValues ? c.getRandomValues(new Uint8Array(1))[0] : Math.random() * 256) & (15 >> (+d / 4)))).toString(16),
      );
}

/** The tab's session id, kept in sessionStorage (no cookies, no localStorage); per page when storage fails. */
export function sessionId(): string {
  const key = 'monlight_session_id';
  let id: string | null = null;
  try {
    id = sessionStorage.getItem(key);
    if (!id) sessionStorage.setItem(key, (id = uuid()));
  } catch (e) {
    // storage disabled (sandboxed frame, privacy mode)
  }
  return id || uuid();
}
