// SPDX-License-Identifier: MIT
// The npm `tfrecord` package's side of tests/interop/check_interop.sh: writes the shared sample
// with its own builder and writer, or dumps a TFRecord file of Examples, read by its own reader
// (which checks both CRCs), in the canonical form of sf_io_interop.cpp.
//   node npm_tfrecord.js MODULE_DIR write|dump FILE
'use strict';
const [moduleDir, cmd, file] = process.argv.slice(2);
const tfrecord = require(moduleDir);

const hex = (bytes) => Buffer.from(bytes).toString('hex');
const floatBits = (v) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v, 0);
  return b.readUInt32LE(0).toString(16).padStart(8, '0');
};

function canonical(example) {
  const map = example.features ? example.features.feature : {};
  return Object.keys(map).sort().map((key) => {
    const f = map[key];
    if (f.bytesList) return `${key}=bytes_list[${f.bytesList.value.map(hex).join(',')}]`;
    if (f.floatList) return `${key}=float_list[${f.floatList.value.map(floatBits).join(',')}]`;
    if (f.int64List) return `${key}=int64_list[${f.int64List.value.map(String).join(',')}]`;
    return `${key}=no kind[]`;
  }).join(' ');
}

async function write() {
  const w = await tfrecord.createWriter(file);
  for (let i = 0; i < 5; ++i) {
    const b = tfrecord.createBuilder();
    b.setIntegers('label', [i, -1000000000000 * i]);
    b.setFloats('pixels', [i + 0.5, -1.25, 3.14]);
    b.setBinaries('name', [Buffer.from('rec' + i), new Uint8Array([0, 255, i])]);
    await w.writeExample(b.releaseExample());
  }
  await w.writeExample(tfrecord.createBuilder().releaseExample());
  await w.close();
}

async function dump() {
  const r = await tfrecord.createReader(file);
  let ex;
  while ((ex = await r.readExample())) console.log(canonical(ex));
}

(cmd === 'write' ? write() : dump()).catch((e) => {
  console.error('npm_tfrecord.js: ' + (e && e.stack || e));
  process.exit(1);
});
