// Writes `<file>.br` beside each file named, at brotli's best (quality 11, a 16 MB
// window), when that is smaller than the file: the sync server sends these to the
// browsers that accept brotli (Chrome over HTTPS), checking each against its file.
// Node's own zlib: nothing to install.
import { readFileSync, writeFileSync } from "node:fs";
import { brotliCompressSync, constants } from "node:zlib";

for (const file of process.argv.slice(2)) {
  const plain = readFileSync(file);
  const packed = brotliCompressSync(plain, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: plain.length,
    },
  });
  if (packed.length < plain.length) {
    writeFileSync(`${file}.br`, packed);
  }
}
