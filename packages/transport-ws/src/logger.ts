/**
 * The transport reports through a logger rather than throwing: a refused peer or a bad frame is
 * something an operator needs to see, never a reason for the node to stop.
 */

/** LogFields carry the structured part of a log line (peer id, reason, close code...). */
export type LogFields = Readonly<Record<string, unknown>>;

/** WsTransportLogger receives the transport's log lines; any structured logger fits. */
export interface WsTransportLogger {
  /** debug: detail for tracing a connection (frames, dials). */
  debug(message: string, fields?: LogFields): void;
  /** info: a connection opened or closed. */
  info(message: string, fields?: LogFields): void;
  /** warn: something refused or dropped (a bad handshake, a malformed frame, a full queue). */
  warn(message: string, fields?: LogFields): void;
  /** error: the transport itself failed (a listen error). */
  error(message: string, fields?: LogFields): void;
}

const ignore = (): void => {};

/** defaultLogger prints warnings and errors to the console and drops the rest. */
export const defaultLogger: WsTransportLogger = {
  debug: ignore,
  info: ignore,
  warn: (message, fields) => console.warn(`[raftkit/transport-ws] ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`[raftkit/transport-ws] ${message}`, fields ?? ''),
};
