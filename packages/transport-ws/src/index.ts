/**
 * `@raftkit/transport-ws`: the peer `Transport` of raftkit over WebSocket (`ws`), frames encoded
 * with msgpack (`msgpackr`), one authenticated connection per pair of nodes.
 */
export { createWsTransport, type WsPeerTraffic, type WsTransport, type WsTransportStats } from './ws-transport.js';
export {
  WsTransportConfigError,
  type ListenOptions,
  type PeerAddresses,
  type PeerTlsOptions,
  type WsTransportConfigErrorCode,
  type WsTransportOptions,
} from './options.js';
export type { LogFields, WsTransportLogger } from './logger.js';
export type { RefusalReason } from './handshake.js';
export { CloseCode } from './peer-connection.js';
export type { FrameRefusal } from './frame-codec.js';
export { PeerRequestError, type PeerRequestErrorCode, type RequestHandler } from './request-channel.js';
