// The board: a column per status with its count, each a virtualised list (10k cards stay smooth).
// Each column subscribes to its own slice of the board: an event re-renders the columns it touched.
import { memo, useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { TASK_STATUSES, type TaskStatus } from '@task-coordinator/core';
import { useColumn, useColumns, useLoading, useTaskCount } from '../live/use-board.js';
import { columnTasks, isFiltered, matches, readFilter, type Filter } from '../ui/filters.js';
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
  waiting: 'Waiting on a person',
  review: 'In review',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function BoardView() {
  const loading = useLoading();
  const count = useTaskCount();
  const location = useLocation();
  const filter = useMemo(() => readFilter(location.query), [location.query]);
  const shown: readonly TaskStatus[] = filter.statuses.length ? filter.statuses : TASK_STATUSES;

  if (!loading && count === 0) return <EmptyBoard />;
  return (
    <section className="board-view" aria-label="board">
      <div className="toolbar">
        <FilterBar filter={filter} />
        <BoardActions filter={filter} />
      </div>
      {isFiltered(filter) && <FilterHint filter={filter} shown={shown} total={count} />}
      <div className="columns">
        {shown.map((status) => (
          <Column key={status} status={status} filter={filter} query={location.query} />
        ))}
      </div>
    </section>
  );
}

function FilterHint({ filter, shown, total }: { filter: Filter; shown: readonly TaskStatus[]; total: number }) {
  const columns = useColumns();
  const matching = useMemo(() => {
    const text = filter.text.toLowerCase();
    let n = 0;
    for (const status of shown) for (const task of columns[status].values()) if (matches(task, filter, text)) n++;
    return n;
  }, [columns, filter, shown]);
  return (
    <p className="hint" role="status">
      Showing {matching} of {total} tasks.
    </p>
  );
}

const Column = memo(function Column({
  status,
  filter,
  query,
}: {
  status: TaskStatus;
  filter: Filter;
  query: URLSearchParams;
}) {
  const column = useColumn(status);
  const tasks = useMemo(() => columnTasks(column.values(), filter), [column, filter]);
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
              <div
                key={item.key}
                className="card-slot"
                style={{ transform: `translateY(${item.start}px)`, height: CARD_HEIGHT }}
              >
                <TaskCard task={task} now={now} href={withQuery(`/tasks/${encodeURIComponent(task.id)}`, query)} />
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
});
