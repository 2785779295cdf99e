#!/usr/bin/env node
// tcx: the Task Coordinator command line (see `tcx --help`).
import { run } from './program.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

const readStdin = async (): Promise<string | null> => {
  if (process.stdin.isTTY) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const color =
  !!process.env.FORCE_COLOR || (!!process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb');

run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
  env: process.env,
  color,
  columns: process.stdout.columns || Number(process.env.COLUMNS) || 100,
  progressStream: process.stderr.isTTY ? process.stderr : null,
  interrupt: controller.signal,
}).then((code) => {
  process.exitCode = code;
});
