/**
 * loadMachine: `raftkit start --machine MODULE` hosts a plugin's state machine. The module exports
 * a factory, as its default export or as `createStateMachine`; the node calls it once per start
 * and hosts what it returns. Every node of a cluster MUST load the same machine.
 */
import { pathToFileURL } from 'node:url';
import type { StateMachine } from '@raftkit/core';
import { NodeConfigError } from '../cli/errors.js';

/** AnyStateMachine is a plugin's machine as the node sees it: commands, queries and results are data. */
export type AnyStateMachine = StateMachine<unknown, unknown, unknown, unknown>;

/** MachineFactory is what a `--machine` module exports. */
export type MachineFactory = () => AnyStateMachine | Promise<AnyStateMachine>;

/** loadMachine imports `path` (absolute) and makes its state machine. Throws NodeConfigError INVALID_MACHINE. */
export async function loadMachine(path: string): Promise<AnyStateMachine> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    throw new NodeConfigError('INVALID_MACHINE', `cannot load --machine ${path}: ${(error as Error).message}`);
  }
  const factory = typeof module['createStateMachine'] === 'function' ? module['createStateMachine'] : module['default'];
  if (typeof factory !== 'function') {
    throw new NodeConfigError('INVALID_MACHINE', `--machine ${path} exports no state machine factory (export default function, or export function createStateMachine)`);
  }
  let machine: unknown;
  try {
    machine = await (factory as MachineFactory)();
  } catch (error) {
    throw new NodeConfigError('INVALID_MACHINE', `the state machine factory of ${path} threw: ${(error as Error).message}`);
  }
  const missing = ['apply', 'query', 'snapshot', 'restore'].filter((method) => typeof (machine as Record<string, unknown> | null)?.[method] !== 'function');
  if (missing.length > 0) throw new NodeConfigError('INVALID_MACHINE', `the factory of ${path} returned no state machine (missing ${missing.join(', ')})`);
  return machine as AnyStateMachine;
}
