// @task-coordinator/core/testing: the one contract suite every store runs unchanged.
import { describe } from 'vitest';
import { makeHarness, type StoreContractOptions } from './harness.js';
import { addContract } from './contract-add.js';
import { claimContract } from './contract-claim.js';
import { workContract } from './contract-work.js';
import { feedContract } from './contract-feed.js';
import { retentionContract } from './contract-retention.js';
import { transferContract } from './contract-transfer.js';

/**
 * Registers the store contract: every transition and error code, idempotency, all-or-nothing
 * batches, claim order, unblocking, leases and fencing under a fake clock, and races.
 *
 *   describeStoreContract({ name: 'sqlite', create: (options) => openSqliteStore({ file, ...options }) });
 */
export function describeStoreContract(options: StoreContractOptions): void {
  describe(`store contract: ${options.name}`, () => {
    const harness = makeHarness(options);
    addContract(harness);
    claimContract(harness);
    workContract(harness);
    feedContract(harness);
    retentionContract(harness);
    transferContract(harness);
  });
}

export { fakeClock, sequentialIds, type FakeClock } from './fake-clock.js';
export { describeStorePropertyTest, type PropertyTestOptions } from './property.js';
export { rejects, snapshot, type StoreContractOptions } from './harness.js';
