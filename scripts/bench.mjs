// `pnpm bench` runs every package's bench script through turbo; `pnpm bench NAME...` runs only
// the named benchmarks of bench/ (e.g. `pnpm bench resp`), which turbo cannot select by argument.
// Benchmarks measure what users run, the built packages (`dist/`, nodes started as `dist/bin.js`),
// not the source through tsx (its loader thread alone costs a node ~50 MiB and some CPU), so the
// named path builds bench's dependencies first, as turbo's `^build` does for the whole run.
import { spawnSync } from 'node:child_process';

const names = process.argv.slice(2).filter((argument) => argument !== '--');
if (names.length > 0) {
  const built = spawnSync('turbo', ['run', 'build', '--filter=@raftkit/bench^...', '--output-logs=errors-only'], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const [command, args] =
  names.length === 0 ? ['turbo', ['run', 'bench', '--concurrency=1']] : ['pnpm', ['--filter', '@raftkit/bench', 'bench', '--', ...names]];
const result = spawnSync(command, args, { stdio: 'inherit' });
process.exit(result.status ?? 1);
