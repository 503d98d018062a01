/**
 * Logging with pino: JSON lines on stdout with the level's name (`"level":"info"`), an ISO 8601
 * `time` and the node's id on every line; or, with `--log-format pretty`, one readable line per
 * record for a terminal (`raftkit dev`). A line about a peer names it in `peer` (the transport's
 * lines do too). The peer transport's logger interface is adapted onto a child logger.
 */
import type { WsTransportLogger } from '@raftkit/transport-ws';
import { pino, type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import type { LogFormat, LogLevel } from './cli/start-options.js';

/** createLogger returns the node's logger, writing to stdout (or `destination`, for tests). */
export function createLogger(level: LogLevel, nodeId: string, format: LogFormat = 'json', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { node: nodeId },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (format === 'json') return destination === undefined ? pino(options) : pino(options, destination);
  // Synchronous, so the last lines before an exit are not lost.
  return pino(options, pinoPretty({ sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,node', messageFormat: '[{node}] {msg}', ...(destination === undefined ? {} : { destination }) }));
}

/** transportLogger adapts `logger` to the peer transport's logger interface. */
export function transportLogger(logger: Logger): WsTransportLogger {
  const child = logger.child({ component: 'transport' });
  return {
    debug: (message, fields) => child.debug(fields ?? {}, message),
    info: (message, fields) => child.info(fields ?? {}, message),
    warn: (message, fields) => child.warn(fields ?? {}, message),
    error: (message, fields) => child.error(fields ?? {}, message),
  };
}
