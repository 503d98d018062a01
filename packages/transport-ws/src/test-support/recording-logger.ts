import type { LogFields, WsTransportLogger } from '../logger.js';

/** LogLine is one recorded call to the logger. */
export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields | undefined;
}

/**
 * createRecordingLogger returns a logger that keeps every line, for assertions. `warnings()`
 * leaves out the start-up warning of a node running without a secret (`insecure`), which most
 * test nodes do; `lines` has it.
 */
export function createRecordingLogger(): WsTransportLogger & { readonly lines: LogLine[]; warnings(): LogLine[] } {
  const lines: LogLine[] = [];
  const record = (level: LogLine['level']) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return {
    lines,
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
    warnings: () => lines.filter((line) => (line.level === 'warn' || line.level === 'error') && line.fields?.['insecure'] !== true),
  };
}
