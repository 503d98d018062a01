import { coreThroughput } from './core-throughput.js';
import { readThroughput } from './read-throughput.js';

coreThroughput();
await readThroughput();
