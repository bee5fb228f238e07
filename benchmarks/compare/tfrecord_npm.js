// SPDX-License-Identifier: MIT
// The npm `tfrecord` package's reader over a whole file (it checks both CRCs of every record):
// best of REPS passes, one machine-readable line.
//   node tfrecord_npm.js MODULE_DIR FILE [REPS]
'use strict';
const [moduleDir, file, repsArg] = process.argv.slice(2);
const tfrecord = require(moduleDir);

async function pass() {
  const r = await tfrecord.RecordReader.create(file);
  let records = 0, bytes = 0, rec;
  while ((rec = await r.readRecord()) !== null) records++, bytes += rec.length + 16;
  await r.close();
  return { records, bytes };
}

(async () => {
  let best = Infinity, last;
  for (let i = 0; i < Number(repsArg || 3); ++i) {
    const t = process.hrtime.bigint();
    last = await pass();
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  console.log(`npm-tfrecord-read records=${last.records} bytes=${last.bytes} mb_per_s=${(last.bytes / best / 1e6).toFixed(1)} records_per_s=${(last.records / best).toFixed(0)}`);
})().catch((e) => { console.error('tfrecord_npm.js: ' + (e && e.stack || e)); process.exit(1); });
