// Size gates of SPEC §8.5: gzip -9 of dist/monlight.min.js (web-vitals bundled) ≤ 7168 B and of
// dist/monlight.esm.js (without web-vitals) ≤ 4096 B; prints the IIFE figure against PERFORMANCE.md's goal P12 (6 KB).
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const gates = [
  { file: 'dist/monlight.min.js', limit: 7168, goal: 6144 },
  { file: 'dist/monlight.esm.js', limit: 4096 },
];
let failed = false;
for (const { file, limit, goal } of gates) {
  let data;
  try {
    data = readFileSync(new URL('../' + file, import.meta.url));
  } catch (e) {
    console.error(`${file}: missing (run npm run build first)`);
    failed = true;
    continue;
  }
  const gz = gzipSync(data, { level: 9 }).length;
  const ok = gz <= limit;
  failed ||= !ok;
  let line = `${file}: ${data.length} B, ${gz} B gzipped (limit ${limit} B: ${ok ? 'ok' : 'EXCEEDED'})`;
  if (goal) line += `; goal P12 ${goal} B: ${gz <= goal ? 'met' : 'missed by ' + (gz - goal) + ' B'}`;
  console.log(line);
}
process.exit(failed ? 1 : 0);
