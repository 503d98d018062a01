// `pnpm bench` runs every package's bench script through turbo; `pnpm bench NAME...` runs only
// the named benchmarks of bench/ (e.g. `pnpm bench resp`), which turbo cannot select by argument.
import { spawnSync } from 'node:child_process';

const names = process.argv.slice(2).filter((argument) => argument !== '--');
const [command, args] =
  names.length === 0 ? ['turbo', ['run', 'bench', '--concurrency=1']] : ['pnpm', ['--filter', '@raftkit/bench', 'bench', '--', ...names]];
const result = spawnSync(command, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
