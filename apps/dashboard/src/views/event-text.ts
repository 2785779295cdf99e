// One line of plain words per event, for the task page's timeline.
import type { TaskEvent } from '@task-coordinator/core';

export function describeEvent(event: TaskEvent): string {
  const d = event.data;
  const parts: string[] = [];
  if (typeof d.from === 'string' && typeof d.to === 'string') parts.push(`${d.from} → ${d.to}`);
  else if (typeof d.to === 'string') parts.push(`→ ${d.to}`);
  if (event.workerId) parts.push(`by ${event.workerId}`);
  if (event.slot !== null) parts.push(`slot ${event.slot}`);
  if (typeof d.attempts === 'number') parts.push(`attempt ${d.attempts}`);
  for (const key of ['reason', 'error', 'by'] as const)
    if (typeof d[key] === 'string' && d[key]) parts.push(`${key}: ${d[key]}`);
  if (Array.isArray(d.unblocked) && d.unblocked.length) parts.push(`unblocked ${d.unblocked.join(', ')}`);
  if (Array.isArray(d.fields)) parts.push(`changed ${d.fields.join(', ')}`);
  return parts.join(' · ');
}
