// Load a plan or start a template: paste or upload YAML/JSON, preview the tasks and their graph
// (a dry run: the server checks everything and adds nothing), then load it in one atomic batch.
// Errors name the entry and line the server found them at.
import { useMemo, useState } from 'react';
import { Background, Controls, MarkerType, Position, ReactFlow, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { ApiError, type PlanResult } from '../api/client.js';
import { useBoardStore } from '../live/use-board.js';
import { Link, useLocation, withQuery } from '../ui/router.js';
import { NODE_HEIGHT, NODE_WIDTH, layout } from './graph-layout.js';
import { EDGE_TYPES, type RoutedEdgeType } from './routed-edge.js';

/** "key=value" lines → template parameters. */
export function parseParameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

interface Problem {
  message: string;
  issues: Array<{ path?: unknown; message?: unknown; line?: unknown; entry?: unknown }>;
}

export function PlansView() {
  const store = useBoardStore();
  const location = useLocation();
  const [plan, setPlan] = useState('');
  const [prefix, setPrefix] = useState('');
  const [parameters, setParameters] = useState('');
  const [preview, setPreview] = useState<PlanResult | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [loaded, setLoaded] = useState<PlanResult | null>(null);
  const [busy, setBusy] = useState(false);
  // Load submits what was previewed: any edit asks for a new preview first.
  const edited =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPreview(null);
    };

  const submit = async (dryRun: boolean) => {
    setBusy(true);
    setProblem(null);
    setLoaded(null);
    try {
      const params = parseParameters(parameters);
      const result = await store.api.loadPlan({
        plan,
        dryRun,
        ...(prefix.trim() ? { prefix: prefix.trim() } : {}),
        ...(Object.keys(params).length ? { parameters: params } : {}),
      });
      if (dryRun) setPreview(result);
      else {
        setLoaded(result);
        setPreview(null);
      }
    } catch (error) {
      const details = error instanceof ApiError ? error.details : {};
      setProblem({
        message: error instanceof ApiError ? `${error.code}: ${error.message}` : (error as Error).message,
        issues: Array.isArray(details.issues) ? (details.issues as Problem['issues']) : [],
      });
      setPreview(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="plans" aria-label="plans">
      <h2>Load a plan</h2>
      <p className="muted">
        A plan is YAML or JSON:{' '}
        <code>{'{ name?, parameters?, tasks: [{ id, description, dependencies?, priority?, labels? }] }'}</code>. A
        template uses <code>{'{{parameters}}'}</code>; start it many times under different id prefixes.
      </p>
      <form
        className="plan-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit(true);
        }}
      >
        <label className="field">
          <span>Plan file</span>
          <input
            type="file"
            accept=".yaml,.yml,.json,application/json,text/yaml"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void file.text().then(edited(setPlan));
            }}
          />
        </label>
        <label className="field">
          <span>Plan (YAML or JSON)</span>
          <textarea
            rows={12}
            value={plan}
            onChange={(e) => edited(setPlan)(e.target.value)}
            spellCheck={false}
            className="code"
          />
        </label>
        <div className="row">
          <label className="field">
            <span>Id prefix (optional)</span>
            <input value={prefix} onChange={(e) => edited(setPrefix)(e.target.value)} placeholder="e.g. release-42/" />
          </label>
          <label className="field grow">
            <span>Parameters (one key=value per line)</span>
            <textarea
              rows={3}
              value={parameters}
              onChange={(e) => edited(setParameters)(e.target.value)}
              spellCheck={false}
              className="code"
            />
          </label>
        </div>
        <div className="buttons">
          <button type="submit" disabled={busy || !plan.trim()}>
            Preview
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy || !plan.trim() || preview === null}
            onClick={() => void submit(false)}
          >
            Load {preview ? `${preview.tasks.length} task(s)` : ''}
          </button>
        </div>
      </form>
      {problem && (
        <div className="error" role="alert">
          <p>{problem.message}</p>
          {problem.issues.length > 0 && (
            <ul className="plan-issues">
              {problem.issues.map((issue, i) => (
                <li key={i}>
                  {typeof issue.line === 'number' ? `line ${issue.line}: ` : ''}
                  {typeof issue.path === 'string'
                    ? `${issue.path}: `
                    : Array.isArray(issue.path)
                      ? `${issue.path.join('.')}: `
                      : ''}
                  {String(issue.message ?? '')}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {loaded && (
        <p role="status">
          Loaded {loaded.created.length} new task(s)
          {loaded.created.length < loaded.tasks.length
            ? ` (${loaded.tasks.length - loaded.created.length} already there)`
            : ''}{' '}
          into “{loaded.project}”. <Link href={withQuery('/', location.query)}>See the board</Link>
        </p>
      )}
      {preview && <PlanPreview result={preview} />}
    </section>
  );
}

function PlanPreview({ result }: { result: PlanResult }) {
  const { nodes, edges } = useMemo(() => {
    const dependencies = new Map(result.tasks.map((task) => [task.id, task.dependencies ?? []] as const));
    const shape = layout(
      result.tasks.map((t) => t.id),
      (id) => dependencies.get(id) ?? [],
    );
    const nodes: Node[] = result.tasks.map((task) => ({
      id: task.id,
      position: shape.positions.get(task.id) ?? { x: 0, y: 0 },
      data: { label: `${task.id}\n${task.description.split('\n')[0]!.slice(0, 60)}` },
      className: 'graph-node status-blocked',
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      style: { width: NODE_WIDTH, height: NODE_HEIGHT },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      connectable: false,
      draggable: false,
    }));
    const routes = new Map(shape.edges.map((edge) => [`${edge.from}->${edge.to}`, edge.points] as const));
    const edges: RoutedEdgeType[] = result.edges.map(({ from, to }) => ({
      id: `${from}->${to}`,
      type: 'routed' as const,
      source: from,
      target: to,
      data: { points: routes.get(`${from}->${to}`) ?? [] },
      markerEnd: { type: MarkerType.ArrowClosed },
    }));
    return { nodes, edges };
  }, [result]);
  return (
    <div className="plan-preview" aria-label="plan preview">
      <h3>
        Preview{result.name ? ` of “${result.name}”` : ''}: {result.tasks.length} task(s), {result.edges.length}{' '}
        dependency edge(s), into “{result.project}”
      </h3>
      <div className="graph-canvas">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          edgeTypes={EDGE_TYPES}
          fitView
          fitViewOptions={{ maxZoom: 1.2 }}
          nodesDraggable={false}
          nodesConnectable={false}
          minZoom={0.05}
        >
          <Background />
          <Controls />
        </ReactFlow>
      </div>
    </div>
  );
}
