// Board-wide actions: reset every failed task the board shows (confirmed; one request, one atomic
// step), and clean-all behind a typed confirmation.
import { useMemo, useState } from 'react';
import { LIMITS } from '@task-coordinator/core';
import { useBoardStore, useColumn } from '../live/use-board.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { columnTasks, type Filter } from '../ui/filters.js';

/** `filter`: the board's filters; the failed tasks they show are the ones a reset touches. */
export function BoardActions({ filter }: { filter: Filter }) {
  const store = useBoardStore();
  const column = useColumn('failed');
  const shown = useMemo(
    () => (filter.statuses.length && !filter.statuses.includes('failed') ? [] : columnTasks(column.values(), filter)),
    [column, filter],
  );
  const failed = shown.length;
  const [dialog, setDialog] = useState<'reset' | 'clean' | null>(null);
  const [progress, setProgress] = useState<string | null>(null);

  const resetFailed = async () => {
    const ids = shown.map((t) => t.id);
    let reset = 0;
    const skipped: string[] = [];
    try {
      // One request per batch of the API's limit: a few thousand failed tasks take a handful.
      for (let i = 0; i < ids.length; i += LIMITS.batchMax) {
        const result = await store.api.resetMany(ids.slice(i, i + LIMITS.batchMax));
        for (const task of result.tasks) store.put(task);
        reset += result.tasks.length;
        skipped.push(...result.skipped.map((s) => `${s.taskId} (${s.status ?? 'gone'})`));
        if (ids.length > LIMITS.batchMax) setProgress(`Reset ${reset} of ${ids.length}…`);
      }
      setProgress(
        skipped.length
          ? `Reset ${reset} failed task(s); ${skipped.length} had changed meanwhile: ${skipped.slice(0, 3).join(', ')}`
          : `Reset ${reset} failed task(s).`,
      );
    } catch (error) {
      setProgress(`Reset refused: ${(error as Error).message}${reset ? ` (after ${reset} reset)` : ''}`);
    }
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
