import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderUserData } from '../../infra/bootstrap/userData';
import { bootstrapFailureIn } from '../../functions/shared/ec2Fleet';
import { httpsStatus } from '../../functions/shared/httpsProbe';
import { makeConfigureRoot, prepareNginx, stopServices, type ConfigureRoot } from '../support/configureRoot';

const DOMAIN = 'meet.example.test';
const FQDN = `7d3c1a2b-0000-4000-8000-000000000001.${DOMAIN}`;
const ROOM = 'fedcba9876543210fedcba9876543210';
const PUBLIC_IP = '203.0.113.10';

/**
 * infra/bootstrap/jitsi-bootstrap.sh end to end, as the user data unpacks and runs it, in a temporary root:
 * its machine paths moved through settings.env, the instance metadata, `shutdown`, `hostnamectl`, `aws` and
 * `apt-get` answered by fakes that record what they were asked. The baked path runs the real configure-only
 * boot (test/support/configureRoot.ts); the apt path meets a held apt lock.
 */
function stage(root: ConfigureRoot, settings: Record<string, string>) {
  const opt = join(root.dir, 'opt');
  mkdirSync(opt);
  const lines = renderUserData({
    maxLifetimeMinutes: 720,
    certificateSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:meeting-scheduler/tls-AbCdEf',
  })
    .trimEnd()
    .split('\n');
  lines.pop(); // exec …/jitsi-bootstrap.sh: run below instead
  const unpack = spawnSync('bash', ['-c', lines.join('\n').replaceAll('/opt/meeting-scheduler', opt)], {
    encoding: 'utf8',
  });
  if (unpack.status !== 0) throw new Error(unpack.stderr);
  appendFileSync(
    join(opt, 'settings.env'),
    Object.entries(settings)
      .map(([k, v]) => `${k}='${v}'\n`)
      .join(''),
  );
  // The serial console the failure line goes to: written only when it exists and is writable, as on a server.
  writeFileSync(settings.CONSOLES, '');
  const bin = join(root.dir, 'boot-bin');
  mkdirSync(bin);
  const fakes: Record<string, string> = {
    // IMDSv2: a token, then the tags and addresses the bootstrap asks for.
    curl: `case "$*" in
  *'-X PUT'*) echo token ;;
  *tags/instance/hostname) echo '${FQDN}' ;;
  *tags/instance/roomName) echo '${ROOM}' ;;
  *placement/region) echo eu-west-1 ;;
  *public-ipv4) echo '${PUBLIC_IP}' ;;
  *) echo "fake curl: $*" >>"$FAKE_ROOT/network"; exit 22 ;;
esac`,
    hostnamectl: 'echo "$*" >>"$FAKE_ROOT/hostnamectl"',
    shutdown: 'echo "$*" >>"$FAKE_ROOT/shutdown"',
    'apt-get': 'echo "$*" >>"$FAKE_ROOT/apt-get"; exit 100',
    aws: 'echo "$*" >>"$FAKE_ROOT/aws"; printf "%s" "$CERTIFICATE_SECRET_JSON"',
  };
  for (const [name, body] of Object.entries(fakes)) {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const env = { ...root.env, PATH: `${bin}:${root.env.PATH}` };
  return {
    run: () =>
      new Promise<{ status: number | null; ms: number }>((resolve) => {
        const started = Date.now();
        const child = spawn(join(opt, 'jitsi-bootstrap.sh'), [], { env, stdio: 'ignore' });
        child.once('exit', (status) => resolve({ status, ms: Date.now() - started }));
      }),
  };
}

const read = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

describe('jitsi-bootstrap.sh on a baked image', () => {
  let root: ConfigureRoot;
  let result: { status: number | null; ms: number };

  beforeAll(async () => {
    root = await makeConfigureRoot(DOMAIN);
    prepareNginx(root, FQDN);
    const marker = join(root.dir, 'baked-image');
    writeFileSync(marker, 'jitsi-meet=2.0.5963-1\njicofo=1.0-756-1\nbaked=2026-12-03T03:20:00Z\n');
    const boot = stage(root, {
      BAKED_MARKER: marker,
      BOOTSTRAP_LOG: join(root.dir, 'bootstrap.log'),
      HOSTS_FILE: join(root.dir, 'hosts'),
      TLS_DIR: root.tlsDir,
      CONSOLES: join(root.dir, 'console'),
    });
    result = await boot.run();
  }, 60_000);

  afterAll(() => {
    if (root) stopServices(root);
  });

  test('configures and starts Jitsi for the meeting with no apt and no network but the certificate secret', async () => {
    const log = read(join(root.dir, 'bootstrap.log'));
    expect({ status: result.status, tail: log.split('\n').slice(-3) }).toEqual({
      status: 0,
      tail: expect.arrayContaining([`jitsi ready on ${FQDN}`]) as unknown as string[],
    });
    expect(log).toContain(
      'meeting-scheduler bootstrap: baked image (jitsi-meet=2.0.5963-1 jicofo=1.0-756-1 baked=2026-12-03T03:20:00Z)',
    );
    expect(existsSync(join(root.dir, 'apt-get'))).toBe(false);
    expect(existsSync(join(root.dir, 'network'))).toBe(false);
    expect(read(join(root.dir, 'aws'))).toMatch(/^secretsmanager get-secret-value --region eu-west-1 /);
    expect(read(join(root.dir, 'shutdown'))).toBe('-h +720 meeting server reached its maximum lifetime\n');
    expect(read(join(root.dir, 'hosts'))).toBe(`${PUBLIC_IP} ${FQDN}\n`);
    expect(read(join(root.dir, 'console'))).toBe('');
    const status = await httpsStatus({
      address: '127.0.0.1',
      port: root.httpsPort,
      hostname: FQDN,
      path: `/${ROOM}`,
      timeoutMs: 5000,
      ca: root.caPem,
    });
    expect(status).toBe(200);
  });
});

describe('jitsi-bootstrap.sh, apt fallback (no baked image)', () => {
  test('a held apt list lock: a bounded wait, then a console reason naming the path and the lock, and power off', async () => {
    const root = await makeConfigureRoot(DOMAIN);
    const lock = join(root.dir, 'lists.lock');
    const holder: ChildProcess = spawn(
      'python3',
      [
        '-c',
        'import fcntl,sys,time; f=open(sys.argv[1],"w"); fcntl.lockf(f, fcntl.LOCK_EX); print("held", flush=True); time.sleep(60)',
        lock,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    try {
      await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
      const console = join(root.dir, 'console');
      const boot = stage(root, {
        BAKED_MARKER: join(root.dir, 'no-marker'),
        BOOTSTRAP_LOG: join(root.dir, 'bootstrap.log'),
        HOSTS_FILE: join(root.dir, 'hosts'),
        TLS_DIR: root.tlsDir,
        CONSOLES: console,
        APT_LOCK_FILES: lock,
        APT_LOCK_WAIT_SECONDS: '2',
      });
      const result = await boot.run();
      expect(result.status).toBe(1);
      expect(result.ms).toBeLessThan(10_000);
      const reason = `apt fallback (no baked image): apt lock ${lock} still held after 2 s by pid ${holder.pid} (python3)`;
      expect(read(console)).toBe(`meeting-scheduler bootstrap failed: ${reason}\n`);
      // What the health check makes of the console output (functions/shared/ec2Fleet.ts).
      expect(bootstrapFailureIn(`[  12.3] cloud-init\n${read(console)}`)).toBe(
        `server bootstrap failed: ${reason}`,
      );
      expect(read(join(root.dir, 'shutdown')).split('\n')[1]).toMatch(
        /^-h now meeting-scheduler bootstrap failed/,
      );
      expect(existsSync(join(root.dir, 'apt-get'))).toBe(false); // never started while the lock was held
    } finally {
      holder.kill('SIGKILL');
      stopServices(root);
    }
  }, 60_000);
});
