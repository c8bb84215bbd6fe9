import crypto from 'node:crypto';
import net from 'node:net';

/** A port that was free a moment ago (tests and `nurture dev` pick their own). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive ports that were free a moment ago, all below 32768: the
 * Temporal server stores its membership ports as a PostgreSQL smallint and refuses higher ones
 * (the kernel hands out ephemeral ports from 32768 up).
 */
export async function freePortRange(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + crypto.randomInt(12_000 - count);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isPortFree(base + i)));
    if (free.every(Boolean)) return base;
  }
}
