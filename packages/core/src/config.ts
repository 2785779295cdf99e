import type { ClaimHints } from './rules/claim-hints.js';
// The settings the rules depend on, with the defaults DESIGN.md gives.
import type { Instant } from './model.js';
import { DEFAULT_MAX_ATTEMPTS, LIMITS } from './schemas.js';
import { DomainError } from './errors.js';

export interface CoordinatorConfig {
  /** Worker slots per project, numbered 1..slots. */
  slots: number;
  /** Projects with a slot count of their own (others have `slots`). */
  projectSlots: Readonly<Record<string, number>>;
  /** Lease length for claims, slots and heartbeats, in milliseconds. */
  leaseTtlMs: number;
  /** maxAttempts of a task added without one. */
  defaultMaxAttempts: number;
}

export const DEFAULT_CONFIG: CoordinatorConfig = {
  slots: 5,
  projectSlots: {},
  leaseTtlMs: 120_000,
  defaultMaxAttempts: DEFAULT_MAX_ATTEMPTS,
};

export function resolveConfig(partial: Partial<CoordinatorConfig> = {}): CoordinatorConfig {
  const config = { ...DEFAULT_CONFIG, ...partial };
  if (!Number.isInteger(config.slots) || config.slots < 1 || config.slots > LIMITS.slotMax) {
    throw new DomainError('VALIDATION_FAILED', `slots must be an integer from 1 to ${LIMITS.slotMax}`);
  }
  for (const [project, slots] of Object.entries(config.projectSlots)) {
    if (!Number.isInteger(slots) || slots < 1 || slots > LIMITS.slotMax) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `slots of project ${project} must be an integer from 1 to ${LIMITS.slotMax}`,
      );
    }
  }
  if (
    !Number.isInteger(config.leaseTtlMs) ||
    config.leaseTtlMs < LIMITS.leaseTtlMinMs ||
    config.leaseTtlMs > LIMITS.leaseTtlMaxMs
  ) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `lease TTL must be from ${LIMITS.leaseTtlMinMs} ms to ${LIMITS.leaseTtlMaxMs} ms`,
    );
  }
  if (
    !Number.isInteger(config.defaultMaxAttempts) ||
    config.defaultMaxAttempts < 1 ||
    config.defaultMaxAttempts > LIMITS.maxAttemptsMax
  ) {
    throw new DomainError('VALIDATION_FAILED', `maxAttempts must be from 1 to ${LIMITS.maxAttemptsMax}`);
  }
  return config;
}

/** How many worker slots `project` has. */
export function slotsFor(config: CoordinatorConfig, project: string): number {
  return Object.hasOwn(config.projectSlots, project) ? (config.projectSlots[project] as number) : config.slots;
}

/** What every rule receives: the instant of the command, the settings and the id source. */
export interface RuleContext {
  now: Instant;
  config: CoordinatorConfig;
  newId: () => string;
  /** Read plans of claim-next kept between calls (see rules/claim-hints.ts); none: every call plans afresh. */
  claimHints?: ClaimHints;
}
