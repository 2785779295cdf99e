// @task-coordinator/core/testing: the one contract suite every store runs unchanged.
import { describe } from 'vitest';
import { makeHarness, type StoreContractOptions } from './harness.js';
import { addContract } from './contract-add.js';
import { claimContract } from './contract-claim.js';
import { workContract } from './contract-work.js';
import { feedContract } from './contract-feed.js';
import { retentionContract } from './contract-retention.js';
import { transferContract } from './contract-transfer.js';
import { questionsContract } from './contract-questions.js';
import { reviewContract } from './contract-review.js';
import { webhooksContract } from './contract-webhooks.js';
import { resetContract } from './contract-reset.js';
import { filesContract } from './contract-files.js';

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
    questionsContract(harness);
    reviewContract(harness);
    webhooksContract(harness);
    resetContract(harness);
    filesContract(harness);
  });
}

export { fakeClock, sequentialIds, type FakeClock } from './fake-clock.js';
export { describeStorePropertyTest, type PropertyTestOptions } from './property.js';
export {
  describeOverlapProperty,
  describeReservationProperty,
  type ReservationPropertyOptions,
} from './property-files.js';
export { rejects, snapshot, type StoreContractOptions } from './harness.js';
