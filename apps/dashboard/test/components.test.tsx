// @vitest-environment jsdom
// Components in isolation: text stays text, the schema's messages reach the form, confirmations guard.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { Task, Throughput } from '@task-coordinator/core';
import { TaskCard } from '../src/views/task-card.js';
import { ThroughputChart } from '../src/views/throughput-view.js';
import { ConfirmDialog } from '../src/ui/confirm-dialog.js';
import { fieldErrors, toInput } from '../src/views/add-task-form.js';
import { CreateTaskInputSchema } from '@task-coordinator/core';

afterEach(cleanup);

const NOW = 1_800_000_000_000;
const task = (over: Partial<Task> = {}): Task => ({
  id: 't1',
  project: 'default',
  description: 'line one\nline two\nline three',
  status: 'claimed',
  priority: 3,
  dependencies: [],
  labels: ['docs'],
  deadline: NOW - 60_000,
  output: null,
  error: null,
  worker: 'agent-7',
  slot: 2,
  attempts: 1,
  maxAttempts: 3,
  leaseExpiresAt: NOW + 90_000,
  createdAt: NOW - 1000,
  startedAt: null,
  completedAt: null,
  updatedAt: NOW,
  version: 3,
  review: false,
  progress: null,
  question: null,
  answer: null,
  notes: [],
  files: [],
  ...over,
});

describe('TaskCard', () => {
  it('shows id, first lines, priority, labels, holder and slot, attempts, an overdue deadline and the lease left', () => {
    render(<TaskCard task={task()} now={NOW} href="/tasks/t1" />);
    const card = screen.getByRole('article');
    expect(card.textContent).toContain('t1');
    expect(card.textContent).toContain('line one');
    // The description is clamped by CSS to whole lines: two, as the card has a holder line.
    expect(card.querySelector('.card-desc')?.className).toBe('card-desc lines-2');
    expect(card.textContent).toContain('P3');
    expect(card.textContent).toContain('docs');
    expect(card.textContent).toContain('agent-7 · slot 2');
    expect(card.textContent).toContain('1/3');
    expect(card.querySelector('.overdue')?.textContent).toContain('overdue 1m 00s');
    expect(card.textContent).toContain('lease 1m 30s');
  });

  it('renders an HTML payload in a description as text', () => {
    const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    render(<TaskCard task={task({ description: payload })} now={NOW} href="/tasks/t1" />);
    const card = screen.getByRole('article');
    expect(card.querySelector('img')).toBeNull();
    expect(card.querySelector('script')).toBeNull();
    expect(card.textContent).toContain(payload);
  });
});

describe('the add-task form input', () => {
  it('is checked by the API schema, whose messages name the fields', () => {
    const input = toInput({
      id: 'bad id!',
      description: '',
      priority: 'high',
      labels: '',
      files: '',
      deadline: '',
      maxAttempts: '0',
      dependencies: [],
    });
    const parsed = CreateTaskInputSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    const errors = fieldErrors(parsed.error!.issues);
    expect(Object.keys(errors).sort()).toEqual(['description', 'id', 'maxAttempts', 'priority']);
  });

  it("places the server's issue paths by field, and anything else on the form", () => {
    expect(
      fieldErrors([
        { path: 'labels[0]', message: 'too long' },
        { path: '(body)', message: 'expected an object' },
      ]),
    ).toEqual({
      labels: 'too long',
      form: '(body): expected an object',
    });
  });

  it('passes a complete draft as the API expects it', () => {
    const input = toInput({
      id: 'x',
      description: 'do it',
      priority: '5',
      labels: 'a, b',
      files: 'src/auth/**\n docs/a.md, docs/b.md\n',
      deadline: '2030-01-02T03:04',
      maxAttempts: '2',
      dependencies: ['y'],
    });
    expect(CreateTaskInputSchema.safeParse(input).success).toBe(true);
    expect(input).toMatchObject({
      id: 'x',
      priority: 5,
      labels: ['a', 'b'],
      files: ['src/auth/**', 'docs/a.md', 'docs/b.md'],
      maxAttempts: 2,
      dependencies: ['y'],
    });
  });
});

describe('ConfirmDialog', () => {
  it('keeps a typed confirmation disabled until the word is typed', () => {
    const onConfirm = vi.fn();
    render(
      <ConfirmDialog
        title="Remove everything?"
        body="…"
        confirm="Remove"
        typed="default"
        destructive
        onConfirm={onConfirm}
        onCancel={() => {}}
      />,
    );
    const button = screen.getByText('Remove', { selector: 'button' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('confirmation'), { target: { value: 'defaul' } });
    expect(button.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('confirmation'), { target: { value: 'default' } });
    expect(button.disabled).toBe(false);
    fireEvent.click(button);
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});

describe('ThroughputChart', () => {
  it('draws a bar per minute and the queue-depth line, labelled for screen readers', () => {
    const minutes = Array.from({ length: 60 }, (_, i) => ({
      at: NOW + i * 60_000,
      completed: i % 5,
      failed: i === 3 ? 2 : 0,
      added: 1,
      queueDepth: i < 10 ? null : 100 - i,
    }));
    const data: Throughput = { project: 'default', since: NOW, minutes };
    const { container } = render(<ThroughputChart data={data} />);
    expect(container.querySelectorAll('rect.bar.done')).toHaveLength(60);
    expect(container.querySelectorAll('rect.bar.failed')).toHaveLength(1);
    expect(container.querySelector('path.depth')!.getAttribute('d')!.startsWith('M')).toBe(true);
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('queue depth (up to 90)');
  });
});
