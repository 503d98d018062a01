/**
 * The published build runs its worker as plain JavaScript (`storage-worker.js` beside
 * `sqlite-storage.js`), with no TypeScript loader. Tests otherwise run from source, where the
 * worker is bootstrapped through tsx; this test compiles src/ to JavaScript and runs it under
 * bare `node` in a child process. The worker imports `@raftkit/core/checksum` at run time, which
 * resolves to core's built `dist/`: this package's turbo.json builds core before its tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../src/test-support/temporary-directory.js';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
// Inside the package, so `better-sqlite3` resolves from its node_modules.
const output = join(packageRoot, 'test-results', `built-worker-${process.pid}`);

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('the built package', () => {
  it('opens, appends and reloads under plain node, loading the compiled .js worker', () => {
    cleanups.push(() => rmSync(output, { recursive: true, force: true }));
    mkdirSync(output, { recursive: true });
    const sources = readdirSync(join(packageRoot, 'src')).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    for (const name of sources) {
      const { outputText } = ts.transpileModule(readFileSync(join(packageRoot, 'src', name), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      });
      writeFileSync(join(output, name.replace(/\.ts$/, '.js')), outputText);
    }
    writeFileSync(join(output, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(output, 'check.js'),
      `import { createSqliteStorage } from './index.js';
const directory = process.argv[2];
const first = createSqliteStorage({ directory });
await first.append([{ index: 1, term: 3, type: 'config', data: new Uint8Array([9, 8, 7]) }], { hardState: { term: 3, vote: 'b', commit: 1 } });
await first.close();
const second = createSqliteStorage({ directory });
const { hardState, entries } = await second.load();
await second.close();
console.log(JSON.stringify({ hardState, entries: entries.map((e) => ({ ...e, data: [...e.data] })) }));
`,
    );
    const data = temporaryDirectory('built');
    cleanups.push(data.remove);
    const printed = execFileSync(process.execPath, [join(output, 'check.js'), data.path], { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({ hardState: { term: 3, vote: 'b', commit: 1 }, entries: [{ index: 1, term: 3, type: 'config', data: [9, 8, 7] }] });
  });
});
