// tcx for scripts against a real server: claim/start/done/fail/release with their exit codes, watch, prime, the Stop hook,
// completion, and tcx run as its own process.
import { describe, expect, it } from 'vitest';
import { EXIT } from '../src/index.js';
import { server, tcx, tcxProcess } from './helpers.js';

describe('claim, start, done, fail, release', () => {
  it('a script loop: claim -q prints the id; done unblocks; no work exits 6', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], {
      stdin: '[{"id":"a","description":"A"},{"id":"b","description":"B","dependencies":["a"]}]',
    });
    const claim = await tcx(s.apiUrl, ['claim', '-q']);
    expect(claim).toMatchObject({ code: 0, stdout: 'a\n' });
    expect((await tcx(s.apiUrl, ['start', 'a'])).stdout).toBe('a ◑ working\n');
    const done = await tcx(s.apiUrl, ['done', 'a', '--output', '-'], { stdin: 'built\n' });
    expect(done.stdout).toBe('a ● done (now available: b)\n');
    const shown = JSON.parse((await tcx(s.apiUrl, ['show', 'a', '--json'])).stdout);
    expect(shown.task.output).toBe('built');
    const json = JSON.parse((await tcx(s.apiUrl, ['claim', '--json'])).stdout);
    expect(json).toMatchObject({ task: { id: 'b', status: 'claimed', worker: 'cli-test' }, slot: 1 });
    const none = await tcx(s.apiUrl, ['claim', '--worker', 'other']);
    expect(none.code).toBe(EXIT.NO_WORK);
    expect(none.stderr).toBe('NO_WORK: no task is available to claim\n');
  });

  it('fail with retry puts the task back; release gives it back without an attempt', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add', 'Flaky', '--id', 'flaky']);
    await tcx(s.apiUrl, ['claim', 'flaky']);
    const failed = JSON.parse((await tcx(s.apiUrl, ['fail', 'flaky', '-e', 'timeout', '--retry', '--json'])).stdout);
    expect(failed.task).toMatchObject({ status: 'available', attempts: 1 });
    await tcx(s.apiUrl, ['claim']);
    expect((await tcx(s.apiUrl, ['release', 'flaky', '--reason', 'end of day'])).stdout).toBe('flaky ◇ available\n');
    await tcx(s.apiUrl, ['claim']);
    const final = JSON.parse((await tcx(s.apiUrl, ['fail', 'flaky', '--error', 'gave up', '--json'])).stdout);
    expect(final.task).toMatchObject({ status: 'failed', error: 'gave up', attempts: 2 });
  });

  it('exit codes: not found 3, not claimable or slot busy 4, usage 2', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add', 'Mine', '--id', 'mine']);
    expect((await tcx(s.apiUrl, ['start', 'ghost'])).code).toBe(EXIT.NOT_FOUND);
    await tcx(s.apiUrl, ['claim', 'mine']);
    const taken = await tcx(s.apiUrl, ['claim', 'mine', '--worker', 'rival']);
    expect(taken.code).toBe(EXIT.CONFLICT);
    expect(taken.stderr).toMatch(/^NOT_CLAIMABLE: .*\n→ Take another task with `tcx claim`/);
    const busy = await tcx(s.apiUrl, ['add', 'Other', '--id', 'other']);
    expect(busy.code).toBe(0);
    expect((await tcx(s.apiUrl, ['claim', 'other'])).stderr).toContain('SLOT_BUSY');
    expect((await tcx(s.apiUrl, ['claim', '--wait', '99'])).code).toBe(EXIT.USAGE);
    expect((await tcx(s.apiUrl, ['claim', 'mine', '--wait', '1'])).code).toBe(EXIT.USAGE);
    expect((await tcx(s.apiUrl, ['frobnicate'])).code).toBe(EXIT.USAGE);
  });

  it('a worker that does not hold the task (its lease expired, another took it) gets LEASE_LOST: exit 5', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add', 'Slow', '--id', 'slow']);
    await tcx(s.apiUrl, ['claim', 'slow', '--worker', 'next']);
    const lost = await tcx(s.apiUrl, ['done', 'slow', '--worker', 'sleepy']);
    expect(lost.code).toBe(EXIT.LEASE_LOST);
    expect(lost.stderr).toMatch(/^LEASE_LOST: .*\n→ Stop working on it/);
  });

  it('auth and reachability: unauthorized 7, server down 8, each with its remedy', async () => {
    const s = await server({ token: 'sesame' });
    const denied = await tcx(s.apiUrl, ['ls']);
    expect(denied.code).toBe(EXIT.AUTH);
    expect(denied.stderr).toContain('→ Set TASK_COORDINATOR_TOKEN');
    expect((await tcx(s.apiUrl, ['ls'], { env: { TASK_COORDINATOR_TOKEN: 'sesame' } })).code).toBe(0);
    const url = s.apiUrl;
    await s.close();
    const down = await tcx(url, ['ls']);
    expect(down.code).toBe(EXIT.UNAVAILABLE);
    expect(down.stderr).toMatch(/^SERVER_UNAVAILABLE: cannot reach .*\n→ Start the server/);
  });
});

describe('watch', () => {
  it('prints the feed from a seq and says where to resume; --json is JSON Lines', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], { stdin: 'one\ntwo\n' });
    const r = await tcx(s.apiUrl, ['watch', '--after', '0', '--count', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stdout).toContain('task.added');
    const resume = /resume with: tcx watch --after (\d+)/.exec(r.stderr);
    expect(resume).not.toBeNull();
    await tcx(s.apiUrl, ['add', 'three', '--id', 'three']);
    const rest = await tcx(s.apiUrl, ['watch', '--after', resume?.[1] as string, '--count', '1', '--json']);
    const event = JSON.parse(rest.stdout);
    expect(event).toMatchObject({ type: 'task.added', taskId: 'three' });
    expect(event.seq).toBeGreaterThan(Number(resume?.[1]));
  });

  it('waits for the next event (live), and stops on interrupt', async () => {
    const s = await server();
    const pending = tcx(s.apiUrl, ['watch', '--count', '1', '--json']);
    // the watch starts after the current last seq: the add below is the event it receives
    for (let i = 0; i < 100 && (await s.store.stats({})).lastSeq === 0; i++) {
      await tcx(s.apiUrl, ['add', 'live one', '--id', `live-${i}`]);
    }
    const got = JSON.parse((await pending).stdout);
    expect(got.type).toBe('task.added');
    const controller = new AbortController();
    const stopped = tcx(s.apiUrl, ['watch'], { signal: controller.signal });
    controller.abort();
    expect((await stopped).code).toBe(0);
  });
});

describe('prime and the Stop hook', () => {
  it('prime: what I hold, what is ready, what needs people, the workflow', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add'], {
      stdin:
        '[{"id":"mine","description":"Mine"},{"id":"next","description":"Next up","priority":5},{"id":"bad","description":"Broken"}]',
    });
    await tcx(s.apiUrl, ['claim', 'mine']);
    await tcx(s.apiUrl, ['claim', 'bad', '--worker', 'w2']);
    await tcx(s.apiUrl, ['fail', 'bad', '--worker', 'w2', '--error', 'disk full']);
    const text = (await tcx(s.apiUrl, ['prime'])).stdout;
    expect(text).toContain('## You hold (1)\n- mine [claimed] Mine');
    expect(text).toContain('## Ready (1)\n- next [available p5] Next up');
    expect(text).toContain('## Needs people (1)\n- bad [failed] error: disk full — Broken');
    expect(text).toContain('## Workflow');
    const hook = JSON.parse((await tcx(s.apiUrl, ['prime', '--hook'])).stdout);
    expect(hook.hookSpecificOutput).toEqual({ hookEventName: 'SessionStart', additionalContext: text.trimEnd() });
    await s.close();
    const down = await tcx(s.apiUrl, ['prime', '--hook']);
    expect(down.code).toBe(0);
    expect(JSON.parse(down.stdout).hookSpecificOutput.additionalContext).toContain('not reachable');
  });

  it('prime stays under 1,500 tokens (bytes/4) on a 10,000-task board', async () => {
    const s = await server();
    for (let batch = 0; batch < 10; batch++) {
      const tasks = Array.from({ length: 1000 }, (_, i) => ({
        id: `t${batch}-${i}`,
        description: `Task ${batch}-${i}: ${'a long description that goes on and on '.repeat(8)}`,
        priority: i % 7,
        ...(i % 3 === 2 ? { dependencies: [`t${batch}-${i - 1}`] } : {}),
      }));
      expect((await tcx(s.apiUrl, ['add'], { stdin: JSON.stringify(tasks) })).code).toBe(0);
    }
    for (let i = 0; i < 4; i++) await tcx(s.apiUrl, ['claim', '--worker', i === 0 ? 'cli-test' : `w${i}`]);
    for (let i = 0; i < 4; i++) {
      const id = (await tcx(s.apiUrl, ['claim', '-q', '--worker', 'crasher'])).stdout.trim();
      await tcx(s.apiUrl, ['fail', id, '--worker', 'crasher', '--error', 'x'.repeat(500)]);
    }
    const text = (await tcx(s.apiUrl, ['prime'])).stdout;
    const tokens = Buffer.byteLength(text) / 4;
    process.stdout.write(`prime on 10,000 tasks: ${Buffer.byteLength(text)} bytes = ${tokens} tokens\n`);
    expect(tokens).toBeLessThanOrEqual(1500);
    expect(text).toContain('Board: 10000 tasks');
    expect(text).toContain('## You hold (1)');
    expect(text).toMatch(/## Ready \(\d{4}\)/);
    expect(text).toContain('## Needs people (4)');
  }, 120_000);

  it('hook stop blocks the first stop while this worker holds a task, and lets a repeated stop through', async () => {
    const s = await server();
    await tcx(s.apiUrl, ['add', 'Held', '--id', 'held']);
    expect((await tcx(s.apiUrl, ['hook', 'stop'], { stdin: '{"stop_hook_active":false}' })).stdout).toBe('');
    await tcx(s.apiUrl, ['claim', 'held']);
    const blocked = JSON.parse((await tcx(s.apiUrl, ['hook', 'stop'], { stdin: '{"stop_hook_active":false}' })).stdout);
    expect(blocked.decision).toBe('block');
    expect(blocked.reason).toContain('held (claimed)');
    expect(blocked.reason).toMatch(/finish it .*release_task/);
    expect((await tcx(s.apiUrl, ['hook', 'stop'], { stdin: '{"stop_hook_active":true}' })).stdout).toBe('');
    expect((await tcx(s.apiUrl, ['hook', 'stop', '--worker', 'someone-else'], { stdin: '{}' })).stdout).toBe('');
  });
});

describe('completion and the process', () => {
  it('completion scripts for bash, zsh and fish name every command; another shell is a usage error', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await tcx('http://127.0.0.1:1', ['completion', shell]);
      expect(r.code).toBe(0);
      for (const command of ['add', 'ls', 'graph', 'claim', 'watch', 'prime']) expect(r.stdout).toContain(command);
    }
    expect((await tcx('http://127.0.0.1:1', ['completion', 'tcsh'])).code).toBe(EXIT.USAGE);
  });

  it('as its own process: exit codes, stdin, stderr and --version', async () => {
    const s = await server();
    const added = await tcxProcess(s.apiUrl, ['add', '--json'], { stdin: 'from a pipe\n' });
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout).tasks[0].description).toBe('from a pipe');
    const missing = await tcxProcess(s.apiUrl, ['show', 'nope']);
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.stderr).toContain('TASK_NOT_FOUND');
    expect((await tcxProcess(s.apiUrl, ['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  }, 60_000);
});
