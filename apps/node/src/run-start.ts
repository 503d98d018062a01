/**
 * `raftkit start`: runs one node until SIGTERM or SIGINT, which shut it down cleanly (exit 0). A
 * second signal exits at once. A fatal node failure (a storage write failed) exits 1, so a
 * supervisor restarts the process from its durable state.
 */
import { acquireDirectoryLock } from '@raftkit/storage-sqlite';
import { NodeConfigError } from './cli/errors.js';
import type { StartOptions } from './cli/start-options.js';
import { readIdentity } from './cluster-identity.js';
import { createLogger } from './logger.js';
import { startNode, type RunningNode } from './node.js';
import { loadSecurity, warnAboutExposure } from './security/startup.js';
import { waitForAdmission } from './waiting-room.js';

/** runStart starts the node and resolves with the exit code once it stopped. */
export async function runStart(options: StartOptions): Promise<number> {
  const logger = createLogger(options.logLevel, options.id);
  let running: RunningNode | undefined;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let signals = 0;
  const waiting = new AbortController();
  let waitingRoomClosed: Promise<unknown> = Promise.resolve();
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) process.exit(1);
    logger.info({ signal }, 'shutting down');
    waiting.abort();
    // While waiting as a non-member, shutdown is done once the waiting room closed and released the directory.
    const stopped = running?.stop() ?? waitingRoomClosed;
    stopped.then(
      () => finish(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        finish(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  // Everything the node creates (data directory, database, identity file) is its own alone.
  process.umask(0o077);
  let security;
  try {
    security = loadSecurity(options);
  } catch (error) {
    logger.fatal({ err: error }, 'the node could not start');
    return 2;
  }
  warnAboutExposure(options, security, logger);
  // SIGHUP re-reads --tokens-file: tokens rotate without a restart.
  process.on('SIGHUP', () => {
    try {
      security.tokens?.reload();
      logger.info({ tokens: security.tokens?.size }, 'reloaded the tokens file');
    } catch (error) {
      logger.error({ err: error }, 'the tokens file could not be reloaded; the previous tokens stay in force');
    }
  });
  try {
    // Neither --cluster nor --join on an empty data directory: wait to be admitted by a leader.
    if (options.cluster === undefined && options.join === undefined && readIdentity(options.dataDir) === undefined) {
      // Hold the data directory while waiting, as the storage does once the node runs: a second
      // process on the same directory is refused now, not after both were admitted.
      const lock = await acquireDirectoryLock(options.dataDir);
      const waited = waitForAdmission(options, logger, waiting.signal).finally(() => lock.release());
      waitingRoomClosed = waited.catch(() => undefined);
      const admission = await waited;
      if (admission === undefined) return 0;
    }
    running = await startNode(
      options,
      logger,
      () => {
        running?.stop().finally(() => finish(1));
      },
      security,
    );
  } catch (error) {
    logger.fatal({ err: error }, 'the node could not start');
    // A configuration problem found only now (the data directory's identity, --join) is still one.
    return error instanceof NodeConfigError ? 2 : 1;
  }
  if (signals > 0) void running.stop().then(() => finish(0));
  return finished;
}
