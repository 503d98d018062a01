import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// Packing, an npm install and a cluster run take minutes on a loaded machine: each test bounds
// its own steps, and the files run one after another so they do not compete for the CPU.
export default mergeConfig(packageTestConfig({ testTimeout: 600_000 }), { test: { fileParallelism: false, hookTimeout: 600_000 } });
