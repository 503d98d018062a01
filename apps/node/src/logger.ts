/**
 * Logging with pino: JSON lines on stdout, one `node` field on every line. The peer transport's
 * logger interface is adapted onto a child logger.
 */
import type { WsTransportLogger } from '@raftkit/transport-ws';
import { pino, type Logger } from 'pino';
import type { LogLevel } from './cli/start-options.js';

/** createLogger returns the node's logger. */
export function createLogger(level: LogLevel, nodeId: string): Logger {
  return pino({ level, base: { node: nodeId } });
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
