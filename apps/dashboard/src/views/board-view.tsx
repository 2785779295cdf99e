// The board: a column per status with its count, each a virtualised list (10k cards stay smooth).
import { useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { TASK_STATUSES, type Task, type TaskStatus } from '@task-coordinator/core';
import { useBoard } from '../live/use-board.js';
import { columns, isFiltered, readFilter } from '../ui/filters.js';
import { useNow } from '../ui/format.js';
import { useLocation, withQuery } from '../ui/router.js';
import { CARD_HEIGHT, TaskCard } from './task-card.js';
import { FilterBar } from './filter-bar.js';
import { EmptyBoard } from './empty-board.js';
import { BoardActions } from './board-actions.js';

export const STATUS_LABELS: Record<TaskStatus, string> = {
  blocked: 'Blocked',
  available: 'Available',
  claimed: 'Claimed',
  working: 'Working',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function BoardView() {
  const { board, version, loading } = useBoard();
  const location = useLocation();
  const filter = useMemo(() => readFilter(location.query), [location.query]);
  // `version` changes whenever the board does (the map is updated in place).
  const byStatus = useMemo(() => columns(board.tasks.values(), filter), [board, version, filter]);
  const shown: readonly TaskStatus[] = filter.statuses.length ? filter.statuses : TASK_STATUSES;

  if (!loading && board.tasks.size === 0) return <EmptyBoard />;
  return (
    <section className="board-view" aria-label="board">
      <div className="toolbar">
        <FilterBar filter={filter} />
        <BoardActions failed={byStatus.failed} />
      </div>
      {isFiltered(filter) && (
        <p className="hint" role="status">
          Showing {shown.reduce((n, s) => n + byStatus[s].length, 0)} of {board.tasks.size} tasks.
        </p>
      )}
      <div className="columns">
        {shown.map((status) => (
          <Column key={status} status={status} tasks={byStatus[status]} query={location.query} />
        ))}
      </div>
    </section>
  );
}

function Column({ status, tasks, query }: { status: TaskStatus; tasks: Task[]; query: URLSearchParams }) {
  const scroller = useRef<HTMLDivElement>(null);
  const now = useNow();
  const virtual = useVirtualizer({
    count: tasks.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => CARD_HEIGHT + 8,
    overscan: 6,
    getItemKey: (index) => tasks[index]!.id,
  });
  return (
    <section className={`column column-${status}`} aria-labelledby={`col-${status}`} data-status={status}>
      <h2 id={`col-${status}`} className="column-head">
        <span>{STATUS_LABELS[status]}</span>
        <span className="count" data-count={tasks.length}>
          {tasks.length.toLocaleString()}
        </span>
      </h2>
      <div ref={scroller} className="column-body" tabIndex={0} aria-label={`${STATUS_LABELS[status]} tasks`}>
        <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
          {virtual.getVirtualItems().map((item) => {
            const task = tasks[item.index]!;
            return (
              <div key={item.key} className="card-slot" style={{ transform: `translateY(${item.start}px)`, height: CARD_HEIGHT }}>
                <TaskCard task={task} now={now} href={withQuery(`/tasks/${encodeURIComponent(task.id)}`, query)} />
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
