// The page's own code for the end-to-end test: bundled and minified with esbuild by the test, which uploads the
// source map to the relay. Keep the `throw` on line 8 (the test looks for src/app.ts:8 in the rewritten stack).
interface Cart {
  total?: number;
}

export function checkout(cart: Cart): number {
  if (!cart.total) throw new TypeError('cart total missing');
  return cart.total;
}

/** Throws (uncaught), rejects a promise, does a failing fetch (5xx) and one to a closed port. */
export async function run(closedPort: number): Promise<string[]> {
  setTimeout(() => checkout({}), 0);
  Promise.reject(new Error('payment declined'));
  const results: string[] = [];
  const r = await fetch('/api/fail?token=secret');
  results.push(String(r.status));
  try {
    await fetch(`http://127.0.0.1:${closedPort}/unreachable`);
  } catch (e) {
    results.push('rejected: ' + (e as Error).message);
  }
  return results;
}
