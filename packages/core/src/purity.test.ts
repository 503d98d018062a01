import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The core's promise: no runtime dependency, nothing imported from Node, and the protocol
// (src/raft) never reads a clock or Math.random. Checked on the source so a regression fails CI.
const root = new URL('.', import.meta.url).pathname;
const packageJson = JSON.parse(readFileSync(join(root, '..', 'package.json'), 'utf8')) as Record<string, unknown>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'test-support' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const nodeBuiltins = /from\s+['"](node:[^'"]+|fs|path|os|crypto|events|util|net|http|worker_threads|timers)['"]/;

describe('@raftkit/core purity', () => {
  it('has no runtime dependencies', () => {
    expect(packageJson['dependencies'] ?? {}).toEqual({});
  });

  it.each(sourceFiles(root).map((path) => [relative(root, path), path]))('%s imports nothing from Node', (_name, path) => {
    expect(readFileSync(path, 'utf8')).not.toMatch(nodeBuiltins);
  });

  it.each(sourceFiles(join(root, 'raft')).map((path) => [relative(root, path), path]))('%s reads no clock and no Math.random', (_name, path) => {
    const text = readFileSync(path, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    expect(text).not.toMatch(/Math\.random|Date\.now|performance\.now|new Date\(/);
  });
});
