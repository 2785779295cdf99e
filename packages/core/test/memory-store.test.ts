// The in-memory store runs the whole store contract.
import { describeStoreContract } from '@task-coordinator/core/testing';
import { createMemoryStore } from '@task-coordinator/core';

describeStoreContract({ name: 'memory', create: (options) => createMemoryStore(options) });
