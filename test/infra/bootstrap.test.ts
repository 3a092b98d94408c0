import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOTSTRAP_FILES, renderUserData, USER_DATA_LIMIT_BYTES } from '../../infra/bootstrap/userData';
import {
  BOOTSTRAP_DIR,
  makeCertificate,
  NGINX_SITE,
  nginxConfFor,
  nginxTest,
  productionSiteValues,
  renderTemplate,
  tempDir,
} from '../support/realParts';

const FQDN = '3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b.meet.example.org';
const ROOM = '0123456789abcdef0123456789abcdef';

describe('render-template.sh', () => {
  test('replaces every marker with its value, literally (&, /, \\ and quotes included)', () => {
    const dir = tempDir('render');
    const template = join(dir, 't.conf');
    writeFileSync(template, 'a @@ONE@@ b @@TWO@@ c @@ONE@@\n');
    const out = renderTemplate(template, { ONE: `x&y/z\\w'"`, TWO: 2 });
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(`a x&y/z\\w'" b 2 c x&y/z\\w'"\n`);
  });

  test('fails naming a marker left without a value, and prints nothing to install', () => {
    const out = renderTemplate(NGINX_SITE, { FQDN });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/needs a value for [A-Z_]+/);
    expect(out.stdout).toBe('');
  });

  test('refuses a value with a newline (it could add a directive)', () => {
    const dir = tempDir('render');
    const template = join(dir, 't.conf');
    writeFileSync(template, 'server_name @@FQDN@@;\n');
    const out = renderTemplate(template, { FQDN: 'a.example.org;\n  location / {}' });
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/FQDN has a newline/);
  });
});

describe('the nginx site (infra/bootstrap/jitsi-site.nginx.conf) with the real nginx', () => {
  test('rendered with the values the bootstrap uses, it passes `nginx -t` inside Debian’s stock nginx.conf', () => {
    const dir = tempDir('nginx-t');
    const tls = makeCertificate(dir, [`*.meet.example.org`]);
    const rendered = renderTemplate(NGINX_SITE, productionSiteValues(FQDN, ROOM, tls));
    expect(rendered.stderr).toBe('');
    const site = join(dir, 'site.conf');
    writeFileSync(site, rendered.stdout);
    const result = nginxTest(dir, nginxConfFor(dir, site));
    expect(result.stderr).toMatch(/test is successful/);
    expect(result.status).toBe(0);
  });

  test('the check has teeth: the old sed patch of jitsi’s site (location after server_names_hash_bucket_size) fails nginx -t', () => {
    // jitsi-meet's doc/debian/jitsi-meet/jitsi-meet.example starts with this http-level line; the old bootstrap
    // appended a location after every line matching server_name, this one included.
    const dir = tempDir('nginx-t-old');
    const site = join(dir, 'site.conf');
    writeFileSync(
      site,
      'server_names_hash_bucket_size 64;\n    location = /health { proxy_pass http://127.0.0.1:8080/about/health; }\n',
    );
    const result = nginxTest(dir, nginxConfFor(dir, site));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/"location" directive is not allowed here/);
  });
});

describe('install-certificate.sh (the bootstrap’s certificate step) against fake secret values', () => {
  const SCRIPT = join(BOOTSTRAP_DIR, 'install-certificate.sh');
  const DAY = 86_400;
  const run = (dir: string, secret: string, minValidSeconds = DAY) =>
    spawnSync(SCRIPT, [FQDN, join(dir, 'tls'), String(minValidSeconds)], { input: secret, encoding: 'utf8' });
  const secretOf = (cert: { pem: string; key: string }, extra: object = {}) =>
    JSON.stringify({
      certificate: cert.pem,
      privateKey: readFileSync(cert.key, 'utf8'),
      notAfter: 'unused by the script',
      domain: '*.meet.example.org',
      ...extra,
    });

  test('installs a valid wildcard certificate and its key for nginx, the key readable by root only', () => {
    const dir = tempDir('cert-ok');
    const cert = makeCertificate(dir, ['*.meet.example.org'], 30);
    const out = run(dir, secretOf(cert));
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(readFileSync(join(dir, 'tls', 'fullchain.pem'), 'utf8').trim()).toBe(cert.pem.trim());
    expect(readFileSync(join(dir, 'tls', 'privkey.pem'), 'utf8')).toContain('PRIVATE KEY');
    const mode = spawnSync('stat', ['-c', '%a', join(dir, 'tls', 'privkey.pem')], { encoding: 'utf8' });
    expect(mode.stdout.trim()).toBe('600');
  });

  test.each([
    ['not JSON', () => 'not json', /the secret is not a JSON object/],
    [
      'no certificate',
      (c: { pem: string; key: string }) => secretOf(c, { certificate: '' }),
      /no certificate/,
    ],
    [
      'no private key',
      (c: { pem: string; key: string }) => secretOf(c, { privateKey: null }),
      /no privateKey/,
    ],
    [
      'a certificate that is not PEM',
      (c: { pem: string; key: string }) => secretOf(c, { certificate: 'x' }),
      /not PEM/,
    ],
  ])('refuses %s with a one-line reason', (_name, secret, reason) => {
    const dir = tempDir('cert-bad');
    const cert = makeCertificate(dir, ['*.meet.example.org'], 30);
    const out = run(dir, secret(cert));
    expect(out.status).not.toBe(0);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(reason);
    expect(existsSync(join(dir, 'tls', 'fullchain.pem'))).toBe(false);
  });

  test('refuses a certificate that expires before the server’s maximum lifetime is over', () => {
    const dir = tempDir('cert-short');
    const cert = makeCertificate(dir, ['*.meet.example.org'], 1);
    const out = run(dir, secretOf(cert), 2 * DAY);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/^certificate: expires too soon \(.+GMT\); renew it/);
  });

  test('refuses a certificate for another domain, and one whose key does not match', () => {
    const dir = tempDir('cert-name');
    const other = makeCertificate(dir, ['*.other.example.org'], 30, 'other');
    expect(run(dir, secretOf(other)).stderr).toMatch(`certificate: not valid for ${FQDN}`);
    const good = makeCertificate(dir, ['*.meet.example.org'], 30, 'good');
    const mismatched = JSON.stringify({
      ...JSON.parse(secretOf(good)),
      privateKey: readFileSync(other.key, 'utf8'),
    });
    expect(run(dir, mismatched).stderr).toMatch(/private key does not belong to the certificate/);
  });

  test('a refused renewal keeps the certificate installed before', () => {
    const dir = tempDir('cert-keep');
    const good = makeCertificate(dir, ['*.meet.example.org'], 30, 'good');
    expect(run(dir, secretOf(good)).status).toBe(0);
    const other = makeCertificate(dir, ['*.other.example.org'], 30, 'other');
    expect(run(dir, secretOf(other)).status).not.toBe(0);
    expect(readFileSync(join(dir, 'tls', 'fullchain.pem'), 'utf8').trim()).toBe(good.pem.trim());
  });
});

describe('user data', () => {
  const userData = renderUserData({
    maxLifetimeMinutes: 720,
    certificateSecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:meeting-scheduler/tls-AbCdEf',
  });

  test('writes every bootstrap file unchanged and the settings, then runs the bootstrap', () => {
    // The user data itself, run into a temporary folder instead of /opt/meeting-scheduler, without its last line.
    const target = tempDir('user-data');
    const lines = userData.trimEnd().split('\n');
    expect(lines.pop()).toBe('exec /opt/meeting-scheduler/jitsi-bootstrap.sh');
    const run = spawnSync('bash', ['-c', lines.join('\n').replaceAll('/opt/meeting-scheduler', target)], {
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const name of BOOTSTRAP_FILES) {
      expect(readFileSync(join(target, name), 'utf8')).toBe(readFileSync(join(BOOTSTRAP_DIR, name), 'utf8'));
    }
    const settings = readFileSync(join(target, 'settings.env'), 'utf8');
    expect(settings).toContain("MAX_LIFETIME_MINUTES='720'");
    expect(settings).toMatch(/CERTIFICATE_SECRET_ID='arn:aws:secretsmanager:[^']+'/);
    expect(spawnSync('test', ['-x', join(target, 'jitsi-bootstrap.sh')]).status).toBe(0);
  });

  test('is valid bash and fits EC2’s 16 KB user-data limit', () => {
    expect(spawnSync('bash', ['-n'], { input: userData }).status).toBe(0);
    expect(Buffer.byteLength(userData)).toBeLessThan(USER_DATA_LIMIT_BYTES);
  });

  test('every bootstrap script passes shellcheck', () => {
    const scripts = BOOTSTRAP_FILES.filter((f) => f.endsWith('.sh')).map((f) => join(BOOTSTRAP_DIR, f));
    const res = spawnSync('shellcheck', ['--severity=style', ...scripts], { encoding: 'utf8' });
    expect(res.error).toBeUndefined();
    expect(res.stdout).toBe('');
    expect(res.status).toBe(0);
  });
});

describe('wait-apt-locks.sh (the apt fallback’s wait for apt and dpkg)', () => {
  const SCRIPT = join(BOOTSTRAP_DIR, 'wait-apt-locks.sh');
  /** Holds an fcntl lock on `file` as apt-daily would (apt and dpkg lock with fcntl), until killed. */
  const holdLock = async (file: string): Promise<ChildProcess> => {
    const child = spawn(
      'python3',
      [
        '-c',
        'import fcntl,sys,time; f=open(sys.argv[1],"w"); fcntl.lockf(f, fcntl.LOCK_EX); print("held", flush=True); time.sleep(60)',
        file,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    return child;
  };
  const waitFor = (seconds: number, ...locks: string[]) =>
    new Promise<{ status: number | null; stderr: string; ms: number }>((resolve) => {
      const started = Date.now();
      const child = spawn(SCRIPT, [String(seconds), ...locks], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      child.once('exit', (status) => resolve({ status, stderr, ms: Date.now() - started }));
    });

  test('free (or absent) locks: returns at once', async () => {
    const dir = tempDir('apt-locks');
    writeFileSync(join(dir, 'lists.lock'), '');
    const result = await waitFor(30, join(dir, 'lists.lock'), join(dir, 'absent.lock'));
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.ms).toBeLessThan(5_000);
  });

  test('a lock held past the bound: fails within it, naming the lock and its holder', async () => {
    const dir = tempDir('apt-locks');
    const lists = join(dir, 'lists.lock');
    writeFileSync(join(dir, 'dpkg.lock'), '');
    const holder = await holdLock(lists);
    try {
      const result = await waitFor(2, join(dir, 'dpkg.lock'), lists);
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe(
        `apt lock ${lists} still held after 2 s by pid ${holder.pid} (python3)`,
      );
      expect(result.ms).toBeLessThan(4_000);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test('a lock let go during the wait: returns once it is free', async () => {
    const dir = tempDir('apt-locks');
    const lists = join(dir, 'lists.lock');
    const holder = await holdLock(lists);
    setTimeout(() => holder.kill('SIGKILL'), 1_500);
    const result = await waitFor(20, lists);
    expect(result).toMatchObject({ status: 0, stderr: '' });
    expect(result.ms).toBeGreaterThanOrEqual(1_000);
    expect(result.ms).toBeLessThan(10_000);
  });
});
