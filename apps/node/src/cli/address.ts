/**
 * Addresses on the command line: `host:port`, with IPv6 hosts in brackets (`[::1]:7001`).
 */
import { NodeConfigError } from './errors.js';

/** Address is a parsed `host:port`. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** parseAddress reads `host:port`; `what` names the flag in the error. Throws INVALID_ADDRESS. */
export function parseAddress(text: string, what: string): Address {
  const match = /^(?:\[([^\]]+)\]|([^:\s/\[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = match === null ? Number.NaN : Number(match[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65_535) {
    throw new NodeConfigError('INVALID_ADDRESS', `${what}: expected host:port (port 0–65535), got ${JSON.stringify(text)}`);
  }
  return { host, port };
}

/** formatAddress writes an Address back as `host:port` (brackets around an IPv6 host). */
export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
