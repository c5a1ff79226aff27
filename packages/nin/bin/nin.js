#!/usr/bin/env node
// The `nin` executable npm links (node_modules/.bin/nin): it runs the compiled CLI in ../dist,
// which `npm run build` writes. It is committed, not built, so that `npm ci` finds it and links it.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write("nin: not built yet: run 'npm run build' at the repository root first\n");
  process.exitCode = 1;
}
