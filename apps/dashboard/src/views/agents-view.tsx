// The agents view: every worker as active, idle, stale or gone, with its task, progress and time on
// task; what needs attention first (the server sorts). Live: re-read on every board change.
import { useEffect, useState } from 'react';
import type { AgentView } from '@task-coordinator/core';
import { useSlots, useTasks } from '../live/use-board.js';
import { humansApi } from '../api/humans.js';
import { Link, projectOf, useLocation, withQuery } from '../ui/router.js';
import { duration, useNow } from '../ui/format.js';
import { useReservations } from '../live/reservations.js';
import { HeldFiles } from './reservations-view.js';

export function AgentsView() {
  // Re-read on every change of the board's tasks or slots (the live events say something moved).
  const tasks = useTasks();
  const now = useNow();
  const slots = useSlots();
  const location = useLocation();
  const project = projectOf(location.query);
  const [agents, setAgents] = useState<AgentView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { reservations } = useReservations();
  useEffect(() => {
    const controller = new AbortController();
    humansApi(project)
      .agents(controller.signal)
      .then(({ agents }) => {
        setAgents(agents);
        setError(null);
      })
      .catch((e: Error) => {
        if (!controller.signal.aborted) setError(e.message);
      });
    return () => controller.abort();
  }, [project, tasks, slots]);
  if (error) return <p className="error">Could not load the agents: {error}</p>;
  if (!agents) return <p className="muted">Loading…</p>;
  if (!agents.length) return <p className="muted">No agent holds a slot, and none left in the last hour.</p>;
  return (
    <table className="agents" aria-label="agents">
      <thead>
        <tr>
          <th>Agent</th>
          <th>State</th>
          <th>Task</th>
          <th>Progress / question</th>
          <th>On task</th>
          <th>Last seen</th>
          <th>Files held</th>
        </tr>
      </thead>
      <tbody>
        {agents.map((agent) => (
          <tr key={agent.workerId} className={`agent state-${agent.state}`} data-agent={agent.workerId}>
            <td>{agent.workerId}</td>
            <td>
              <span className={`agent-state ${agent.state}`}>{agent.state}</span>
              {agent.goneReason ? <span className="muted"> ({agent.goneReason})</span> : null}
            </td>
            <td>
              {agent.taskId ? (
                <Link href={withQuery(`/tasks/${encodeURIComponent(agent.taskId)}`, location.query)}>
                  {agent.taskId}
                </Link>
              ) : (
                '—'
              )}
              {agent.taskStatus ? <span className="muted"> {agent.taskStatus}</span> : null}
            </td>
            <td>{agent.question ? `asks: ${agent.question}` : (agent.progress ?? '')}</td>
            <td>{agent.onTaskSince !== null ? duration(now - agent.onTaskSince) : '—'}</td>
            <td>{agent.lastSeenAt !== null ? `${duration(now - agent.lastSeenAt)} ago` : '—'}</td>
            <td>
              <HeldFiles reservations={(reservations ?? []).filter((r) => r.worker === agent.workerId)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
