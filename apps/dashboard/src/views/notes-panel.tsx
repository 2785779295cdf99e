// On the task page: the progress line, the open question or last answer, the notes, and a form to
// add a note as a person (append-only; the next holder gets it with its claim).
import { useState, type FormEvent } from 'react';
import type { Task } from '@task-coordinator/core';
import { humansApi } from '../api/humans.js';
import { useProject } from '../ui/router.js';

export function NotesPanel({ task }: { task: Task }) {
  const project = useProject();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await humansApi(project).addNote(task.id, text.trim());
      setText('');
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="notes-panel" data-testid="notes-panel">
      {task.progress && (
        <p>
          <strong>Progress:</strong> {task.progress}
        </p>
      )}
      {task.question && (
        <p>
          <strong>Open question:</strong> {task.question.text}
        </p>
      )}
      {task.answer && (
        <p>
          <strong>Last answer</strong> to “{task.answer.question}”: {task.answer.text}
        </p>
      )}
      <h3>Notes ({task.notes.length})</h3>
      {task.notes.length > 0 && (
        <ol>
          {task.notes.map((note, i) => (
            <li key={`${note.at}-${i}`} className={note.kind === 'rejection' ? 'rejection' : undefined}>
              <span className="muted">
                {new Date(note.at).toLocaleString()} · {note.author ?? 'someone'}
                {note.kind === 'rejection' ? ' · sent back' : ''}:
              </span>{' '}
              {note.text}
            </li>
          ))}
        </ol>
      )}
      <form onSubmit={(e) => void submit(e)} className="note-form">
        <input
          aria-label="add a note"
          placeholder="add a note for whoever holds this task next"
          value={text}
          maxLength={4000}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" disabled={busy || !text.trim()}>
          Add note
        </button>
      </form>
      {error && <p className="error">{error}</p>}
    </div>
  );
}
