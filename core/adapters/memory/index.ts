/** In-memory adapters: fast unit tests and deterministic simulations. */
import type { Clock, Components, Ids } from '../../ports.js';
import { MemoryMetadataStore } from './metadata-store.js';
import { MemoryObjectStore } from './object-store.js';

export { MemoryMetadataStore } from './metadata-store.js';
export { MemoryObjectStore } from './object-store.js';

/** Engine components backed by memory. */
export function memoryComponents(clock: Clock, ids: Ids): Components & { objectStore: MemoryObjectStore; metadataStore: MemoryMetadataStore } {
  return { objectStore: new MemoryObjectStore(clock), metadataStore: new MemoryMetadataStore(), clock, ids };
}
