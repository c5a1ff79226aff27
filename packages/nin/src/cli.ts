#!/usr/bin/env node
/** The `nin` executable: `nin summary|train|eval|predict [options]` (see `nin --help`). */
import { main } from './cli/index.js';

process.exitCode = await main(process.argv.slice(2));
