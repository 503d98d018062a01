import { describe, expect, it } from 'vitest';
import { COMMANDS } from './command-specs.js';
import { main } from './main.js';
import { START_OPTIONS } from './start-options.js';
import { VERSION } from '../version.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {}, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { code, out, err };
}

describe('raftkit --version and --help', () => {
  it('prints the package version', async () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
    expect(await run('--version')).toEqual({ code: 0, out: `raftkit ${VERSION}\n`, err: '' });
  });

  it('lists every command at the top level', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    for (const name of ['start', ...COMMANDS.map((spec) => spec.name)]) expect(out).toContain(`  raftkit ${name}`);
  });

  it("start --help lists every START_OPTIONS flag with its environment variable", async () => {
    const { code, out } = await run('start', '--help');
    expect(code).toBe(0);
    for (const name of Object.keys(START_OPTIONS)) {
      expect(out).toContain(`--${name}`);
      expect(out).toContain(`env RAFTKIT_${name.toUpperCase().replaceAll('-', '_')}`);
    }
  });

  it('every command answers --help with each of its flags, defaults and environment variables', async () => {
    for (const spec of COMMANDS) {
      const { code, out, err } = await run(...spec.name.split(' '), '--help');
      expect({ command: spec.name, code, err }).toEqual({ command: spec.name, code: 0, err: '' });
      for (const flag of spec.flags) {
        expect(out).toContain(`--${flag.name}`);
        if (flag.defaultValue !== undefined) expect(out).toContain(`default ${flag.defaultValue}`);
        if (flag.env !== undefined) expect(out).toContain(`env ${flag.env}`);
      }
    }
    // -h works too, and a family lists its sub-commands.
    const members = await run('members', '-h');
    for (const sub of ['list', 'add', 'promote', 'remove']) expect(members.out).toContain(`raftkit members ${sub}`);
  });

  it('an unknown command is a typed error, exit code 2', async () => {
    expect(await run('frobnicate')).toMatchObject({ code: 2, err: expect.stringContaining('UNKNOWN_COMMAND') });
    expect(await run('frobnicate', '--help')).toMatchObject({ code: 2, err: expect.stringContaining('UNKNOWN_COMMAND') });
  });
});
