// React access to the live board of the current project, through selectors: a component reads
// only the slice it shows (a column, the slots, the connection) and re-renders only when that
// slice changes. The snapshot is immutable, so a selector returning a part of it is stable.
//
// A new view adds a selector here (or calls useBoardSelector with its own): it must return a
// value that stays identical (===) while its slice is unchanged: a part of the snapshot or a
// primitive, never a new object or array built on each call (derive those with useMemo).
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { BoardStats, SlotView, Task, TaskStatus } from '@task-coordinator/core';
import type { BoardData, Column } from './apply-event.js';
import type { BoardSnapshot, BoardStore, ConnectionState } from './board-store.js';

export const BoardContext = createContext<BoardStore | null>(null);

export function useBoardStore(): BoardStore {
  const store = useContext(BoardContext);
  if (!store) throw new Error('useBoardStore outside <BoardContext>');
  return store;
}

/** The slice `select` picks from the board's snapshot; re-renders when it changes (===). */
export function useBoardSelector<T>(select: (snapshot: BoardSnapshot) => T): T {
  const store = useBoardStore();
  return useSyncExternalStore(store.subscribe, () => select(store.getSnapshot()));
}

// The selectors of the views: module-level functions, so their identity is stable too.
const selectBoard = (s: BoardSnapshot): BoardData => s.board;
const selectTasks = (s: BoardSnapshot): ReadonlyMap<string, Task> => s.board.tasks;
const selectColumns = (s: BoardSnapshot): BoardData['columns'] => s.board.columns;
const selectTaskCount = (s: BoardSnapshot): number => s.board.tasks.size;
const selectSlots = (s: BoardSnapshot): readonly SlotView[] => s.slots;
const selectStats = (s: BoardSnapshot): BoardStats | null => s.stats;
const selectConnection = (s: BoardSnapshot): ConnectionState => s.connection;
const selectError = (s: BoardSnapshot): string | null => s.error;
const selectLoading = (s: BoardSnapshot): boolean => s.loading;

/** The whole board (tasks, columns, dependents): for views that span it, like the graph. */
export const useBoardData = () => useBoardSelector(selectBoard);
/** Every task by id. */
export const useTasks = () => useBoardSelector(selectTasks);
/** Every column (changes when any column does). */
export const useColumns = () => useBoardSelector(selectColumns);
/** One status's tasks by id: changes only when a task of it (or moving in or out of it) does. */
export function useColumn(status: TaskStatus): Column {
  return useBoardSelector((s) => s.board.columns[status]);
}
/** One task, or undefined: changes only when that task does. */
export function useTask(id: string): Task | undefined {
  return useBoardSelector((s) => s.board.tasks.get(id));
}
export const useTaskCount = () => useBoardSelector(selectTaskCount);
export const useSlots = () => useBoardSelector(selectSlots);
export const useStats = () => useBoardSelector(selectStats);
export const useConnection = () => useBoardSelector(selectConnection);
export const useLoadError = () => useBoardSelector(selectError);
export const useLoading = () => useBoardSelector(selectLoading);
