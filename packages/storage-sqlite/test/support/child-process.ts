import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';

const childScript = fileURLToPath(new URL('./storage-child.ts', import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** StorageChild is a running `storage-child.ts` process. */
export interface StorageChild {
  readonly process: ChildProcess;
  /** Every line it printed so far. */
  readonly lines: string[];
  /** Resolves once it exited and its output is fully read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** startStorageChild runs `storage-child.ts` with `args`, calling `onLine` for each line it prints. */
export function startStorageChild(args: string[], onLine: (line: string, child: ChildProcess) => void = () => undefined): StorageChild {
  const child = spawn(process.execPath, ['--import', tsxLoader, '--conditions=@raftkit/source', childScript, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const reader = createInterface({ input: child.stdout! });
  reader.on('line', (line) => {
    lines.push(line);
    onLine(line, child);
  });
  const readerClosed = new Promise<void>((resolve) => reader.on('close', resolve));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => void readerClosed.then(() => resolve({ code, signal })));
  });
  return { process: child, lines, exited };
}
