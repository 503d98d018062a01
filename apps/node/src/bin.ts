#!/usr/bin/env node
/**
 * The `raftkit` executable. In a checkout, run it from source with
 * `node --conditions=@raftkit/source --import tsx apps/node/src/bin.ts <command>`.
 */
import { main } from './cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
