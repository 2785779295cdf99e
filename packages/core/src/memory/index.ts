// createMemoryStore: a whole coordinator in process memory, for libraries, tests and tools.
import { Coordinator, type CoordinatorOptions } from '../coordinator.js';
import type { Store } from '../store.js';
import { MemoryBackend } from './memory-backend.js';

/** An in-process coordinator: the same rules as the durable stores, nothing written to disk. */
export function createMemoryStore(options: CoordinatorOptions = {}): Store {
  return new Coordinator(new MemoryBackend(), options);
}

export { MemoryBackend };
