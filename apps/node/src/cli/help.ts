/**
 * The help texts: `raftkit --help` lists every command; `raftkit <command> --help` lists the
 * command's every flag with its default and environment variable. `start`'s flags come from
 * START_OPTIONS, so a row added there shows up here.
 */
import { commandFamily, COMMANDS, findCommand, TOKEN_NOTE, type CommandSpec, type FlagSpec } from './command-specs.js';
import { envName, START_OPTIONS } from './start-options.js';

/** startFlags turns START_OPTIONS into flag specs (defaults are in the descriptions). */
function startFlags(): FlagSpec[] {
  return Object.entries(START_OPTIONS).map(([name, spec]) => ({
    name,
    ...('value' in spec ? { value: spec.value } : {}),
    description: spec.description,
    env: envName(name),
  }));
}

const START: CommandSpec = {
  name: 'start',
  summary: 'run one node',
  flags: startFlags(),
  notes: 'Every option also comes from the config file and from its environment variable. Precedence: flags > environment > config file > defaults.',
};

function flagLine(flag: FlagSpec): string {
  const names = `${flag.short === undefined ? '' : `-${flag.short}, `}--${flag.name}${flag.value === undefined ? '' : ` ${flag.value}`}`;
  const extras = [flag.required === true ? 'required' : '', flag.defaultValue === undefined ? '' : `default ${flag.defaultValue}`, flag.env === undefined ? '' : `env ${flag.env}`].filter((text) => text !== '');
  return `  ${names.padEnd(34)} ${flag.description}${extras.length === 0 ? '' : ` [${extras.join('; ')}]`}`;
}

function synopsis(spec: CommandSpec): string {
  return `raftkit ${spec.name}${spec.arguments === undefined ? '' : ` ${spec.arguments}`} [flags]`;
}

/** commandHelp is the help of one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`${synopsis(spec)}`, '', spec.summary, '', 'Flags:', ...spec.flags.map(flagLine), '  -h, --help'.padEnd(36) + ' this help'];
  if (spec.notes !== undefined) lines.push('', spec.notes);
  if (spec.flags.some((flag) => flag.name === 'endpoints')) lines.push('', TOKEN_NOTE);
  return `${lines.join('\n')}\n`;
}

/**
 * helpFor answers `raftkit WORDS --help`: the command's help, or for a family (`members`) the
 * help of each of its sub-commands; undefined for an unknown command.
 */
export function helpFor(words: readonly string[]): string | undefined {
  if (words[0] === 'start') return commandHelp(START);
  const spec = findCommand(words);
  if (spec !== undefined) return commandHelp(spec);
  const family = words[0] === undefined ? [] : commandFamily(words[0]);
  return family.length === 0 ? undefined : family.map(commandHelp).join('\n');
}

/** topLevelHelp lists every command. */
export function topLevelHelp(): string {
  const commands = [START, ...COMMANDS].map((spec) => `  ${`raftkit ${spec.name}${spec.arguments === undefined ? '' : ` ${spec.arguments}`}`.padEnd(32)} ${spec.summary}`);
  return `raftkit — a replicated key-value store on Raft

Usage: raftkit <command> [flags]

Commands:
${commands.join('\n')}

  raftkit --version                print the version
  raftkit <command> --help         the command's flags, defaults and environment variables
`;
}
