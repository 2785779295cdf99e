// Tool profiles: which tools a session offers. `core` covers the whole workflow in five tools
// (an agent reads fewer names and descriptions), `full` is every tool, `original` the original ten.
import { DomainError } from '@task-coordinator/core';
import { TOOLS, type ToolDef } from './tools/index.js';

export const PROFILES = {
  // reserve_files fits the workflow's six; release_files (reservations end with the task anyway) and check_files are in full.
  core: ['claim_next_task', 'update_task', 'get_task', 'add_tasks', 'release_task'],
  full: TOOLS.map((tool) => tool.name),
  original: [
    'claim_worker_slot',
    'release_worker_slot',
    'get_workers',
    'add_task',
    'get_available_tasks',
    'get_all_tasks',
    'claim_task',
    'update_task',
    'reset_failed_task',
    'clean_all_tasks',
  ],
} as const satisfies Record<string, readonly string[]>;

export type ToolProfile = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as ToolProfile[];
export const DEFAULT_PROFILE: ToolProfile = 'full';

/** The profile named by TASK_COORDINATOR_TOOLS or ?tools= (default full); anything else is refused. */
export function parseProfile(value: string | null | undefined): ToolProfile {
  const name = value?.trim().toLowerCase() || DEFAULT_PROFILE;
  if ((PROFILE_NAMES as string[]).includes(name)) return name as ToolProfile;
  throw new DomainError(
    'VALIDATION_FAILED',
    `unknown tool profile "${value}": use ${PROFILE_NAMES.join(', ')} (core: the workflow in ${PROFILES.core.length} tools)`,
  );
}

/** The tools of a profile, in table order. */
export function profileTools(profile: ToolProfile): readonly ToolDef[] {
  const names = new Set<string>(PROFILES[profile]);
  return TOOLS.filter((tool) => names.has(tool.name));
}
