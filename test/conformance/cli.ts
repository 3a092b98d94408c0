import { resolve } from 'node:path';
import { formatResult, loadSuite, runSuite } from './suite';

/**
 * npm run conformance -- --corpus DIR [--corpus DIR …] [--verbose]
 * Runs every case of each corpus directory on the local Step Functions API and prints the figures per suite.
 */
async function main(argv: string[]): Promise<number> {
  const dirs: string[] = [];
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--corpus' && argv[i + 1]) dirs.push(resolve(argv[++i]));
    else if (argv[i] === '--verbose') verbose = true;
    else {
      console.error(
        `unknown argument ${argv[i]}\nusage: npm run conformance -- --corpus DIR [--corpus DIR …] [--verbose]`,
      );
      return 2;
    }
  }
  if (dirs.length === 0) {
    console.error('usage: npm run conformance -- --corpus DIR [--corpus DIR …] [--verbose]');
    return 2;
  }
  for (const dir of dirs) {
    const suite = loadSuite(dir);
    const result = await runSuite(suite, (o) => {
      if (verbose) console.log(`${o.excluded ? 'SKIP' : o.passed ? 'ok  ' : 'FAIL'} ${o.id}`);
    });
    console.log(formatResult(result));
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
