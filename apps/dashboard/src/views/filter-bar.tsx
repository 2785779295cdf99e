// Filters and sort, kept in the URL: status, label, worker, text; changes replace the history entry.
import { useEffect, useState } from 'react';
import { TASK_STATUSES, type TaskStatus } from '@task-coordinator/core';
import { SORTS, readFilter, writeFilter, type Filter, type Sort } from '../ui/filters.js';
import { navigate, useLocation } from '../ui/router.js';

export function FilterBar({ filter }: { filter: Filter }) {
  const location = useLocation();
  // What is typed and not yet in the URL; null: the box shows the URL's text (e.g. after Back).
  const [typed, setTyped] = useState<string | null>(null);
  const text = typed ?? filter.text;
  const apply = (next: Partial<Filter>) =>
    navigate(`${location.path}${writeFilter(location.query, { ...filter, ...next })}`, { replace: true });

  // Typing filters after a pause, not on every key (10k cards re-sort).
  useEffect(() => {
    if (typed === null) return;
    // Built from the URL as it is when the timer fires: a toggle made meanwhile is kept.
    const timer = setTimeout(() => {
      const query = new URLSearchParams(window.location.search);
      navigate(`${window.location.pathname}${writeFilter(query, { ...readFilter(query), text: typed })}`, {
        replace: true,
      });
      setTyped(null);
    }, 150);
    return () => clearTimeout(timer);
  }, [typed]);

  const toggle = (status: TaskStatus) =>
    apply({
      statuses: filter.statuses.includes(status)
        ? filter.statuses.filter((s) => s !== status)
        : [...filter.statuses, status],
    });

  return (
    <form className="filters" role="search" aria-label="filter tasks" onSubmit={(e) => e.preventDefault()}>
      <label className="field grow">
        <span>Search</span>
        <input type="search" value={text} placeholder="id or description" onChange={(e) => setTyped(e.target.value)} />
      </label>
      <label className="field">
        <span>Label</span>
        <input value={filter.label} onChange={(e) => apply({ label: e.target.value.trim() })} placeholder="any" />
      </label>
      <label className="field">
        <span>Worker</span>
        <input value={filter.worker} onChange={(e) => apply({ worker: e.target.value.trim() })} placeholder="any" />
      </label>
      <label className="field">
        <span>Sort</span>
        <select value={filter.sort} onChange={(e) => apply({ sort: e.target.value as Sort })}>
          {Object.entries(SORTS).map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="statuses">
        <legend>Status</legend>
        {TASK_STATUSES.map((status) => (
          <label key={status} className="toggle">
            <input type="checkbox" checked={filter.statuses.includes(status)} onChange={() => toggle(status)} />
            {status}
          </label>
        ))}
      </fieldset>
    </form>
  );
}
