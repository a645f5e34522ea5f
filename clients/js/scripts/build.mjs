// Bundles the SDK with esbuild (SPEC §8.5): dist/monlight.esm.js (ESM, imports web-vitals) and
// dist/monlight.min.js (IIFE, web-vitals bundled, global MonlightSDK), both minified, ES2017, with source maps.
// Type declarations come from tsc (`npm run build` runs it after this script).
// Usage: node scripts/build.mjs [--outdir DIR]   (the relay's CMake build bundles into its build tree)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--outdir');
const outdir = i > 0 ? resolve(process.argv[i + 1]) : resolve(root, 'dist');
const { version } = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: true,
  target: 'es2017',
  legalComments: 'none',
  // internal members are named _x; shorten them (no public or DOM name starts with "_")
  mangleProps: /^_[a-z]/,
  banner: { js: `/* @monlight/browser ${version} */` },
  logLevel: 'warning',
};

await Promise.all([
  build({ ...common, entryPoints: ['src/index.ts'], format: 'esm', outfile: resolve(outdir, 'monlight.esm.js'), external: ['web-vitals'] }),
  build({ ...common, entryPoints: ['src/browser.ts'], format: 'iife', globalName: 'MonlightSDK', outfile: resolve(outdir, 'monlight.min.js') }),
]);
console.log(`built ${outdir}/monlight.esm.js and monlight.min.js`);
