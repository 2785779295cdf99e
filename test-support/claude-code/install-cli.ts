// `node --import tsx test-support/claude-code/install-cli.ts`: installs the pinned Claude Code into
// the test cache (what .ci/run does up front), printing where; exits 1 when it cannot.
import { claudeCode } from './install.js';

const install = await claudeCode();
if (install.available) {
  process.stdout.write(`Claude Code ${install.version}: ${install.bin}\n`);
} else {
  process.stderr.write(`Claude Code ${install.version} could not be installed: ${install.reason}\n`);
  process.exit(1);
}
