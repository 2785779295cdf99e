// React access to the live board of the current project.
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { BoardSnapshot, BoardStore } from './board-store.js';

export const BoardContext = createContext<BoardStore | null>(null);

export function useBoardStore(): BoardStore {
  const store = useContext(BoardContext);
  if (!store) throw new Error('useBoardStore outside <BoardContext>');
  return store;
}

export function useBoard(): BoardSnapshot {
  const store = useBoardStore();
  return useSyncExternalStore(store.subscribe, store.getSnapshot);
}
