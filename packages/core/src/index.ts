export * from './raft/index.js';
