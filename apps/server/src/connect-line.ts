// The stdio connect line of the banner: from a clone, the built MCP client beside this server; from npm, npx.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `<repo>/apps/mcp/dist/cli.js` when this server runs from a clone (a workspace, not under node_modules,
 * with the MCP client's package beside it); null when installed from npm.
 */
export function localMcpClient(here: string = fileURLToPath(import.meta.url)): string | null {
  let real: string;
  try {
    real = realpathSync(here);
  } catch {
    real = here;
  }
  if (real.split(sep).includes('node_modules')) return null;
  const mcp = resolve(dirname(real), '..', '..', 'mcp');
  return existsSync(join(mcp, 'package.json')) ? join(mcp, 'dist', 'cli.js') : null;
}
