/**
 * `pnpm docs` builds the API reference of every published package with TypeDoc. Its options
 * (`typedoc.json` at the root) require a doc comment on every export and on every method and
 * function-valued member, check links, and turn every warning into an error, so this test
 * fails on an undocumented export, a type used in a public signature but not exported, or a
 * broken `{@link}`.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from './published-packages.js';
import { run } from './run.js';

const out = mkdtempSync(join(tmpdir(), 'raftkit-docs-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('pnpm docs', () => {
  it('generates the API reference of every published package with no TypeDoc warning', async () => {
    // The root script itself, with the output moved out of the checkout.
    await run('pnpm', ['run', 'docs', '--out', out], { cwd: REPOSITORY_ROOT, timeoutMs: 300_000 });
    expect(readdirSync(out)).toContain('index.html');
    const modules = readdirSync(join(out, 'modules'));
    for (const name of ['core', 'core.testing', 'storage-sqlite', 'transport-ws', 'client', 'sim', 'node']) {
      expect(modules.some((page) => page.startsWith(`_raftkit_${name}.`)), name).toBe(true);
    }
  });
});
