// Board-wide actions: reset every failed task (confirmed), and clean-all behind a typed confirmation.
import { useState } from 'react';
import type { Task } from '@task-coordinator/core';
import { useBoardStore } from '../live/use-board.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';

/** `failed`: the failed tasks the board shows (its filters apply), the ones a reset will touch. */
export function BoardActions({ failed: shown }: { failed: Task[] }) {
  const store = useBoardStore();
  const failed = shown.length;
  const [dialog, setDialog] = useState<'reset' | 'clean' | null>(null);
  const [progress, setProgress] = useState<string | null>(null);

  const resetFailed = async () => {
    const ids = shown.map((t) => t.id);
    let done = 0;
    const errors: string[] = [];
    // A few at a time: quick for hundreds, gentle on the server for thousands.
    const queue = [...ids];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          store.put((await store.api.reset(id)).task);
        } catch (error) {
          errors.push(`${id}: ${(error as Error).message}`);
        }
        done += 1;
        setProgress(`Reset ${done} of ${ids.length}…`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, ids.length) }, worker));
    setProgress(errors.length ? `Reset ${done - errors.length} of ${ids.length}; ${errors.length} refused (${errors.slice(0, 3).join('; ')})` : `Reset ${ids.length} failed task(s).`);
  };

  const cleanAll = async () => {
    try {
      const result = await store.api.cleanAll();
      setProgress(`Removed ${result.removed} task(s) and freed ${result.slotsFreed} slot(s).`);
    } catch (error) {
      setProgress(`Clean-all refused: ${(error as Error).message}`);
    }
  };

  return (
    <div className="board-actions">
      <button type="button" disabled={failed === 0} onClick={() => setDialog('reset')}>
        Reset {failed} failed
      </button>
      <button type="button" className="danger" onClick={() => setDialog('clean')}>
        Clean all…
      </button>
      {progress && (
        <span className="progress" role="status">
          {progress}
        </span>
      )}
      {dialog === 'reset' && (
        <ConfirmDialog
          title={`Reset ${failed} failed task(s)?`}
          body="Each goes back to the queue (or to blocked, if a dependency is not done) with its attempts set to 0."
          confirm="Reset them"
          onCancel={() => setDialog(null)}
          onConfirm={() => {
            setDialog(null);
            void resetFailed();
          }}
        />
      )}
      {dialog === 'clean' && (
        <ConfirmDialog
          title={`Remove every task of project “${store.project}”?`}
          body="Every task is deleted and every slot freed; agents holding work lose it. The event history stays. This cannot be undone."
          confirm="Remove everything"
          typed={store.project}
          destructive
          onCancel={() => setDialog(null)}
          onConfirm={() => {
            setDialog(null);
            void cleanAll();
          }}
        />
      )}
    </div>
  );
}
