// The Needs-you inbox: questions agents asked (answer in free text or with an offered option) and
// gated tasks waiting for review (approve, or send back with a note). Live: it reads the board,
// which every event updates.
import { useState, type FormEvent } from 'react';
import type { Task } from '@task-coordinator/core';
import { useColumn } from '../live/use-board.js';
import { humansApi } from '../api/humans.js';
import { Link, useLocation, useProject, withQuery } from '../ui/router.js';
import { duration, useNow } from '../ui/format.js';

/** The tasks that wait on a person, oldest first (questions before reviews at equal age). */
export function needingPeople(tasks: Iterable<Task>): { questions: Task[]; reviews: Task[] } {
  const questions: Task[] = [];
  const reviews: Task[] = [];
  for (const task of tasks) {
    if (task.status === 'waiting' && task.question) questions.push(task);
    else if (task.status === 'review') reviews.push(task);
  }
  questions.sort((a, b) => (a.question?.askedAt ?? 0) - (b.question?.askedAt ?? 0));
  reviews.sort((a, b) => a.updatedAt - b.updatedAt);
  return { questions, reviews };
}

function QuestionItem({ task, now }: { task: Task; now: number }) {
  const project = useProject();
  const location = useLocation();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const question = task.question;
  if (!question) return null;
  const send = async (answer: { answer: string } | { option: number }) => {
    setBusy(true);
    setError(null);
    try {
      await humansApi(project).answer(task.id, answer);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim()) void send({ answer: text.trim() });
  };
  return (
    <li className="needs-item question" data-needs={task.id}>
      <header>
        <Link href={withQuery(`/tasks/${encodeURIComponent(task.id)}`, location.query)}>{task.id}</Link>
        <span className="muted">
          {' '}
          asked by {question.askedBy} · {duration(now - question.askedAt)} ago
        </span>
      </header>
      <p className="question-text">{question.text}</p>
      {question.options && (
        <div className="options" role="group" aria-label={`answers offered for ${task.id}`}>
          {question.options.map((option, index) => (
            <button key={option} type="button" disabled={busy} onClick={() => void send({ option: index })}>
              {option}
            </button>
          ))}
        </div>
      )}
      <form onSubmit={submit} className="answer-form">
        <input
          aria-label={`answer to ${task.id}`}
          placeholder={question.options ? 'or answer in your own words' : 'your answer'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={4000}
        />
        <button type="submit" disabled={busy || !text.trim()}>
          Answer
        </button>
      </form>
      {error && <p className="error">{error}</p>}
    </li>
  );
}

function ReviewItem({ task, now }: { task: Task; now: number }) {
  const project = useProject();
  const location = useLocation();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="needs-item review" data-needs={task.id}>
      <header>
        <Link href={withQuery(`/tasks/${encodeURIComponent(task.id)}`, location.query)}>{task.id}</Link>
        <span className="muted">
          {' '}
          done by {task.worker ?? 'someone'} · waiting {duration(now - task.updatedAt)}
        </span>
      </header>
      <p className="muted">{task.description.split('\n', 1)[0]}</p>
      {task.output && <pre className="output">{task.output}</pre>}
      <div className="review-actions">
        <button type="button" disabled={busy} onClick={() => void act(() => humansApi(project).approve(task.id))}>
          Approve
        </button>
        <input
          aria-label={`note for sending ${task.id} back`}
          placeholder="what to change (sent to the next holder)"
          value={note}
          onChange={(e) => setNote(e.target.value)}
          maxLength={4000}
        />
        <button
          type="button"
          disabled={busy || !note.trim()}
          onClick={() => void act(() => humansApi(project).reject(task.id, note.trim()))}
        >
          Send back
        </button>
      </div>
      {error && <p className="error">{error}</p>}
    </li>
  );
}

export function NeedsYouView() {
  const waiting = useColumn('waiting');
  const review = useColumn('review');
  const { questions, reviews } = needingPeople([...waiting.values(), ...review.values()]);
  const now = useNow();
  return (
    <section className="needs-you" aria-label="needs you">
      <h2>Questions ({questions.length})</h2>
      {questions.length ? (
        <ul className="needs-list">
          {questions.map((task) => (
            <QuestionItem key={task.id} task={task} now={now} />
          ))}
        </ul>
      ) : (
        <p className="muted">No agent is waiting for an answer.</p>
      )}
      <h2>Reviews ({reviews.length})</h2>
      {reviews.length ? (
        <ul className="needs-list">
          {reviews.map((task) => (
            <ReviewItem key={task.id} task={task} now={now} />
          ))}
        </ul>
      ) : (
        <p className="muted">Nothing waits for review.</p>
      )}
    </section>
  );
}
