/**
 * Imports every entry point of every published package, so that their declaration files are all
 * part of the program the test type-checks (with `skipLibCheck: false`).
 */
import * as client from '@raftkit/client';
import * as core from '@raftkit/core';
import * as coreTesting from '@raftkit/core/testing';
import * as node from '@raftkit/node';
import * as sim from '@raftkit/sim';
import * as storageSqlite from '@raftkit/storage-sqlite';
import * as transportWs from '@raftkit/transport-ws';

export const packages = { client, core, coreTesting, node, sim, storageSqlite, transportWs };
