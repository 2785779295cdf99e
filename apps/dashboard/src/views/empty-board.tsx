// An empty board says what to do next: add work, and connect an agent with one line.
import { useBoardStore } from '../live/use-board.js';
import { Link, useLocation, withQuery } from '../ui/router.js';

export function EmptyBoard() {
  const store = useBoardStore();
  const location = useLocation();
  // This page's origin serves the API and /mcp too, so the lines below work as printed.
  const origin = window.location.origin;
  const project = store.project === 'default' ? '' : ` -e TASK_COORDINATOR_PROJECT=${store.project}`;
  return (
    <section className="empty" aria-label="empty board">
      <h2>No tasks yet{store.project === 'default' ? '' : ` in project “${store.project}”`}</h2>
      <ol>
        <li>
          <strong>Add work:</strong> <Link href={withQuery('/add', location.query)}>add a task</Link>, or post a plan to
          the API:
          <pre>{`curl -X POST ${origin}/api/v1/tasks -H 'content-type: application/json' \\\n  -d '{"tasks":[{"id":"design","description":"Write the design"},{"id":"build","description":"Build it","dependencies":["design"]}]}'`}</pre>
        </li>
        <li>
          <strong>Connect an agent</strong> (Claude Code; run it once per project):
          <pre data-testid="connect-line">{`claude mcp add task-coordinator -e TASK_COORDINATOR_URL=${origin}${project} -- npx -y task-coordinator-mcp`}</pre>
          Other MCP clients: <code>npx -y task-coordinator-mcp config</code> prints the JSON block, or use Streamable
          HTTP at <code>{origin}/mcp</code>.
        </li>
        <li>
          <strong>Tell your agents</strong> to take work with <code>claim_next_task</code> and finish it with{' '}
          <code>update_task</code>. Tasks appear here live.
        </li>
      </ol>
    </section>
  );
}
