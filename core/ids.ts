/** Id sources: the real one, and a seeded one for deterministic simulations. */
import { randomBytes } from 'node:crypto';
import type { Ids } from './ports.js';

/** Cryptographically random ids (32 hex chars) and `Math.random` jitter. */
export const systemIds: Ids = {
  unique: () => randomBytes(16).toString('hex'),
  random: () => Math.random(),
};

/** A deterministic id source: the same seed gives the same ids and jitter. */
export function seededIds(seed: number): Ids {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    unique: () => Array.from({ length: 4 }, () => Math.floor(next() * 0x1_0000_0000).toString(16).padStart(8, '0')).join(''),
    random: next,
  };
}
