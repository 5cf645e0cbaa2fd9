/** An in-memory {@link ObjectStore} for unit tests and simulations. */
import { EddyError } from '../../errors.js';
import type { Clock, ObjectStore, ObjectSummary } from '../../ports.js';

/** Objects in a Map; `lastModified` comes from the injected clock. */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, { bytes: Uint8Array; lastModified: number }>();

  constructor(private readonly clock: Clock) {}

  async put(key: string, bytes: Uint8Array): Promise<void> {
    this.objects.set(key, { bytes: bytes.slice(), lastModified: this.clock.now() });
  }

  private object(key: string): Uint8Array {
    const o = this.objects.get(key);
    if (!o) throw new EddyError('DATA_CORRUPT', `stored data is missing: object ${key} not found`);
    return o.bytes;
  }

  async getRange(key: string, position: number, length: number): Promise<Uint8Array> {
    const bytes = this.object(key);
    if (position + length > bytes.length) throw new EddyError('DATA_CORRUPT', `stored data is corrupt: object ${key} is shorter than its index says`);
    return bytes.slice(position, position + length);
  }

  async get(key: string): Promise<Uint8Array> {
    return this.object(key).slice();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const k of keys) this.objects.delete(k);
  }

  async *list(prefix: string): AsyncIterable<ObjectSummary> {
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    for (const key of keys) {
      const o = this.objects.get(key);
      if (o) yield { key, size: o.bytes.length, lastModified: o.lastModified };
    }
  }

  /** Test hook: overwrite stored bytes in place (e.g. to simulate corruption). */
  tamper(key: string, mutate: (bytes: Uint8Array) => void): void {
    mutate(this.object(key));
  }
}
