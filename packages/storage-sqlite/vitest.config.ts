import { packageTestConfig } from '../../vitest.shared.js';

// The crash test runs real processes for about a minute (more on a loaded machine; it sets its
// own timeout); every other test opens a worker or two and takes a second or so.
export default packageTestConfig({ testTimeout: 120_000 });
