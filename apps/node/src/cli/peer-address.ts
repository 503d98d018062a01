/**
 * Peer addresses on the command line (`--cluster id=ADDRESS`, `--peer-advertise ADDRESS`):
 * `host:port`, or a WebSocket URL `ws://host:port[/path]` or `wss://host:port[/path]`. A
 * `host:port` is dialed with `wss://` when peer TLS is configured (`--peer-tls-*`), `ws://`
 * otherwise.
 */
import { formatAddress, parseAddress } from './address.js';

/** parsePeerAddress normalizes a peer address; `what` names the flag in the error. Throws INVALID_ADDRESS. */
export function parsePeerAddress(text: string, what: string): string {
  const match = /^(wss?):\/\/([^/\s]+)(\/\S*)?$/i.exec(text.trim());
  if (match === null) return formatAddress(parseAddress(text, what));
  const [, scheme, hostPort, path] = match;
  return `${scheme!.toLowerCase()}://${formatAddress(parseAddress(hostPort!, what))}${path ?? ''}`;
}
