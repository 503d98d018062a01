/**
 * `@raftkit/core/testing`: helpers for testing code built on raftkit (an in-memory network of
 * transports), next to the conformance suites for Storage, Transport and StateMachine.
 */
export { createMemoryNetwork, MemoryRequestError, type MemoryNetwork, type MemoryNetworkOptions } from './memory-transport.js';
export {
  describeTransportConformance,
  type ConformanceExpect,
  type ConformanceFramework,
  type TransportFixture,
  type TransportHarness,
} from './transport-conformance.js';
export { describeStorageConformance, type StorageFixture, type StorageHarness } from './storage-conformance.js';
