// Add a task: validated in the page by the API's own schema (CreateTaskInputSchema), so the
// messages are the ones the server would give; the server's answer is shown if it still refuses.
import { useMemo, useState, type FormEvent } from 'react';
import { CreateTaskInputSchema, LIMITS, type CreateTaskInput } from '@task-coordinator/core';
import { ApiError } from '../api/client.js';
import { useBoardStore, useTasks } from '../live/use-board.js';
import { navigate, useLocation, withQuery } from '../ui/router.js';

interface Draft {
  id: string;
  description: string;
  priority: string;
  labels: string;
  files: string;
  deadline: string;
  maxAttempts: string;
  dependencies: string[];
}

const EMPTY: Draft = {
  id: '',
  description: '',
  priority: '0',
  labels: '',
  files: '',
  deadline: '',
  maxAttempts: '3',
  dependencies: [],
};

/** The form's strings as the API's input; numbers that are not numbers stay as they are, for the schema to name. */
export function toInput(draft: Draft): Record<string, unknown> {
  const input: Record<string, unknown> = { description: draft.description };
  if (draft.id.trim()) input.id = draft.id.trim();
  if (draft.priority.trim())
    input.priority = Number.isNaN(Number(draft.priority)) ? draft.priority : Number(draft.priority);
  if (draft.maxAttempts.trim())
    input.maxAttempts = Number.isNaN(Number(draft.maxAttempts)) ? draft.maxAttempts : Number(draft.maxAttempts);
  const labels = draft.labels
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  if (labels.length) input.labels = labels;
  // One pattern a line, or comma-separated.
  const files = draft.files
    .split(/[\n,]/)
    .map((f) => f.trim())
    .filter(Boolean);
  if (files.length) input.files = files;
  if (draft.deadline) input.deadline = new Date(draft.deadline).toISOString();
  if (draft.dependencies.length) input.dependencies = draft.dependencies;
  return input;
}

/** Field → first message, from the schema's issues (or the server's details.issues). */
export function fieldErrors(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> | string; message: string }>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    // Client paths are arrays (['labels', 0]); the server's are strings ('labels[0]', '(body)').
    const head = typeof issue.path === 'string' ? issue.path.split(/[.[]/)[0]! : String(issue.path[0] ?? '');
    const field = FIELDS.has(head) ? head : 'form';
    out[field] ??= field === 'form' && head ? `${head}: ${issue.message}` : issue.message;
  }
  return out;
}

const FIELDS = new Set(['id', 'description', 'priority', 'labels', 'files', 'deadline', 'maxAttempts', 'dependencies']);

export function AddTaskForm() {
  const store = useBoardStore();
  const tasks = useTasks();
  const location = useLocation();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [depQuery, setDepQuery] = useState('');

  const set = (field: keyof Draft) => (value: string) => setDraft((d) => ({ ...d, [field]: value }));
  const suggestions = useMemo(() => {
    const q = depQuery.trim().toLowerCase();
    if (!q) return [];
    const out: string[] = [];
    for (const task of tasks.values()) {
      if (out.length >= 8) break;
      if (
        !draft.dependencies.includes(task.id) &&
        (task.id.toLowerCase().includes(q) || task.description.toLowerCase().includes(q))
      )
        out.push(task.id);
    }
    return out;
  }, [tasks, depQuery, draft.dependencies]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input = toInput(draft);
    const parsed = CreateTaskInputSchema.safeParse(input);
    if (!parsed.success) return setErrors(fieldErrors(parsed.error.issues));
    setErrors({});
    setBusy(true);
    try {
      const { task } = await store.api.addTask(input as CreateTaskInput);
      store.put(task);
      navigate(withQuery(`/tasks/${encodeURIComponent(task.id)}`, location.query));
    } catch (error) {
      if (error instanceof ApiError) {
        const issues = Array.isArray(error.details.issues)
          ? (error.details.issues as Array<{ path: string; message: string }>)
          : [];
        const byField = fieldErrors(issues);
        if (error.code === 'TASK_EXISTS') byField.id = error.message;
        if (error.code === 'UNKNOWN_DEPENDENCY' || error.code === 'DEPENDENCY_CYCLE')
          byField.dependencies = error.message;
        setErrors(Object.keys(byField).length ? byField : { form: `${error.code}: ${error.message}` });
      } else setErrors({ form: (error as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const errorOf = (field: string) =>
    errors[field] ? (
      <span className="field-error" id={`err-${field}`} role="alert">
        {errors[field]}
      </span>
    ) : null;
  const described = (field: string) =>
    errors[field] ? { 'aria-invalid': true, 'aria-describedby': `err-${field}` } : {};

  return (
    <section className="add-task" aria-label="add a task">
      <h2>Add a task</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <label className="field">
          <span>Description</span>
          <textarea
            rows={6}
            value={draft.description}
            onChange={(e) => set('description')(e.target.value)}
            placeholder="What to do, in full: the agent that claims it reads only this"
            {...described('description')}
          />
          {errorOf('description')}
        </label>
        <div className="row">
          <label className="field">
            <span>Id (optional)</span>
            <input
              value={draft.id}
              onChange={(e) => set('id')(e.target.value)}
              placeholder="generated when empty"
              maxLength={LIMITS.idMaxLength}
              {...described('id')}
            />
            {errorOf('id')}
          </label>
          <label className="field">
            <span>Priority</span>
            <input
              type="number"
              value={draft.priority}
              onChange={(e) => set('priority')(e.target.value)}
              {...described('priority')}
            />
            {errorOf('priority')}
          </label>
          <label className="field">
            <span>Max attempts</span>
            <input
              type="number"
              min={1}
              max={LIMITS.maxAttemptsMax}
              value={draft.maxAttempts}
              onChange={(e) => set('maxAttempts')(e.target.value)}
              {...described('maxAttempts')}
            />
            {errorOf('maxAttempts')}
          </label>
        </div>
        <div className="row">
          <label className="field grow">
            <span>Labels (comma-separated)</span>
            <input
              value={draft.labels}
              onChange={(e) => set('labels')(e.target.value)}
              placeholder="backend, docs"
              {...described('labels')}
            />
            {errorOf('labels')}
          </label>
          <label className="field">
            <span>Deadline</span>
            <input
              type="datetime-local"
              value={draft.deadline}
              onChange={(e) => set('deadline')(e.target.value)}
              {...described('deadline')}
            />
            {errorOf('deadline')}
          </label>
        </div>
        <label className="field">
          <span>Files it will touch (paths or globs, one a line or comma-separated)</span>
          <textarea
            rows={2}
            value={draft.files}
            onChange={(e) => set('files')(e.target.value)}
            placeholder={'src/auth/**\ndocs/auth.md'}
            {...described('files')}
          />
          {errorOf('files')}
        </label>
        <fieldset className="field deps">
          <legend>Dependencies</legend>
          <ul className="chips" aria-label="chosen dependencies">
            {draft.dependencies.map((id) => (
              <li key={id} className="chip">
                {id}
                <button
                  type="button"
                  aria-label={`remove dependency ${id}`}
                  onClick={() => setDraft((d) => ({ ...d, dependencies: d.dependencies.filter((x) => x !== id) }))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <input
            aria-label="find a task to depend on"
            value={depQuery}
            onChange={(e) => setDepQuery(e.target.value)}
            placeholder="type to find existing tasks"
            {...described('dependencies')}
          />
          {suggestions.length > 0 && (
            <ul className="suggestions" aria-label="matching tasks">
              {suggestions.map((id) => (
                <li key={id}>
                  <button
                    type="button"
                    onClick={() => {
                      setDraft((d) => ({ ...d, dependencies: [...d.dependencies, id] }));
                      setDepQuery('');
                    }}
                  >
                    {id}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {errorOf('dependencies')}
        </fieldset>
        {errorOf('form')}
        <div className="buttons">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Adding…' : 'Add task'}
          </button>
        </div>
      </form>
    </section>
  );
}
