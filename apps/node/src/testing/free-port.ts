/**
 * freePort finds a loopback TCP port nothing listens on, for a node a launcher starts.
 */
import { createServer } from 'node:net';

/** Ports handed out in this process, so two nodes never get the same one. */
const handedOut = new Set<number>();

/**
 * freePort returns a port that was free when checked. It picks from below Linux's ephemeral range
 * (32768+), where outgoing connections take their local ports, so the port is unlikely to be taken
 * between this check and the node binding it.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}
