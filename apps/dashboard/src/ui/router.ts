// A small history router: the path picks the view, the query keeps the filters, so any view can
// be shared as a link. Same-origin links are intercepted by <Link>; back/forward work.
import { useSyncExternalStore, type AnchorHTMLAttributes, createElement, type MouseEvent } from 'react';
import { DEFAULT_PROJECT } from '@task-coordinator/core';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const href = () => window.location.pathname + window.location.search;

export interface Location {
  path: string;
  query: URLSearchParams;
}

let cachedHref = '';
let cached: Location = { path: '/', query: new URLSearchParams() };

/** The current location, the same object until the address changes (useSyncExternalStore's contract). */
function snapshot(): Location {
  const current = href();
  if (current !== cachedHref) {
    cachedHref = current;
    cached = { path: window.location.pathname, query: new URLSearchParams(window.location.search) };
  }
  return cached;
}

export function useLocation(): Location {
  return useSyncExternalStore(subscribe, snapshot);
}

/** The project a query names (`?project=`); "default" when it names none. */
export function projectOf(query: URLSearchParams): string {
  return query.get('project') || DEFAULT_PROJECT;
}

/** The project of the current location. */
export function useProject(): string {
  return projectOf(useLocation().query);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === href()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/** `path` with the current project (and, when asked, the current filters) carried over. */
export function withQuery(path: string, query: URLSearchParams, keep: readonly string[] = ['project']): string {
  const next = new URLSearchParams();
  for (const key of keep) {
    const value = query.get(key);
    if (value) next.set(key, value);
  }
  const text = next.toString();
  return text ? `${path}?${text}` : path;
}

export function Link(props: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    props.onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    )
      return;
    event.preventDefault();
    navigate(props.href);
  };
  return createElement('a', { ...props, onClick });
}
