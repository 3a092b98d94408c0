import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as acme from 'acme-client';
import {
  challengeRecordName,
  DAYS_LEFT_METRIC,
  renewCertificate,
  StoredCertificate,
  type CertificateDeps,
  type CertificateOptions,
  type DnsChallenge,
  type SecretStore,
} from '../../functions/certificate/renewCertificate';
import { probeFor } from '../../functions/shared/probeTrust';

/**
 * The certificate function against a real ACME server: pebble (Let's Encrypt's test CA), resolving the DNS-01
 * challenge through pebble-challtestsrv, which stands in for Route 53's authoritative answers. Ports 14100–14109.
 */
const PORTS = {
  acme: 14100,
  acmeManagement: 14101,
  http01: 14102,
  tls: 14103,
  dns: 14104,
  dnsManagement: 14105,
};
const DOMAIN = 'meet.example.com';
const DIRECTORY_URL = `https://127.0.0.1:${PORTS.acme}/dir`;
const CHALLTESTSRV = `http://127.0.0.1:${PORTS.dnsManagement}`;

let dir: string;
let caPem: string;
const children: ChildProcess[] = [];
const output: string[] = [];

function start(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => output.push(`${command}: ${d.toString()}`));
  child.stderr?.on('data', (d: Buffer) => output.push(`${command}: ${d.toString()}`));
  children.push(child);
  return child;
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** GET over HTTPS trusting only pebble's TLS certificate; the status, or an error while it is not up yet. */
function httpsGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: caPem }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

async function waitFor(what: string, probe: () => Promise<boolean>) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not come up:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The test's Route 53: writes the TXT answer into challtestsrv, which pebble asks. */
class ChallTestSrvDns implements DnsChallenge {
  readonly calls: { op: 'set' | 'remove'; name: string; value: string }[] = [];
  constructor(private readonly publish: (value: string) => string | undefined = (v) => v) {}

  async setTxt(name: string, value: string) {
    this.calls.push({ op: 'set', name, value });
    const published = this.publish(value);
    if (published === undefined) return; // a zone that never got the record
    await this.post('/set-txt', { host: `${name}.`, value: published });
  }

  async removeTxt(name: string, value: string) {
    this.calls.push({ op: 'remove', name, value });
    await this.post('/clear-txt', { host: `${name}.` });
  }

  private async post(path: string, body: unknown) {
    const res = await fetch(`${CHALLTESTSRV}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`challtestsrv ${path}: ${res.status}`);
  }
}

/** Secrets Manager, in memory: every write is kept, so a test can tell what was (not) written. */
class MemoryStore implements SecretStore {
  readonly values = new Map<string, string>();
  readonly puts: string[] = [];
  async get(id: string) {
    return this.values.get(id);
  }
  async put(id: string, value: string) {
    this.puts.push(id);
    this.values.set(id, value);
  }
}

const OPTIONS: CertificateOptions = {
  domain: DOMAIN,
  directoryUrl: DIRECTORY_URL,
  email: 'ops@example.com',
  certificateSecretId: 'certificate',
  accountSecretId: 'acme-account',
  renewBeforeDays: 30,
};

function world(dns = new ChallTestSrvDns(), now = () => new Date()) {
  const store = new MemoryStore();
  const logs: Record<string, unknown>[] = [];
  const deps: CertificateDeps = { store, dns, now, log: (e) => logs.push(e) };
  const stored = () => StoredCertificate.parse(JSON.parse(store.values.get('certificate')!));
  const daysMetrics = () => logs.filter((l) => DAYS_LEFT_METRIC in l).map((l) => l[DAYS_LEFT_METRIC]);
  return { store, dns, logs, deps, stored, daysMetrics };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pebble-'));
  // Debian's pebble ships no test certificate: make pebble's HTTPS certificate for the directory here.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=pebble',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'pipe' },
  );
  caPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${PORTS.acme}`,
        managementListenAddress: `127.0.0.1:${PORTS.acmeManagement}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: PORTS.http01,
        tlsPort: PORTS.tls,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  start('pebble-challtestsrv', [
    '-dns01',
    `127.0.0.1:${PORTS.dns}`,
    '-management',
    `127.0.0.1:${PORTS.dnsManagement}`,
    '-http01',
    '',
    '-https01',
    '',
    '-tlsalpn01',
    '',
  ]);
  start('pebble', ['-config', join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${PORTS.dns}`], {
    // No random validation delay, no rejected nonces, and never an authorization reused from an earlier
    // order: every order here really goes through the DNS-01 challenge.
    PEBBLE_VA_NOSLEEP: '1',
    PEBBLE_WFE_NONCEREJECT: '0',
    PEBBLE_AUTHZREUSE: '0',
  });
  await waitFor('pebble-challtestsrv', async () => (await fetch(`${CHALLTESTSRV}/`)).status > 0);
  await waitFor('pebble', async () => (await httpsGet(DIRECTORY_URL)).status === 200);
  // acme-client talks to the directory through its own axios instance: trust pebble's certificate there.
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: caPem });
}, 30_000);

afterAll(async () => {
  acme.axios.defaults.httpsAgent = undefined;
  await Promise.all(children.map(stop));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('first issuance: a real chain for *.<domain> from the CA, its notAfter parsed and stored', async () => {
  const w = world();
  const result = await renewCertificate(w.deps, OPTIONS);

  expect(result.action).toBe('issue');
  const stored = w.stored();
  expect(stored.domain).toBe(DOMAIN);
  const [leafPem, ...intermediates] = acme.crypto.splitPemChain(stored.certificate);
  const leaf = new X509Certificate(leafPem);
  expect(leaf.subjectAltName).toBe(`DNS:*.${DOMAIN}`);
  expect(stored.notAfter).toBe(new Date(leaf.validTo).toISOString());
  expect(result.notAfter).toBe(stored.notAfter);
  // The chain ends at pebble's root of this run, and the key is the leaf's.
  const root = new X509Certificate(
    (await httpsGet(`https://127.0.0.1:${PORTS.acmeManagement}/roots/0`)).body,
  );
  const chain = [leaf, ...intermediates.map((p) => new X509Certificate(p)), root];
  for (let i = 0; i + 1 < chain.length; i++) expect(chain[i].verify(chain[i + 1].publicKey)).toBe(true);
  expect(leaf.checkPrivateKey(createPrivateKey(stored.privateKey))).toBe(true);
  // DNS-01 at the base name, then cleaned up; the account key kept for the next run.
  expect(w.dns.calls.map((c) => [c.op, c.name])).toEqual([
    ['set', `_acme-challenge.${DOMAIN}`],
    ['remove', `_acme-challenge.${DOMAIN}`],
  ]);
  expect(JSON.parse(w.store.values.get('acme-account')!)).toMatchObject({
    privateKey: expect.stringContaining('PRIVATE KEY'),
  });
  expect(w.daysMetrics()).toHaveLength(1);
}, 60_000);

test('far from expiry: keeps the certificate, no ACME order, still publishes days until expiry', async () => {
  const w = world();
  const first = await renewCertificate(w.deps, OPTIONS);
  const before = w.store.values.get('certificate');
  const account = w.store.values.get('acme-account');
  w.dns.calls.length = 0;
  w.store.puts.length = 0;

  const again = await renewCertificate(w.deps, OPTIONS);

  expect(again).toMatchObject({ action: 'keep', notAfter: first.notAfter });
  expect(w.dns.calls).toEqual([]); // no challenge, hence no order
  expect(w.store.puts).toEqual([]);
  expect(w.store.values.get('certificate')).toBe(before);
  expect(w.store.values.get('acme-account')).toBe(account);
  expect(w.daysMetrics().at(-1)).toBeGreaterThan(30);
}, 60_000);

test('close to expiry: renews with the same account and stores the new certificate', async () => {
  const w = world();
  await renewCertificate(w.deps, OPTIONS);
  const account = w.store.values.get('acme-account');
  const old = w.stored();
  const soon = new Date(Date.now() + 10 * 86_400_000).toISOString();
  await w.store.put('certificate', JSON.stringify({ ...old, notAfter: soon }));
  w.dns.calls.length = 0;

  const result = await renewCertificate(w.deps, OPTIONS);

  expect(result.action).toBe('renew');
  const renewed = w.stored();
  expect(renewed.certificate).not.toBe(old.certificate);
  expect(renewed.privateKey).not.toBe(old.privateKey);
  expect(renewed.notAfter).toBe(
    new Date(new X509Certificate(acme.crypto.splitPemChain(renewed.certificate)[0]).validTo).toISOString(),
  );
  expect(Date.parse(renewed.notAfter)).toBeGreaterThan(Date.parse(soon));
  expect(w.store.values.get('acme-account')).toBe(account);
  expect(w.dns.calls.map((c) => c.op)).toEqual(['set', 'remove']);
}, 60_000);

test('the health probe trusts a chain to a non-public root (here pebble’s) only when that root is configured', async () => {
  // Issue 23 #1: with acmeDirectory=staging every probe failed this way, as Node trusts public roots only.
  const w = world();
  await renewCertificate(w.deps, OPTIONS);
  const { certificate, privateKey } = w.stored();
  const server = https.createServer({ cert: certificate, key: privateKey }, (req, res) =>
    res.writeHead(req.url === '/health' ? 200 : 404).end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const target = {
      address: '127.0.0.1',
      port: (server.address() as { port: number }).port,
      hostname: `m-1.${DOMAIN}`,
      path: '/health',
      timeoutMs: 5000,
    };
    const pebbleRoot = (await httpsGet(`https://127.0.0.1:${PORTS.acmeManagement}/roots/0`)).body;
    await expect(probeFor('production')(target)).rejects.toThrow('unable to get local issuer certificate');
    // Let's Encrypt's staging roots vouch for staging's chains, not for any other CA's.
    await expect(probeFor('staging')(target)).rejects.toThrow('unable to get local issuer certificate');
    await expect(probeFor('production', [pebbleRoot])(target)).resolves.toBe(200);
    await expect(probeFor('staging', [pebbleRoot])(target)).resolves.toBe(200);
    // The name is still checked: the root vouches for *.<domain>, not for another host.
    await expect(
      probeFor('production', [pebbleRoot])({ ...target, hostname: 'm-1.other.example' }),
    ).rejects.toThrow(/altnames/);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}, 60_000);

describe.each<[string, (value: string) => string | undefined, RegExp]>([
  ['never publishes the TXT record', () => undefined, /No TXT records found/],
  ['publishes a wrong value', () => 'not-the-key-authorization', /Correct value not found/],
])('a challenge that fails (the zone %s)', (_, publish, reason) => {
  test('leaves the old certificate in place, logs why and throws', async () => {
    const w = world(new ChallTestSrvDns(publish));
    const old = JSON.stringify({
      ...StoredCertificate.parse({
        certificate: readFileSync(join(dir, 'cert.pem'), 'utf8'),
        privateKey: readFileSync(join(dir, 'key.pem'), 'utf8'),
        notAfter: new Date(Date.now() + 5 * 86_400_000).toISOString(),
        domain: DOMAIN,
        directoryUrl: DIRECTORY_URL,
      }),
    });
    await w.store.put('certificate', old);

    await expect(renewCertificate(w.deps, OPTIONS)).rejects.toMatchObject({
      name: 'CertificateRenewalFailed',
    });

    expect(w.store.values.get('certificate')).toBe(old);
    expect(w.dns.calls.map((c) => [c.op, c.name])).toEqual([
      ['set', challengeRecordName(DOMAIN)],
      ['remove', challengeRecordName(DOMAIN)],
    ]);
    const failure = w.logs.find((l) => l.msg === 'certificate renewal failed');
    // The CA's own words: pebble looked the name up on the "zone" and did not find the key authorization.
    expect(failure).toMatchObject({
      level: 'ERROR',
      stage: 'renew',
      domain: DOMAIN,
      reason: expect.stringMatching(reason),
    });
    // The expiry alarm still sees the old certificate's days running out.
    const days = w.daysMetrics();
    expect(days).toHaveLength(1);
    expect(days[0]).toBeLessThan(14);
  }, 60_000);
});
