/**
 * Every relative link in the repository's Markdown (READMEs, docs/) points at a file or folder
 * that exists, and nothing points outside the repository (the design notes the project once
 * cited from a sibling folder live in docs/architecture.md now).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from './published-packages.js';

/** trackedFiles lists the files git knows, matching the patterns. */
function trackedFiles(...patterns: string[]): string[] {
  return execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', ...patterns], { cwd: REPOSITORY_ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((line) => line !== '' && existsSync(join(REPOSITORY_ROOT, line)));
}

const LINK = /\]\(([^)\s]+)\)/g;

describe('links', () => {
  it('every relative Markdown link resolves inside the repository', () => {
    const broken: string[] = [];
    for (const file of trackedFiles('*.md').filter((name) => !name.startsWith('.changeset/'))) {
      const text = readFileSync(join(REPOSITORY_ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(LINK)) {
        if (/^(https?:|mailto:|#)/.test(target!)) continue;
        const path = resolve(REPOSITORY_ROOT, dirname(file), decodeURI(target!.split('#')[0]!));
        const inside = !relative(REPOSITORY_ROOT, path).startsWith('..');
        if (!inside || !existsSync(path)) broken.push(`${file}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('no Markdown or TypeScript file cites a path outside the repository', () => {
    const outside = trackedFiles('*.md', '*.ts').filter((file) => /\.\.\/shared\/|\/work\/shared/.test(readFileSync(join(REPOSITORY_ROOT, file), 'utf8')));
    expect(outside).toEqual([]);
  });
});
