import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, transportLogger } from './logger.js';

function capture(): { stream: Writable & { write(chunk: string): boolean }; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream: stream as Writable & { write(chunk: string): boolean }, lines: () => text.split('\n').filter((line) => line !== '') };
}

describe('logs', () => {
  it('JSON lines carry the level name, an ISO time, the node and the peer a line is about', () => {
    const out = capture();
    const logger = createLogger('info', 'n1', 'json', out.stream);
    logger.warn({ peer: 'n2' }, 'lost n2');
    transportLogger(logger).info('connected to n3', { peer: 'n3' });
    logger.debug('not shown at info');
    const [first, second, ...rest] = out.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ level: 'warn', node: 'n1', peer: 'n2', msg: 'lost n2' });
    expect(second).toMatchObject({ level: 'info', node: 'n1', peer: 'n3', component: 'transport', msg: 'connected to n3' });
    expect(String(first!['time'])).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(new Date(String(first!['time'])).getTime()).not.toBeNaN();
  });

  it('pretty lines are for people: level name, the node, the message, the fields', () => {
    const out = capture();
    const logger = createLogger('info', 'n1', 'pretty', out.stream);
    logger.info({ peer: 'n2', term: 4 }, 'leader is n2');
    const text = out.lines().join('\n');
    expect(text).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO.*\[n1\] leader is n2/);
    expect(text).toContain('peer: "n2"');
    expect(text).not.toMatch(/^\{/);
  });
});
