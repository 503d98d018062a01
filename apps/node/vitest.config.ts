import { mergeConfig } from 'vitest/config';
import { packageTestConfig } from '../../vitest.shared.js';

// End-to-end tests start real node processes: give each test room (each bounds itself), and run
// the files one after another, so a few nodes compete for the CPU rather than a dozen.
export default mergeConfig(packageTestConfig({ testTimeout: 300_000 }), { test: { fileParallelism: false, hookTimeout: 300_000 } });
