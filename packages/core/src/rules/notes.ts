// Notes and handoffs: append-only text on a task, and what a claim hands to the next holder.
//
// A note is never edited or removed. The task row keeps the newest LIMITS.notesKept (so a row
// stays bounded however chatty its agents are); every note is also a `task.note_added` event, so
// the audit keeps them all. Progress lines, notes and the last answer survive release, failure
// and expiry: they are how the next holder learns where the work stands.
import type { Task, TaskAnswer, TaskNote } from '../model.js';
import { LIMITS, utf8Length, type AddNoteInputSchema } from '../schemas.js';
import { ChangeSet } from '../engine/change-set.js';
import type { Program } from '../engine/program.js';
import type { RuleContext } from '../config.js';
import type { z } from 'zod';
import { loadTask } from './transitions.js';
import type { TaskResult } from './holder.js';

export type ParsedAddNote = z.output<typeof AddNoteInputSchema>;

/** What a claim answer carries so the next holder starts where the last one stopped. */
export interface Handoff {
  progress: string | null;
  notes: TaskNote[];
  omittedNotes: number;
  answer: TaskAnswer | null;
}

/** The task's notes with `note` appended, the oldest dropped beyond LIMITS.notesKept. */
export function withNote(task: Task, note: TaskNote): TaskNote[] {
  const notes = [...task.notes, note];
  return notes.length > LIMITS.notesKept ? notes.slice(notes.length - LIMITS.notesKept) : notes;
}

/** The progress, last answer and the newest notes that fit LIMITS.handoffMaxBytes (at least the newest one). */
export function handoffOf(task: Task): Handoff {
  const notes: TaskNote[] = [];
  let bytes = 0;
  for (let i = task.notes.length - 1; i >= 0; i--) {
    const note = task.notes[i] as TaskNote;
    bytes += utf8Length(note.text);
    if (notes.length > 0 && bytes > LIMITS.handoffMaxBytes) break;
    notes.unshift(note);
  }
  return { progress: task.progress, notes, omittedNotes: task.notes.length - notes.length, answer: task.answer };
}

/** Anyone (an agent or a person) may add a note to any task, in any status. */
export function* addNote(ctx: RuleContext, input: ParsedAddNote): Program<TaskResult> {
  const { project } = input;
  const changes = new ChangeSet(ctx.now);
  const task = yield* loadTask(project, input.taskId);
  const note: TaskNote = { at: ctx.now, author: input.by ?? null, kind: 'note', text: input.text };
  const noted = changes.updateTask(task, { notes: withNote(task, note) });
  changes.event(
    'task.note_added',
    project,
    { taskId: task.id, workerId: input.by ?? null, slot: null },
    { status: task.status, author: note.author, text: note.text },
  );
  return { result: { task: noted }, change: changes.build() };
}
