import { describe, expect, it } from 'vitest';
import { encodeConfig } from './membership.js';
import { ConfigError, type ConfigErrorCode } from './errors.js';
import { createRaft, type RaftOptions } from './raft.js';
import type { RaftConfig } from './config.js';
import type { MembershipConfig } from './types.js';

/** expectConfigError asserts createRaft(options) throws a ConfigError with `code` whose message matches. */
function expectConfigError(options: RaftOptions, code: ConfigErrorCode, message: RegExp): void {
  let thrown: unknown;
  try {
    createRaft(options);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.code).toBe(code);
  expect(error.name).toBe('ConfigError');
  expect(error.message).toMatch(message);
}

function withConfig(config: Omit<Partial<RaftConfig>, 'id'> & { id?: unknown }): RaftOptions {
  return { config: { id: 'a', ...config } as RaftConfig };
}

function bootstrap(voters: readonly string[], learners: readonly string[] = [], outgoingVoters: readonly string[] = []): MembershipConfig {
  return { voters, outgoingVoters, learners };
}

describe('createRaft validates the node id', () => {
  it('INVALID_ID for an empty id, naming it', () => {
    expectConfigError(withConfig({ id: '' }), 'INVALID_ID', /got ""/);
  });

  it('INVALID_ID for an id with surrounding spaces, naming it', () => {
    expectConfigError(withConfig({ id: ' a ' }), 'INVALID_ID', /got " a "/);
  });

  it('INVALID_ID for an id that is not a string, naming it', () => {
    expectConfigError(withConfig({ id: 42 }), 'INVALID_ID', /got 42/);
  });
});

describe('createRaft validates ticks', () => {
  it('INVALID_ELECTION_TICKS for 0, a fraction and a negative number, naming the value', () => {
    expectConfigError(withConfig({ electionTicks: 0 }), 'INVALID_ELECTION_TICKS', /electionTicks .*got 0$/);
    expectConfigError(withConfig({ electionTicks: 2.5 }), 'INVALID_ELECTION_TICKS', /got 2\.5$/);
    expectConfigError(withConfig({ electionTicks: -3 }), 'INVALID_ELECTION_TICKS', /got -3$/);
  });

  it('INVALID_HEARTBEAT_TICKS for 0 and NaN, naming the value', () => {
    expectConfigError(withConfig({ heartbeatTicks: 0 }), 'INVALID_HEARTBEAT_TICKS', /heartbeatTicks .*got 0$/);
    expectConfigError(withConfig({ heartbeatTicks: Number.NaN }), 'INVALID_HEARTBEAT_TICKS', /got NaN$/);
  });

  it('HEARTBEAT_NOT_LESS_THAN_ELECTION when heartbeatTicks equals or passes electionTicks, naming both', () => {
    expectConfigError(withConfig({ electionTicks: 5, heartbeatTicks: 5 }), 'HEARTBEAT_NOT_LESS_THAN_ELECTION', /heartbeatTicks \(5\).*electionTicks \(5\)/);
    expectConfigError(withConfig({ electionTicks: 5, heartbeatTicks: 7 }), 'HEARTBEAT_NOT_LESS_THAN_ELECTION', /heartbeatTicks \(7\).*electionTicks \(5\)/);
    expectConfigError(withConfig({ heartbeatTicks: 10 }), 'HEARTBEAT_NOT_LESS_THAN_ELECTION', /heartbeatTicks \(10\).*electionTicks \(10\)/);
  });

  it('accepts heartbeatTicks one below electionTicks', () => {
    expect(createRaft(withConfig({ electionTicks: 5, heartbeatTicks: 4 })).status().role).toBe('follower');
  });
});

describe('createRaft validates limits (INVALID_LIMIT)', () => {
  const mustBePositive = ['maxEntriesPerMessage', 'maxMessageBytes', 'maxInflightMessages'] as const;
  const mayBeZero = ['maxInflightBytes', 'maxUncommittedBytes'] as const;

  for (const name of mustBePositive) {
    it(`${name}: 0 and 1.5 are refused, naming the field and value; 1 is accepted`, () => {
      expectConfigError(withConfig({ [name]: 0 }), 'INVALID_LIMIT', new RegExp(`${name} must be an integer ≥ 1, got 0$`));
      expectConfigError(withConfig({ [name]: 1.5 }), 'INVALID_LIMIT', new RegExp(`${name} .*got 1\\.5$`));
      expect(() => createRaft(withConfig({ [name]: 1 }))).not.toThrow();
    });
  }

  for (const name of mayBeZero) {
    it(`${name}: -1 and Infinity are refused, naming the field and value; 0 (no bound) is accepted`, () => {
      expectConfigError(withConfig({ [name]: -1 }), 'INVALID_LIMIT', new RegExp(`${name} must be an integer ≥ 0, got -1$`));
      expectConfigError(withConfig({ [name]: Infinity }), 'INVALID_LIMIT', new RegExp(`${name} .*got Infinity$`));
      expect(() => createRaft(withConfig({ [name]: 0 }))).not.toThrow();
    });
  }
});

describe('createRaft validates the bootstrap membership', () => {
  it('MISSING_SELF when bootstrapping a membership whose voters omit this node, naming it and the voters', () => {
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap(['b', 'c']) }, 'MISSING_SELF', /"a".*\["b","c"\]/);
  });

  it('MISSING_SELF when this node is only a learner of the bootstrap membership', () => {
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap(['b'], ['a']) }, 'MISSING_SELF', /"a"/);
  });

  it('no MISSING_SELF for a node with existing state: the bootstrap membership is ignored', () => {
    const cluster = bootstrap(['a', 'b', 'c']);
    const raft = createRaft({
      config: { id: 'd' },
      bootstrap: bootstrap(['x', 'y']),
      initial: { hardState: { term: 1, vote: null, commit: 1 }, entries: [{ index: 1, term: 1, type: 'config', data: encodeConfig(cluster) }] },
    });
    const status = raft.status();
    expect(status.config.voters).toEqual(['a', 'b', 'c']);
    expect(status.term).toBe(1);
    expect(status.lastIndex).toBe(1);
  });

  it('INVALID_MEMBER_ID for an empty voter, a padded learner and an empty outgoing voter, naming it', () => {
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap(['a', '']) }, 'INVALID_MEMBER_ID', /got ""/);
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap(['a'], [' l']) }, 'INVALID_MEMBER_ID', /got " l"/);
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap(['a'], [], ['']) }, 'INVALID_MEMBER_ID', /got ""/);
  });

  it('DUPLICATE_MEMBER for a voter listed twice and for a voter that is also a learner, naming it', () => {
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap(['a', 'b', 'b']) }, 'DUPLICATE_MEMBER', /"b"/);
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap(['a', 'c'], ['c']) }, 'DUPLICATE_MEMBER', /"c"/);
  });

  it('NO_VOTERS for a bootstrap membership without voters', () => {
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap([]) }, 'NO_VOTERS', /at least one voter/);
    expectConfigError({ config: { id: 'a' }, bootstrap: bootstrap([], ['a']) }, 'NO_VOTERS', /at least one voter/);
  });

  it('a valid bootstrap writes the config entry at index 1, term 1, committed', () => {
    const raft = createRaft({ config: { id: 'a' }, bootstrap: bootstrap(['a', 'b']) });
    expect(raft.hardState()).toEqual({ term: 1, vote: null, commit: 1 });
    expect(raft.entry(1)).toMatchObject({ index: 1, term: 1, type: 'config' });
  });
});

describe('a node without state or bootstrap', () => {
  it('is valid: it starts with the empty configuration', () => {
    const raft = createRaft({ config: { id: 'a' } });
    expect(raft.status().config).toEqual({ voters: [], outgoingVoters: [], learners: [] });
    expect(raft.hardState()).toEqual({ term: 0, vote: null, commit: 0 });
  });
});
