// The dashboard's calls for people in the loop: answer, approve, reject, notes, agents.
import type { AgentView, Task } from '@task-coordinator/core';
import { queryString, request } from './client.js';

const at = (id: string, action: string, project: string) =>
  `/api/v1/tasks/${encodeURIComponent(id)}/${action}${queryString({ project })}`;

/** Who acts, as the dashboard records it (the token's name is in the audit too). */
export const PERSON = 'dashboard';

export function humansApi(project: string) {
  return {
    answer: (id: string, answer: { answer: string } | { option: number }) =>
      request<{ task: Task }>('POST', at(id, 'answer', project), { ...answer, by: PERSON }),
    approve: (id: string) =>
      request<{ task: Task; unblocked: string[] }>('POST', at(id, 'approve', project), { by: PERSON }),
    reject: (id: string, note: string) =>
      request<{ task: Task }>('POST', at(id, 'reject', project), { note, by: PERSON }),
    addNote: (id: string, text: string) =>
      request<{ task: Task }>('POST', at(id, 'notes', project), { text, by: PERSON }),
    agents: (signal?: AbortSignal) =>
      request<{ agents: AgentView[] }>('GET', `/api/v1/agents${queryString({ project })}`, undefined, signal),
  };
}
