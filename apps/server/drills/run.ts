// The drills' command line: `npm run drill:<name>` runs the full version and prints its figures.
//
//   drill:crash    20 SIGKILLs under 64 workers on SQLite (and on PostgreSQL when TC_TEST_DATABASE_URL is set)
//   drill:agents   stdio MCP agents killed while holding tasks; a task that kills every agent
//   drill:hostile  10,000+ malformed requests: REST, original endpoints, Socket.IO, /mcp
//   drill:soak     30 minutes of steady load (`-- --minutes 3` for a short one; `-- --server-arg=…` passes flags on)
//
// Exits 1 when a drill saw a violation, so a scheduled job can run them.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { runAgentDrill } from './agents.js';
import { runCrashDrill } from './crash.js';
import { runHostileDrill } from './hostile.js';
import { runSoak } from './soak.js';
import { dropSchema } from './support.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    kills: { type: 'string' },
    requests: { type: 'string' },
    agents: { type: 'string' },
    minutes: { type: 'string' },
    workers: { type: 'string' },
    'lease-ttl': { type: 'string' },
    'server-arg': { type: 'string', multiple: true },
  },
});

const log = (line: string) => process.stdout.write(`${line}\n`);
const number = (text: string | undefined, fallback: number) => (text === undefined ? fallback : Number(text));

async function main(): Promise<boolean> {
  const name = positionals[0];
  switch (name) {
    case 'crash': {
      const kills = number(values.kills, 20);
      const url = process.env.TC_TEST_DATABASE_URL ?? '';
      // A longer lease for a machine so loaded that a claim→complete can outlast the 2 s default.
      const leaseTtl = values['lease-ttl'];
      const reports = [
        await runCrashDrill({ store: { kind: 'sqlite' }, kills, log, ...(leaseTtl ? { leaseTtl } : {}) }),
      ];
      if (url) {
        const schema = `tc_crash_${randomBytes(4).toString('hex')}`;
        try {
          reports.push(
            await runCrashDrill({
              store: { kind: 'postgres', url, schema },
              kills,
              log,
              ...(leaseTtl ? { leaseTtl } : {}),
            }),
          );
        } finally {
          await dropSchema(url, schema);
        }
      } else log('PostgreSQL half skipped: set TC_TEST_DATABASE_URL');
      let ok = true;
      for (const r of reports) {
        const violations =
          r.lost.length +
          r.heldTwice.length +
          r.holderMismatch.length +
          r.completedTwice.length +
          r.integrity.length +
          r.serverErrors;
        const finalOk = r.finalByStatus.done === r.tasks && Object.keys(r.finalByStatus).length === 1;
        ok &&= violations === 0 && finalOk && r.restartsSurvived === r.kills;
        log(
          `crash drill (${r.store}): ${r.restartsSurvived}/${r.kills} restarts survived, ${r.tasks} tasks, ${r.acknowledged} completions acknowledged, ` +
            `${r.lost.length} lost, ${r.heldTwice.length + r.holderMismatch.length} held twice, ${r.completedTwice.length} completed twice, ` +
            `${r.serverErrors} 5xx, ${r.refused} requests refused while down, ${r.expired} dead-period claims expired, ` +
            `final ${JSON.stringify(r.finalByStatus)}, ${(r.ms / 1000).toFixed(1)} s`,
        );
      }
      return ok;
    }
    case 'agents': {
      const r = await runAgentDrill({ agents: number(values.agents, 12), rounds: 3, log });
      log(
        `agent-death drill: ${r.killed} agents killed holding ${r.tasksHeld} tasks; ${r.recovered} tasks available again ` +
          `(slowest ${r.slowestRecoveryMs} ms after the kill, lease TTL ${r.leaseTtlMs} ms), ${r.slotsLeaked} slots leaked, attempts ${JSON.stringify(r.attempts)}; ` +
          `poison task: ${r.poison.kills} agents killed, ended ${r.poison.status} after ${r.poison.attempts} attempts ("${r.poison.reason}")`,
      );
      return r.violations.length === 0;
    }
    case 'hostile': {
      const r = await runHostileDrill({ requests: number(values.requests, 10_000), log });
      log(
        `hostile drill: ${r.requests} requests (${JSON.stringify(r.byKind)}; statuses ${JSON.stringify(r.byStatus)}), ${r.serverErrors} 5xx, ${r.uncoded} rejections without a code, ` +
          `${r.changedByRejection} rejections that changed the database, ${r.crashes} crashes, ${(r.ms / 1000).toFixed(1)} s`,
      );
      for (const line of r.samples) log(`  ${line}`);
      return r.serverErrors + r.uncoded + r.changedByRejection + r.crashes === 0;
    }
    case 'soak': {
      const r = await runSoak({
        minutes: number(values.minutes, 30),
        workers: number(values.workers, 16),
        serverArgs: values['server-arg'] ?? [],
        log,
      });
      log(`soak: ${JSON.stringify(r, null, 2)}`);
      return r.serverErrors === 0;
    }
    default:
      log(
        'usage: run.ts crash|agents|hostile|soak [--kills n] [--requests n] [--agents n] [--minutes n] [--workers n] [--lease-ttl 10s] [--server-arg=--flag=value …]',
      );
      return false;
  }
}

main().then(
  (ok) => process.exit(ok ? 0 : 1),
  (error: unknown) => {
    process.stderr.write(`drill failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
