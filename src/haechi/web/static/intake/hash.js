// haechi's hasher for the browser: PDQ, MD5 and SHA-256 of an image, computed on the device.
//
// A standalone ES module with no dependencies, so a partner's own page can import it too
// (served to every origin) and post the hashes to /api/v1/intake/submissions:
//
//   import { hashImage, solveChallenge } from "https://haechi.example/static/intake/hash.js";
//   const { pdq, quality, md5, sha256 } = await hashImage(file);
//
// Nothing leaves the page: the image is decoded by the browser's own decoder (no colour-profile
// conversion; a JPEG's EXIF orientation is read as 1 so the stored pixels are hashed, as haechi
// and Meta's tool do: their matching also tries the turns and mirror images), sampled down to 512x512 by nearest neighbour when a
// side is over 512 px (rows floor(i*H/512), columns floor(j*W/512), as Meta's pdq-photo-hasher
// and haechi do), then hashed by PDQ done in float32 step for step as Meta's C++ code does, so
// the hash is bit for bit the C++ tool's when the decoder gives the same pixels.
// SHA-256 comes from WebCrypto in a secure context (HTTPS or localhost), else from the code
// here (plain HTTP in a centre's LAN); MD5 is always computed here (WebCrypto has none).

const f = Math.fround;
const SIDE = 512;
const CR = f(0.299);
const CG = f(0.587);
const CB = f(0.114);

// The 16x64 DCT matrix, as float, built as the C++ code builds it (a float scale times a
// double cosine, stored as float).
const DCT = (() => {
  const d = new Float32Array(16 * 64);
  const scale = f(Math.sqrt(2.0 / 64));
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      d[i * 64 + j] = scale * Math.cos((Math.PI / 2.0 / 64) * (i + 1) * (2 * j + 1));
    }
  }
  return d;
})();

/** Nearest-neighbour sample of RGBA pixels to 512x512 when a side is over 512 px. */
export function prepare(rgba, width, height) {
  if (width <= SIDE && height <= SIDE) return { rgba, width, height };
  const out = new Uint8ClampedArray(SIDE * SIDE * 4);
  for (let i = 0; i < SIDE; i++) {
    const row = Math.floor((i * height) / SIDE) * width;
    for (let j = 0; j < SIDE; j++) {
      const src = (row + Math.floor((j * width) / SIDE)) * 4;
      const dst = (i * SIDE + j) * 4;
      out[dst] = rgba[src];
      out[dst + 1] = rgba[src + 1];
      out[dst + 2] = rgba[src + 2];
      out[dst + 3] = 255;
    }
  }
  return { rgba: out, width: SIDE, height: SIDE };
}

function windowSize(oldDim, newDim) {
  return Math.floor((oldDim + 2 * newDim - 1) / (2 * newDim));
}

// One pass of a box filter along a vector, with the C++ code's four phases and float sums.
function box1D(inv, outv, start, length, stride, full) {
  const half = Math.floor((full + 2) / 2);
  const p1 = half - 1;
  const p2 = full - half + 1;
  const p3 = length - full;
  const p4 = half - 1;
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < p1; i++) {
    sum = f(sum + inv[ri]);
    n++;
    ri += stride;
  }
  for (let i = 0; i < p2; i++) {
    sum = f(sum + inv[ri]);
    n++;
    outv[oi] = sum / n;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < p3; i++) {
    sum = f(sum + inv[ri]);
    sum = f(sum - inv[li]);
    outv[oi] = sum / n;
    li += stride;
    ri += stride;
    oi += stride;
  }
  for (let i = 0; i < p4; i++) {
    sum = f(sum - inv[li]);
    n--;
    outv[oi] = sum / n;
    li += stride;
    oi += stride;
  }
}

function jarosz(buf1, buf2, rows, cols) {
  const alongRows = windowSize(cols, 64);
  const alongCols = windowSize(rows, 64);
  for (let rep = 0; rep < 2; rep++) {
    for (let i = 0; i < rows; i++) box1D(buf1, buf2, i * cols, cols, 1, alongRows);
    for (let j = 0; j < cols; j++) box1D(buf2, buf1, j, rows, cols, alongCols);
  }
}

function quality64(a) {
  let sum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      sum += Math.abs(Math.trunc(f(f(f(a[i * 64 + j] - a[(i + 1) * 64 + j]) * 100) / 255)));
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      sum += Math.abs(Math.trunc(f(f(f(a[i * 64 + j] - a[i * 64 + j + 1]) * 100) / 255)));
    }
  }
  return Math.min(100, Math.trunc(sum / 90));
}

function dct64To16(a) {
  const t = new Float32Array(16 * 64);
  const b = new Float32Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = f(s + f(DCT[i * 64 + k] * a[k * 64 + j]));
      t[i * 64 + j] = s;
    }
  }
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let s = 0;
      for (let k = 0; k < 64; k++) s = f(s + f(t[i * 64 + k] * DCT[j * 64 + k]));
      b[i * 16 + j] = s;
    }
  }
  return b;
}

// Torben Mogensen's median, in float as the C++ code does it.
function torben(m) {
  const n = m.length;
  const halfN = Math.floor((n + 1) / 2);
  let min = m[0];
  let max = m[0];
  for (let i = 1; i < n; i++) {
    if (m[i] < min) min = m[i];
    if (m[i] > max) max = m[i];
  }
  let less, greater, equal, guess, maxlt, mingt;
  for (;;) {
    guess = f(f(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxlt = min;
    mingt = max;
    for (let i = 0; i < n; i++) {
      if (m[i] < guess) {
        less++;
        if (m[i] > maxlt) maxlt = m[i];
      } else if (m[i] > guess) {
        greater++;
        if (m[i] < mingt) mingt = m[i];
      } else equal++;
    }
    if (less <= halfN && greater <= halfN) break;
    if (less > greater) max = maxlt;
    else min = mingt;
  }
  if (less >= halfN) return maxlt;
  if (less + equal >= halfN) return guess;
  return mingt;
}

function toHex(b) {
  const median = torben(b);
  const words = new Uint16Array(16);
  for (let k = 0; k < 256; k++) if (b[k] > median) words[k >> 4] |= 1 << (k & 15);
  let hex = "";
  for (let w = 15; w >= 0; w--) hex += words[w].toString(16).padStart(4, "0");
  return hex;
}

/** PDQ of RGBA pixels (already prepared): `{pdq, quality}`, as Meta's C++ code computes it. */
export function pdqOfPixels(rgba, width, height) {
  if (width < 5 || height < 5) return { pdq: "0".repeat(64), quality: 0 };
  const n = width * height;
  const luma = new Float32Array(n);
  for (let p = 0, q = 0; p < n; p++, q += 4) {
    luma[p] = f(f(CR * rgba[q]) + f(CG * rgba[q + 1])) + f(CB * rgba[q + 2]);
  }
  const a = new Float32Array(64 * 64);
  if (width === 64 && height === 64) a.set(luma);
  else {
    jarosz(luma, new Float32Array(n), height, width);
    for (let i = 0; i < 64; i++) {
      const ini = Math.trunc(((i + 0.5) * height) / 64);
      for (let j = 0; j < 64; j++) {
        a[i * 64 + j] = luma[ini * width + Math.trunc(((j + 0.5) * width) / 64)];
      }
    }
  }
  return { pdq: toHex(dct64To16(a)), quality: quality64(a) };
}

// ---- MD5 (RFC 1321); WebCrypto has none -------------------------------------------------
const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);

/** MD5 of bytes (a Uint8Array or ArrayBuffer) as 32 lower-case hex digits. */
export function md5(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const len = bytes.length;
  const padded = new Uint8Array((((len + 8) >> 6) + 1) << 6);
  padded.set(bytes);
  padded[len] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, (len * 8) >>> 0, true);
  view.setUint32(padded.length - 4, Math.floor(len / 2 ** 29), true);
  let a0 = 0x67452301, b0 = 0xefcdab89 | 0, c0 = 0x98badcfe | 0, d0 = 0x10325476;
  const m = new Int32Array(16);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) m[i] = view.getInt32(off + i * 4, true);
    let a = a0, b = b0, c = c0, d = d0;
    for (let i = 0; i < 64; i++) {
      let fn, g;
      const r = i >> 4;
      if (r === 0) { fn = (b & c) | (~b & d); g = i; }
      else if (r === 1) { fn = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
      else if (r === 2) { fn = b ^ c ^ d; g = (3 * i + 5) & 15; }
      else { fn = c ^ (b | ~d); g = (7 * i) & 15; }
      const s = MD5_S[(r << 2) | (i & 3)];
      const x = (a + fn + MD5_K[i] + m[g]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0; b0 = (b0 + b) | 0; c0 = (c0 + c) | 0; d0 = (d0 + d) | 0;
  }
  let hex = "";
  for (const w of [a0, b0, c0, d0]) {
    for (let i = 0; i < 4; i++) hex += ((w >>> (8 * i)) & 255).toString(16).padStart(2, "0");
  }
  return hex;
}

// ---- SHA-256 (FIPS 180-4): WebCrypto's when the page has it, else computed here ---------
// crypto.subtle exists only in a secure context (HTTPS, or localhost); a support centre's
// server on plain HTTP in its LAN still gets the same digest, from this code.
const SHA_K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const rotr = (x, n) => (x >>> n) | (x << (32 - n));

function shaBlocks(state, w, view, start, end) {
  for (let off = start; off < end; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15];
      const y = w[i - 2];
      const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
      const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, g, h, k] = state; // a..h of the standard, renamed: f is fround here
    for (let i = 0; i < 64; i++) {
      const t1 = (k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & g) ^ (~e & h))
        + SHA_K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = h; h = g; g = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    const sum = [a, b, c, d, e, g, h, k];
    for (let i = 0; i < 8; i++) state[i] = (state[i] + sum[i]) | 0;
  }
}

/** SHA-256 of bytes computed in JavaScript (no copy of the data but its last block). */
export function sha256Js(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  const len = bytes.length;
  const state = Int32Array.of(
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  );
  const w = new Int32Array(64);
  const whole = len - (len % 64);
  shaBlocks(state, w, new DataView(bytes.buffer, bytes.byteOffset, whole), 0, whole);
  const tail = new Uint8Array(len % 64 < 56 ? 64 : 128);
  tail.set(bytes.subarray(whole));
  tail[len % 64] = 0x80;
  const view = new DataView(tail.buffer);
  view.setUint32(tail.length - 8, Math.floor(len / 2 ** 29));
  view.setUint32(tail.length - 4, (len * 8) >>> 0);
  shaBlocks(state, w, view, 0, tail.length);
  return Array.from(state, (x) => (x >>> 0).toString(16).padStart(8, "0")).join("");
}

/** SHA-256 of bytes as 64 lower-case hex digits: WebCrypto's if the page has it. */
export async function sha256(data) {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (!globalThis.crypto?.subtle) return sha256Js(bytes);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * The answer to the server's proof-of-work: a nonce such that SHA-256(`${challenge}:${nonce}`)
 * starts with `bits` zero bits (a second or so of a phone's time at 16 bits).
 */
export async function solveChallenge(challenge, bits) {
  const encoder = new TextEncoder();
  for (let n = 0; ; n++) {
    const hex = sha256Js(encoder.encode(`${challenge}:${n}`));
    let zeros = 0;
    for (const digit of hex) {
      const v = parseInt(digit, 16);
      zeros += v === 0 ? 4 : Math.clz32(v) - 28;
      if (v !== 0 || zeros >= bits) break;
    }
    if (zeros >= bits) return String(n);
    if (n % 4096 === 4095) await new Promise((resolve) => setTimeout(resolve)); // stay responsive
  }
}

/** MD5 and SHA-256 of a file or blob. */
export async function hashBytes(blob) {
  const buffer = await blob.arrayBuffer();
  return { md5: md5(new Uint8Array(buffer)), sha256: await sha256(buffer) };
}

// ---- decoding through the browser -------------------------------------------------------
// Browsers always turn a JPEG by its EXIF orientation (createImageBitmap's "none" no longer
// stops them); haechi hashes the stored pixels. So a copy of the bytes, in memory, has the
// orientation tag set to 1 before decoding; the file itself is hashed (MD5, SHA-256) as is.
function exifOrientationOffset(b) {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return -1;
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const marker = b[p + 1];
    const size = (b[p + 2] << 8) | b[p + 3];
    if (marker === 0xda || marker === 0xd9) return -1;
    const tiff = p + 10;
    if (marker === 0xe1 && size >= 16 && b[p + 4] === 0x45 && b[p + 5] === 0x78 &&
        b[p + 6] === 0x69 && b[p + 7] === 0x66 && tiff + 8 <= b.length) {
      const le = b[tiff] === 0x49;
      const u16 = (o) => (le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1]);
      const u32 = (o) => (le ? u16(o) + u16(o + 2) * 65536 : u16(o) * 65536 + u16(o + 2));
      const ifd = tiff + u32(tiff + 4);
      const end = Math.min(b.length, p + 2 + size);
      if (ifd + 2 > end) return -1;
      const count = u16(ifd);
      for (let i = 0; i < count && ifd + 2 + 12 * i + 12 <= end; i++) {
        const entry = ifd + 2 + 12 * i;
        if (u16(entry) === 0x0112) return le ? entry + 8 : entry + 9;
      }
      return -1;
    }
    p += 2 + size;
  }
  return -1;
}

// A copy of the bytes with the orientation tag set to 1 (the bytes themselves when none).
function unturned(bytes) {
  const at = exifOrientationOffset(bytes);
  if (at < 0 || bytes[at] === 1) return bytes;
  const copy = bytes.slice();
  copy[at] = 1;
  return copy;
}

// ---- bilevel images, as haechi's Python sees them ----------------------------------------
// Pillow reads a 1-bit grey PNG, and a 1-bit BMP whose two colours are black then white, as
// mode "1"; haechi takes such a file for a halftone and blurs it to the grey levels a viewer
// sees (Pillow's GaussianBlur(1.5): three passes of an extended box filter each way) before
// sampling and hashing. The browser draws the same black and white pixels, so the same blur,
// in the same integer arithmetic, gives the same grey pixels and the same hash.
export function isBilevel(b) {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (b.length >= 26 && png.every((v, i) => b[i] === v)) {
    return b[24] === 1 && b[25] === 0; // IHDR: bit depth 1, colour type 0 (grey)
  }
  if (b.length < 30 || b[0] !== 0x42 || b[1] !== 0x4d) return false;
  const u32 = (o) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] * 2 ** 24);
  const header = u32(14);
  const core = header === 12; // OS/2's header: 16-bit sizes, 3-byte palette entries
  const bits = core ? b[24] | (b[25] << 8) : b[28] | (b[29] << 8);
  const colours = core || b.length < 50 ? 2 : u32(46) || 2;
  const at = 14 + header;
  const step = core ? 3 : 4;
  if (bits !== 1 || colours !== 2 || at + 2 * step > b.length) return false;
  for (let i = 0; i < 3; i++) {
    if (b[at + i] !== 0 || b[at + step + i] !== 255) return false;
  }
  return true;
}

// The radius of each box for a Gaussian of standard deviation `sigma` in `passes` boxes
// (Gwosdek et al., "Theoretical foundations of Gaussian convolution by extended box
// filtering"), in float as Pillow computes it.
function boxRadius(sigma, passes) {
  const s2 = f(f(sigma * sigma) / passes);
  const len = f(Math.sqrt(12.0 * s2 + 1.0));
  const whole = f(Math.floor((len - 1.0) / 2.0));
  const part = f(f(f(2 * whole) + 1) * f(f(whole * f(whole + 1)) - f(3 * s2)));
  return f(whole + f(part / f(6 * f(s2 - f(f(whole + 1) * f(whole + 1))))));
}

// One extended box filter along a line of 8-bit values: the whole box (2r+1 values, edges
// repeated) weighs `inner` each in 24-bit fixed point, the two values just outside it `outer`.
function boxLine(src, dst, start, stride, n, r, inner, outer) {
  const at = (i) => src[start + Math.min(Math.max(i, 0), n - 1) * stride];
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += at(i);
  for (let x = 0; x < n; x++) {
    const bulk = sum * inner + (at(x - r - 1) + at(x + r + 1)) * outer;
    dst[start + x * stride] = Math.floor((bulk + 0x800000) / 0x1000000);
    sum += at(x + r + 1) - at(x - r);
  }
}

/** Pillow's GaussianBlur of 8-bit grey values (row-major), in place. */
export function gaussianBlurGrey(grey, width, height, sigma = 1.5, passes = 3) {
  const radius = boxRadius(sigma, passes);
  const r = Math.trunc(radius);
  const inner = Math.trunc(f(0x1000000 / f(f(radius * 2) + 1)));
  const outer = Math.floor((0x1000000 - (r * 2 + 1) * inner) / 2);
  const tmp = new Uint8Array(grey.length);
  for (let pass = 0; pass < passes; pass++) {
    for (let y = 0; y < height; y++) boxLine(grey, tmp, y * width, 1, width, r, inner, outer);
    grey.set(tmp);
  }
  for (let pass = 0; pass < passes; pass++) {
    for (let x = 0; x < width; x++) boxLine(grey, tmp, x, width, height, r, inner, outer);
    grey.set(tmp);
  }
  return grey;
}

function blurHalftone(rgba, width, height) {
  const grey = new Uint8Array(width * height);
  for (let p = 0; p < grey.length; p++) grey[p] = rgba[4 * p];
  gaussianBlurGrey(grey, width, height);
  for (let p = 0; p < grey.length; p++) {
    rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = grey[p];
  }
  return rgba;
}

// ---- pixels ------------------------------------------------------------------------------
function canvas(width, height) {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const c = document.createElement("canvas");
  c.width = width;
  c.height = height;
  return c;
}

// Pixels of a drawable at its natural size; transparent parts shown on white, as haechi does.
function pixelsOf(source, width, height) {
  const ctx = canvas(width, height).getContext("2d", { willReadFrequently: true });
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(source, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

/** Decode an image blob with the browser's decoder into PDQ-ready RGBA pixels (as stored). */
export async function decodeImage(blob) {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let bitmap;
  try {
    bitmap = await createImageBitmap(new Blob([unturned(bytes)], { type: blob.type }), {
      imageOrientation: "from-image",
      colorSpaceConversion: "none",
      premultiplyAlpha: "none",
    });
  } catch (err) {
    throw new Error("this browser cannot read this file as an image");
  }
  try {
    const { width, height } = bitmap;
    let rgba = pixelsOf(bitmap, width, height);
    if (isBilevel(bytes)) rgba = blurHalftone(rgba, width, height); // before sampling, as haechi
    return prepare(rgba, width, height);
  } finally {
    bitmap.close();
  }
}

/** Hash an image file: `{pdq, quality, md5, sha256}` (hex strings and an integer 0-100). */
export async function hashImage(blob) {
  const [bytes, image] = await Promise.all([hashBytes(blob), decodeImage(blob)]);
  const { pdq, quality } = pdqOfPixels(image.rgba, image.width, image.height);
  return { pdq, quality, md5: bytes.md5, sha256: bytes.sha256 };
}

// ---- video ------------------------------------------------------------------------------
function once(target, ok, bad) {
  return new Promise((resolve, reject) => {
    const done = (handler) => (event) => {
      target.removeEventListener(ok, onOk);
      target.removeEventListener(bad, onBad);
      handler(event);
    };
    const onOk = done(resolve);
    const onBad = done(() => reject(new Error("this browser cannot decode this video")));
    target.addEventListener(ok, onOk);
    target.addEventListener(bad, onBad);
  });
}

/**
 * Resolves when the video presents its next frame, or after `ms` (a seek to the frame already
 * shown presents none). Why: Chromium fires "seeked" before the new frame reaches the element,
 * so drawing it then could hash the frame of the second before (seen on a busy machine).
 */
function presented(video, ms) {
  if (!video.requestVideoFrameCallback) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    video.requestVideoFrameCallback(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Hash a video file: `{md5, sha256, frames}` where frames are `{second, pdq, quality}` of one
 * frame a second, decoded by the browser's video decoder (`frames` is null when the browser
 * cannot decode the format; the file hashes are still given). `maxSeconds` caps the frames.
 */
export async function hashVideo(blob, { maxSeconds = 3600, onFrame = null } = {}) {
  const bytes = await hashBytes(blob);
  const url = URL.createObjectURL(blob);
  const video = document.createElement("video");
  video.muted = true;
  video.preload = "auto";
  video.src = url;
  try {
    try {
      await once(video, "loadeddata", "error");
    } catch (err) {
      return { ...bytes, frames: null };
    }
    const frames = [];
    const end = Math.min(video.duration || 0, maxSeconds);
    for (let t = 0; t < end; t += 1) {
      const shown = presented(video, 1000);
      video.currentTime = t;
      await once(video, "seeked", "error");
      await shown;
      const { videoWidth: w, videoHeight: h } = video;
      const image = prepare(pixelsOf(video, w, h), w, h);
      const frame = { second: t, ...pdqOfPixels(image.rgba, image.width, image.height) };
      frames.push(frame);
      if (onFrame) onFrame(frame);
    }
    return { ...bytes, frames };
  } finally {
    video.removeAttribute("src");
    video.load();
    URL.revokeObjectURL(url);
  }
}
