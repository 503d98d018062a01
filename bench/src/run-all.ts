import { coreThroughput } from './core-throughput.js';

coreThroughput();
