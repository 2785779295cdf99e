// File reservations (issue 13): a task's holder reserves and releases files; anyone lists and checks them.
import {
  CheckFilesInputSchema,
  CheckFilesResultSchema,
  ListReservationsQuerySchema,
  ReleasedResultSchema,
  ReleaseFilesInputSchema,
  ReservationsResultSchema,
  ReserveFilesInputSchema,
} from '@task-coordinator/core';
import { defineRoute, taskPath, type Route } from './define.js';

export const RESERVATION_ROUTES: readonly Route[] = [
  defineRoute({
    method: 'post',
    path: taskPath('/reservations'),
    operationId: 'reserveFiles',
    summary:
      'Reserve files for a task you hold, all or none (409 FILES_CONFLICT names each conflict); they end with the task',
    tag: 'workers',
    from: 'body',
    request: ReserveFilesInputSchema,
    response: ReservationsResultSchema,
    run: ({ store }, input) => store.reserveFiles(input),
  }),
  defineRoute({
    method: 'delete',
    path: taskPath('/reservations'),
    operationId: 'releaseFiles',
    summary: "Release some (patterns) or all of your task's reservations",
    tag: 'workers',
    from: 'body',
    request: ReleaseFilesInputSchema,
    response: ReleasedResultSchema,
    run: ({ store }, input) => store.releaseFiles(input),
  }),
  defineRoute({
    method: 'get',
    path: '/reservations',
    operationId: 'listReservations',
    summary: "The project's live reservations, optionally of one worker or task",
    tag: 'workers',
    from: 'query',
    request: ListReservationsQuerySchema,
    response: ReservationsResultSchema,
    run: ({ store }, input) => store.listReservations(input),
  }),
  defineRoute({
    method: 'post',
    path: '/reservations/check',
    operationId: 'checkFiles',
    summary: 'Whether each path is free: no other worker holds it (reservations, or declared files of tasks it holds)',
    tag: 'workers',
    from: 'body',
    request: CheckFilesInputSchema,
    response: CheckFilesResultSchema,
    run: ({ store }, input) => store.checkFiles(input),
  }),
];
