/** Id sources: the real one, and a seeded one for deterministic simulations. */
import { randomBytes } from 'node:crypto';
import type { Ids } from './ports.js';

/** Cryptographically random ids (32 hex chars) and `Math.random` jitter. */
export const systemIds: Ids = {
  unique: () => randomBytes(16).toString('hex'),
  random: () => Math.random(),
};

/** A mulberry32 generator of floats in [0, 1): the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic id source: the same seed gives the same ids and jitter. */
export function seededIds(seed: number): Ids {
  const next = mulberry32(seed >>> 0 || 1);
  return {
    unique: () => Array.from({ length: 4 }, () => Math.floor(next() * 0x1_0000_0000).toString(16).padStart(8, '0')).join(''),
    random: next,
  };
}
