import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// The e2e test starts three real node processes: give it room (it bounds its own waits).
export default mergeConfig(packageTestConfig({ testTimeout: 300_000 }), { test: { fileParallelism: false, hookTimeout: 300_000 } });
