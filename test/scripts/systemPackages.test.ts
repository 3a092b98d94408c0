import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/realParts';

const ROOT = join(__dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'system-packages.sh');

/** "package command" pairs, from the script's own list (the one place they are kept). */
const listed = spawnSync('bash', [SCRIPT, 'list'], { encoding: 'utf8' })
  .stdout.trim()
  .split('\n')
  .map((line) => line.split(' ') as [string, string]);

/** Where a command is on this machine's PATH (every one is: `npm test` checked before running this). */
function locate(command: string): string {
  const found = spawnSync('bash', ['-c', `command -v "$1"`, 'locate', command], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`${command} is not on PATH`);
  return found.stdout.trim();
}

/** A folder to use as the whole PATH: links to these commands only, so any other command is "missing". */
function pathWith(commands: string[]): string {
  const bin = join(tempDir('path'), 'bin');
  mkdirSync(bin);
  for (const command of commands) symlinkSync(locate(command), join(bin, command));
  return bin;
}

/** Runs a command with nothing on PATH but the given folder. */
function run(bin: string, command: string, args: string[]) {
  return spawnSync(join(bin, command), args, {
    cwd: ROOT,
    env: { HOME: process.env.HOME, PATH: bin, CI: 'true' },
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
  });
}

const ALL = listed.map(([, command]) => command);
const without = (...absent: string[]) => ALL.filter((c) => !absent.includes(c));

describe('the system packages the tests need', () => {
  test('the list names each command with the Debian package that provides it', () => {
    expect(listed).toEqual(
      expect.arrayContaining([
        ['shellcheck', 'shellcheck'],
        ['awscli', 'aws'],
        ['chromium', 'chromium'],
        ['nginx', 'nginx'],
        ['prosody', 'prosody'],
        ['pebble', 'pebble-challtestsrv'],
      ]),
    );
  });

  test('with every command on PATH the check passes silently', () => {
    const res = run(pathWith(['bash', ...ALL]), 'bash', [SCRIPT, 'check']);
    expect({ status: res.status, stdout: res.stdout, stderr: res.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    });
  });

  test('a missing command fails the check, naming its package and the exact install command', () => {
    const res = run(pathWith(['bash', ...without('chromium', 'shellcheck', 'pebble-challtestsrv')]), 'bash', [
      SCRIPT,
      'check',
    ]);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      'The tests need system packages that are not installed: shellcheck chromium pebble',
    );
    expect(res.stderr).toContain('apt-get install -y --no-install-recommends shellcheck chromium pebble');
    expect(res.stderr).toMatch(/^\s+pebble\s+pebble-challtestsrv\s/m);
    // Only what is missing: a package whose commands are all there is not listed.
    expect(res.stderr).not.toMatch(/^\s+nginx\s/m);
  });

  test('npm test stops at once on a machine without chromium, before type checking or any test', () => {
    const res = run(pathWith(['bash', 'sh', 'node', 'npm', ...without('chromium')]), 'npm', ['test']);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('The tests need system packages that are not installed: chromium');
    expect(res.stderr).toContain('apt-get install -y --no-install-recommends chromium');
    // Nothing after the check ran: no tsc, eslint or jest output.
    expect(res.stdout + res.stderr).not.toMatch(/error TS|PASS|FAIL|Tests:/);
  });

  test('npm test runs the check first', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(scripts.test.startsWith('bash scripts/system-packages.sh check && tsc ')).toBe(true);
    expect(scripts.setup).toBe('bash scripts/system-packages.sh install');
  });

  test('without apt-get, setup names the packages to install some other way', () => {
    const res = run(pathWith(['bash', ...without('jq')]), 'bash', [SCRIPT, 'install']);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain(
      "apt-get not found: install these packages with your system's package manager: jq",
    );
  });
});
