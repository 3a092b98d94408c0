/**
 * The local stack with its data on a small tmpfs the parent test mounted (unshare: a private mount
 * namespace), driven over stdin: `fill` writes a file until the disk answers ENOSPC, `free` deletes it.
 */
import { openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FAST } from './harness';
import { startLocalStack } from '../../local/stack';

async function main() {
  const mount = process.argv[2];
  const filler = join(mount, 'filler');
  const stack = await startLocalStack({
    dataDir: join(mount, 'data'),
    timings: FAST,
    bootDelayMs: 500,
    maxLifetimeMs: 600_000,
    diskReserveBytes: 1024 * 1024,
  });
  console.log(`READY ${JSON.stringify({ apiUrl: stack.apiUrl, dynamodbUrl: stack.dynamodbUrl })}`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'fill') {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
      console.log('FILLED');
    } else if (line === 'free') {
      rmSync(filler);
      console.log('FREED');
    } else if (line === 'stop') {
      await stack.close();
      process.exit(0);
    }
  }
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
