/**
 * `@raftkit/core/testing`: helpers for testing code built on raftkit (an in-memory network of
 * transports), next to the conformance suites for Storage, Transport and StateMachine.
 */
export { createMemoryNetwork, type MemoryNetwork, type MemoryNetworkOptions } from './memory-transport.js';
