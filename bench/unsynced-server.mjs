// A reference for the HTTP benchmarks, never a way to run the coordinator: the built server with
// SQLite commits acknowledged before the WAL's fsync (synchronous=NORMAL), so a benchmark can show
// how much of a cycle the durable commit costs. Takes the server's own flags; prints the API line
// the benchmarks look for; SIGTERM stops it.
import { parseConfig, startServer } from '../apps/server/dist/index.js';

const command = parseConfig(process.argv.slice(2), {});
if (command.kind !== 'serve') throw new Error(`unexpected command ${command.kind}`);
const server = await startServer(command.config, { sqliteSynchronous: 'NORMAL' });
process.stdout.write(`  API        ${server.apiUrl}/api/v1\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
