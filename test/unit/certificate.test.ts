import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChangeResourceRecordSetsCommand, GetChangeCommand, Route53Client } from '@aws-sdk/client-route-53';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Route53Challenge, SecretsManagerStore } from '../../functions/certificate/awsDeps';
import { ACME_DIRECTORIES, readCertificateConfig } from '../../functions/certificate/config';
import {
  decide,
  parseLeaf,
  renewCertificate,
  type CertificateDeps,
  type StoredCertificate,
} from '../../functions/certificate/renewCertificate';

const DAY = 86_400_000;
const NOW = new Date('2030-01-01T00:00:00Z');
const DIRECTORY = 'https://acme.example/dir';
const stored = (daysLeft: number, over: Partial<StoredCertificate> = {}): StoredCertificate => ({
  certificate: '-----BEGIN CERTIFICATE-----\n…',
  privateKey: '-----BEGIN PRIVATE KEY-----\n…',
  notAfter: new Date(NOW.getTime() + daysLeft * DAY).toISOString(),
  domain: 'meet.example.com',
  directoryUrl: DIRECTORY,
  ...over,
});
const at = { now: NOW, domain: 'meet.example.com', directoryUrl: DIRECTORY, renewBeforeDays: 30 };

describe('decide', () => {
  test('issues when nothing is stored, or the stored one is for another domain or CA', () => {
    expect(decide(undefined, at)).toMatchObject({ action: 'issue', reason: 'no certificate stored yet' });
    expect(decide(stored(80, { domain: 'old.example.com' }), at)).toMatchObject({
      action: 'issue',
      reason: expect.stringContaining('*.old.example.com'),
    });
    // Staging → production must replace the untrusted staging certificate at once.
    expect(decide(stored(80, { directoryUrl: ACME_DIRECTORIES.staging }), at)).toMatchObject({
      action: 'issue',
    });
  });

  test('renews under 30 days left (and when already expired), keeps at 30 or more', () => {
    expect(decide(stored(29.99), at)).toMatchObject({ action: 'renew', daysLeft: 29.99 });
    expect(decide(stored(1), at)).toMatchObject({ action: 'renew' });
    expect(decide(stored(-3), at)).toMatchObject({ action: 'renew', daysLeft: -3 });
    expect(decide(stored(30), at)).toEqual({ action: 'keep', daysLeft: 30 });
    expect(decide(stored(89), at)).toEqual({ action: 'keep', daysLeft: 89 });
    expect(decide(stored(40), { ...at, renewBeforeDays: 45 })).toMatchObject({ action: 'renew' });
  });

  test('a certificate stored without its directory counts as from the configured one', () => {
    expect(decide(stored(60, { directoryUrl: undefined }), at)).toMatchObject({ action: 'keep' });
  });
});

describe('parseLeaf', () => {
  let dir: string;
  const makeCert = (days: number, san: string) => {
    const out = join(dir, `${days}-${san.replace(/\W/g, '_')}.pem`);
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-days', String(days), '-subj', '/CN=test', '-addext', `subjectAltName=${san}`],
        ...['-keyout', join(dir, 'key.pem'), '-out', out],
      ],
      { stdio: 'pipe' },
    );
    return readFileSync(out, 'utf8');
  };
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'cert-unit-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the leaf's notAfter, the first certificate of a chain", () => {
    const leaf = makeCert(90, 'DNS:*.meet.example.com');
    const other = makeCert(3, 'DNS:intermediate.example');
    const { notAfter } = parseLeaf(`${leaf}${other}`, 'meet.example.com');
    expect(Math.abs(notAfter.getTime() - (Date.now() + 90 * DAY))).toBeLessThan(120_000);
    expect(notAfter.getUTCMilliseconds()).toBe(0);
  });

  test('refuses a certificate that does not cover *.<domain>, and a chain with no certificate', () => {
    expect(() => parseLeaf(makeCert(90, 'DNS:meet.example.com'), 'meet.example.com')).toThrow(
      /does not cover \*\.meet\.example\.com/,
    );
    expect(() => parseLeaf(makeCert(90, 'DNS:*.other.example.com'), 'meet.example.com')).toThrow(/cover/);
    expect(() => parseLeaf('garbage', 'meet.example.com')).toThrow(/no PEM certificate/);
  });
});

describe('stored secrets', () => {
  const deps = (values: Record<string, string>) => {
    const puts: string[] = [];
    const logs: Record<string, unknown>[] = [];
    const d: CertificateDeps = {
      store: { get: async (id) => values[id], put: async (id) => void puts.push(id) },
      dns: {
        setTxt: async () => Promise.reject(new Error('no DNS expected')),
        removeTxt: async () => undefined,
      },
      now: () => NOW,
      log: (e) => logs.push(e),
    };
    return { d, puts, logs };
  };
  const options = {
    domain: 'meet.example.com',
    directoryUrl: DIRECTORY,
    email: 'ops@example.com',
    certificateSecretId: 'cert',
    accountSecretId: 'account',
    renewBeforeDays: 30,
  };

  test('a certificate secret of the wrong shape fails the run, names the field, and writes nothing', async () => {
    const { d, puts, logs } = deps({ cert: JSON.stringify({ ...stored(60), notAfter: 'soon' }) });
    await expect(renewCertificate(d, options)).rejects.toMatchObject({
      name: 'StoredSecretInvalid',
      message: expect.stringContaining('notAfter'),
    });
    expect(puts).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', stage: 'read' }));
  });

  test('keeping publishes days until expiry in embedded metric format', async () => {
    const { d, logs } = deps({ cert: JSON.stringify(stored(45)) });
    await expect(renewCertificate(d, options)).resolves.toMatchObject({ action: 'keep', daysLeft: 45 });
    expect(logs).toContainEqual({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [
          {
            Namespace: 'MeetingScheduler/Certificate',
            Dimensions: [['Domain']],
            Metrics: [{ Name: 'DaysUntilExpiry', Unit: 'Count' }],
          },
        ],
      },
      Domain: 'meet.example.com',
      DaysUntilExpiry: 45,
    });
  });
});

describe('configuration', () => {
  const env = {
    JITSI_DOMAIN: 'meet.example.com',
    HOSTED_ZONE_ID: 'Z0123456789EXAMPLE',
    ACME_EMAIL: 'ops@example.com',
    CERTIFICATE_SECRET_ID: 'arn:cert',
    ACCOUNT_SECRET_ID: 'arn:account',
  };

  test("production by default; staging; another CA's https directory", () => {
    expect(readCertificateConfig(env)).toMatchObject({
      ACME_DIRECTORY: 'https://acme-v02.api.letsencrypt.org/directory',
      RENEW_BEFORE_DAYS: 30,
    });
    expect(readCertificateConfig({ ...env, ACME_DIRECTORY: 'staging' }).ACME_DIRECTORY).toBe(
      'https://acme-staging-v02.api.letsencrypt.org/directory',
    );
    expect(
      readCertificateConfig({ ...env, ACME_DIRECTORY: 'https://127.0.0.1:14000/dir' }).ACME_DIRECTORY,
    ).toBe('https://127.0.0.1:14000/dir');
  });

  test('names each missing or bad variable', () => {
    expect(() => readCertificateConfig({ ...env, CERTIFICATE_SECRET_ID: undefined })).toThrow(
      /CERTIFICATE_SECRET_ID/,
    );
    expect(() => readCertificateConfig({ ...env, ACME_DIRECTORY: 'prod' })).toThrow(/ACME_DIRECTORY/);
    expect(() => readCertificateConfig({ ...env, ACME_DIRECTORY: 'http://acme.example/dir' })).toThrow(
      /ACME_DIRECTORY/,
    );
    expect(() => readCertificateConfig({ ...env, ACME_EMAIL: 'ops' })).toThrow(/ACME_EMAIL/);
    expect(() => readCertificateConfig({ ...env, JITSI_DOMAIN: '*.meet.example.com' })).toThrow(
      /JITSI_DOMAIN/,
    );
    expect(() => readCertificateConfig({ ...env, RENEW_BEFORE_DAYS: '0' })).toThrow(/RENEW_BEFORE_DAYS/);
  });
});

describe('AWS adapters', () => {
  test('Route 53: UPSERTs the quoted TXT value, then waits for INSYNC', async () => {
    const r53 = mockClient(Route53Client);
    r53.on(ChangeResourceRecordSetsCommand).resolves({
      ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: NOW },
    });
    r53
      .on(GetChangeCommand)
      .resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: NOW } })
      .resolves({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: NOW } });
    const sleeps: number[] = [];
    const dns = new Route53Challenge(
      new Route53Client({ region: 'us-east-1' }),
      { hostedZoneId: 'Z1', pollIntervalMs: 7 },
      async (ms) => void sleeps.push(ms),
    );
    await dns.setTxt('_acme-challenge.meet.example.com', 'abc');
    expect(r53.commandCalls(ChangeResourceRecordSetsCommand)[0].args[0].input).toEqual({
      HostedZoneId: 'Z1',
      ChangeBatch: {
        Comment: expect.any(String),
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: '_acme-challenge.meet.example.com',
              Type: 'TXT',
              TTL: 60,
              ResourceRecords: [{ Value: '"abc"' }],
            },
          },
        ],
      },
    });
    expect(r53.commandCalls(GetChangeCommand)).toHaveLength(2);
    expect(sleeps).toEqual([7]);
    r53.restore();
  });

  test('Route 53: removing a record that is already gone is fine; a change that never syncs fails', async () => {
    const r53 = mockClient(Route53Client);
    r53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(Object.assign(new Error('not found'), { name: 'InvalidChangeBatch' }))
      .resolves({ ChangeInfo: { Id: '/change/C2', Status: 'PENDING', SubmittedAt: NOW } });
    r53
      .on(GetChangeCommand)
      .resolves({ ChangeInfo: { Id: '/change/C2', Status: 'PENDING', SubmittedAt: NOW } });
    const dns = new Route53Challenge(
      new Route53Client({ region: 'us-east-1' }),
      { hostedZoneId: 'Z1', maxWaitMs: 0 },
      async () => undefined,
    );
    await expect(dns.removeTxt('_acme-challenge.meet.example.com', 'abc')).resolves.toBeUndefined();
    await expect(dns.setTxt('_acme-challenge.meet.example.com', 'abc')).rejects.toThrow(/not INSYNC/);
    r53.restore();
  });

  test('Secrets Manager: a secret without a value answers undefined; put writes the string', async () => {
    const sm = mockClient(SecretsManagerClient);
    sm.on(GetSecretValueCommand, { SecretId: 'empty' }).rejects(
      Object.assign(new Error('no value'), { name: 'ResourceNotFoundException' }),
    );
    sm.on(GetSecretValueCommand, { SecretId: 'full' }).resolves({ SecretString: '{"a":1}' });
    sm.on(GetSecretValueCommand, { SecretId: 'denied' }).rejects(
      Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    );
    const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'us-east-1' }));
    await expect(store.get('empty')).resolves.toBeUndefined();
    await expect(store.get('full')).resolves.toBe('{"a":1}');
    await expect(store.get('denied')).rejects.toThrow('denied');
    await store.put('full', 'x');
    expect(sm.commandCalls(PutSecretValueCommand)[0].args[0].input).toEqual({
      SecretId: 'full',
      SecretString: 'x',
    });
    sm.restore();
  });
});
