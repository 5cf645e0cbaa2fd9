/**
 * A tiny PNG writer (8-bit RGB, zlib from node:zlib) and the grouped bar
 * chart of docs/benchmarks.png, with a built-in 5×7 pixel font, so the
 * benchmark needs no image dependency.
 */
import { deflateSync } from 'node:zlib';

type RGB = readonly [number, number, number];

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An RGB raster. */
export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: RGB = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.rect(0, 0, width, height, background);
  }

  rect(x: number, y: number, w: number, h: number, color: RGB): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        const i = (yy * this.width + xx) * 3;
        this.pixels[i] = color[0];
        this.pixels[i + 1] = color[1];
        this.pixels[i + 2] = color[2];
      }
    }
  }

  /** Draws text (upper-cased) with its top-left corner at (x, y); returns its width. */
  text(x: number, y: number, s: string, color: RGB, scale = 2): number {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const glyph = FONT[ch] ?? FONT['?']!;
      for (let row = 0; row < 7; row++) {
        for (let col = 0; col < 5; col++) if (glyph[row]! & (1 << (4 - col))) this.rect(cx + col * scale, y + row * scale, scale, scale, color);
      }
      cx += 6 * scale;
    }
    return cx - x;
  }

  /** PNG bytes. */
  png(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0; // filter: none
      raw.set(this.pixels.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * (this.width * 3 + 1) + 1);
    }
    const header = Buffer.alloc(13);
    header.writeUInt32BE(this.width, 0);
    header.writeUInt32BE(this.height, 4);
    header[8] = 8; // bit depth
    header[9] = 2; // colour type: RGB
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
  }
}

/** Width in pixels of `s` at `scale`. */
export const textWidth = (s: string, scale = 2): number => s.length * 6 * scale;

/** One group of bars. */
export interface BarGroup {
  readonly label: string;
  /** One value per series; undefined draws "n/a". */
  readonly values: ReadonlyArray<number | undefined>;
}

const SERIES_COLORS: RGB[] = [
  [31, 119, 180],
  [255, 127, 14],
  [44, 160, 44],
];
const INK: RGB = [40, 40, 40];
const GRID: RGB = [225, 225, 225];

/** A grouped bar chart as PNG bytes. */
export function barChart(title: string, subtitle: string, series: readonly string[], groups: readonly BarGroup[], yLabel: string): Buffer {
  const width = 1000;
  const height = 560;
  const c = new Canvas(width, height);
  const left = 80;
  const right = 20;
  const top = 90;
  const bottom = 90;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  c.text(left, 16, title, INK, 2);
  c.text(left, 40, subtitle, [110, 110, 110], 1);
  // Legend.
  let lx = left;
  series.forEach((s, i) => {
    c.rect(lx, 60, 14, 14, SERIES_COLORS[i % SERIES_COLORS.length]!);
    lx += 20 + c.text(lx + 20, 61, s, INK, 2) + 20;
  });
  const max = Math.max(1, ...groups.flatMap((g) => g.values.filter((v): v is number => v !== undefined && Number.isFinite(v))));
  const step = niceStep(max / 5);
  const yMax = Math.ceil(max / step) * step;
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    const y = top + plotH - (v / yMax) * plotH;
    c.rect(left, y, plotW, 1, GRID);
    const label = formatTick(v);
    c.text(left - 8 - textWidth(label, 1), y - 3, label, INK, 1);
  }
  c.text(8, top - 18, yLabel, INK, 1);
  c.rect(left, top + plotH, plotW, 2, INK);
  const groupW = plotW / groups.length;
  const barW = Math.min(48, (groupW * 0.8) / series.length);
  groups.forEach((g, gi) => {
    const gx = left + gi * groupW + (groupW - barW * series.length) / 2;
    g.values.forEach((v, si) => {
      const x = gx + si * barW;
      if (v === undefined || !Number.isFinite(v)) {
        c.text(x + 2, top + plotH - 12, 'n/a', [150, 150, 150], 1);
        return;
      }
      const h = (v / yMax) * plotH;
      c.rect(x + 1, top + plotH - h, barW - 2, h, SERIES_COLORS[si % SERIES_COLORS.length]!);
      const label = formatTick(v);
      c.text(x + barW / 2 - textWidth(label, 1) / 2, top + plotH - h - 10, label, INK, 1);
    });
    const lines = g.label.split('\n');
    lines.forEach((line, li) => {
      const scale = li === 0 ? 2 : 1;
      c.text(left + gi * groupW + groupW / 2 - textWidth(line, scale) / 2, top + plotH + 10 + li * 20, line, INK, scale);
    });
  });
  return c.png();
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function formatTick(v: number): string {
  if (v >= 100) return Math.round(v).toString();
  if (v >= 10) return v.toFixed(0);
  return v.toFixed(1);
}

/** 5×7 glyphs, one 5-bit row per number, top row first. */
const FONT: Record<string, readonly number[]> = {
  A: [14, 17, 17, 31, 17, 17, 17],
  B: [30, 17, 17, 30, 17, 17, 30],
  C: [14, 17, 16, 16, 16, 17, 14],
  D: [30, 17, 17, 17, 17, 17, 30],
  E: [31, 16, 16, 30, 16, 16, 31],
  F: [31, 16, 16, 30, 16, 16, 16],
  G: [14, 17, 16, 23, 17, 17, 15],
  H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14],
  J: [7, 2, 2, 2, 2, 18, 12],
  K: [17, 18, 20, 24, 20, 18, 17],
  L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17],
  N: [17, 17, 25, 21, 19, 17, 17],
  O: [14, 17, 17, 17, 17, 17, 14],
  P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13],
  R: [30, 17, 17, 30, 20, 18, 17],
  S: [15, 16, 16, 14, 1, 1, 30],
  T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14],
  V: [17, 17, 17, 17, 17, 10, 4],
  W: [17, 17, 17, 21, 21, 21, 10],
  X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4],
  Z: [31, 1, 2, 4, 8, 16, 31],
  '0': [14, 17, 19, 21, 25, 17, 14],
  '1': [4, 12, 4, 4, 4, 4, 14],
  '2': [14, 17, 1, 2, 4, 8, 31],
  '3': [31, 2, 4, 2, 1, 17, 14],
  '4': [2, 6, 10, 18, 31, 2, 2],
  '5': [31, 16, 30, 1, 1, 17, 14],
  '6': [6, 8, 16, 30, 17, 17, 14],
  '7': [31, 1, 2, 4, 8, 8, 8],
  '8': [14, 17, 17, 14, 17, 17, 14],
  '9': [14, 17, 17, 15, 1, 2, 12],
  ' ': [0, 0, 0, 0, 0, 0, 0],
  '.': [0, 0, 0, 0, 0, 12, 12],
  ',': [0, 0, 0, 0, 12, 4, 8],
  ':': [0, 12, 12, 0, 12, 12, 0],
  ';': [0, 12, 12, 0, 12, 4, 8],
  '/': [0, 1, 2, 4, 8, 16, 0],
  '(': [2, 4, 8, 8, 8, 4, 2],
  ')': [8, 4, 2, 2, 2, 4, 8],
  '-': [0, 0, 0, 31, 0, 0, 0],
  '+': [0, 4, 4, 31, 4, 4, 0],
  '=': [0, 0, 31, 0, 31, 0, 0],
  '%': [24, 25, 2, 4, 8, 19, 3],
  '_': [0, 0, 0, 0, 0, 0, 31],
  '<': [2, 4, 8, 16, 8, 4, 2],
  '>': [8, 4, 2, 1, 2, 4, 8],
  '×': [0, 17, 10, 4, 10, 17, 0],
  '~': [0, 0, 8, 21, 2, 0, 0],
  '?': [14, 17, 1, 2, 4, 0, 4],
  "'": [4, 4, 8, 0, 0, 0, 0],
};
