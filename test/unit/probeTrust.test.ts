import { createHash, X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { TaskEnv } from '../../functions/shared/awsTaskDeps';
import { readConfig } from '../../functions/shared/config';
import type { HttpsProbeTarget } from '../../functions/shared/httpsProbe';
import { LETS_ENCRYPT_STAGING_ROOTS } from '../../functions/shared/letsEncryptStaging';
import { probeFor, probeRoots } from '../../functions/shared/probeTrust';

/** Issue 23 #1: the health probe trusts Let's Encrypt's staging roots when, and only when, the stack uses staging. */
const FINGERPRINTS: Record<string, string> = {
  '(STAGING) Pretend Pear X1': 'e70570a989f8565aabdf7cae27abd1621872d6a3f811e3fef27e3dba02912198',
  '(STAGING) Bogus Broccoli X2': '9b2a339fe6a3e85585c4cd75536cb8c1cf7cd603b9a64bec2521858ae48da85d',
  '(STAGING) Yearning Yucca Root YE': 'b59bfc0ba52daf849853b7324a91e82f031db3397f35644157352cde6384b56c',
  '(STAGING) Yonder Yam Root YR': 'ef115fb59e040ff39d15fd8f3ef54063c704321d83cb081213272f77d3091672',
};
const TARGET: HttpsProbeTarget = {
  address: '192.0.2.1',
  hostname: 'm.meet.example.com',
  path: '/health',
  timeoutMs: 1,
};

describe("Let's Encrypt's staging roots", () => {
  test.each(Object.entries(LETS_ENCRYPT_STAGING_ROOTS))('%s: the published self-signed CA', (name, pem) => {
    const cert = new X509Certificate(pem);
    expect(cert.subject).toContain(`CN=${name}`);
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(true);
    expect(createHash('sha256').update(cert.raw).digest('hex')).toBe(FINGERPRINTS[name]);
    expect(Date.parse(cert.validTo)).toBeGreaterThan(Date.parse('2035-01-01'));
  });

  test("none of them is among Node's public roots (why a staging certificate failed every probe)", () => {
    const publicRoots = new Set(rootCertificates.map((pem) => new X509Certificate(pem).fingerprint256));
    for (const pem of Object.values(LETS_ENCRYPT_STAGING_ROOTS))
      expect(publicRoots.has(new X509Certificate(pem).fingerprint256)).toBe(false);
  });
});

describe('the probe’s trusted roots', () => {
  const recorder = () => {
    const seen: HttpsProbeTarget[] = [];
    const probe = (target: HttpsProbeTarget) => {
      seen.push(target);
      return Promise.resolve(200);
    };
    return { seen, probe };
  };

  test("production: Node's public roots alone (no ca option at all)", async () => {
    expect(probeRoots('production')).toBeUndefined();
    const { seen, probe } = recorder();
    await probeFor('production', [], probe)(TARGET);
    expect(seen).toEqual([TARGET]);
  });

  test("staging: Node's public roots plus the staging roots (ca replaces the defaults, so both are given)", async () => {
    const { seen, probe } = recorder();
    await probeFor('staging', [], probe)(TARGET);
    expect(seen[0].ca).toEqual([...rootCertificates, ...Object.values(LETS_ENCRYPT_STAGING_ROOTS)]);
    expect({ ...seen[0], ca: undefined }).toEqual({ ...TARGET, ca: undefined });
  });

  test('other roots are added to the same list; a target’s own ca still wins', async () => {
    const { seen, probe } = recorder();
    await probeFor('production', ['OTHER ROOT'], probe)(TARGET);
    await probeFor('staging', [], probe)({ ...TARGET, ca: 'TEST CA' });
    expect(seen[0].ca).toEqual([...rootCertificates, 'OTHER ROOT']);
    expect(seen[1].ca).toBe('TEST CA');
  });
});

describe('ACME_DIRECTORY in the task environment', () => {
  const env = {
    TABLE_NAME: 't',
    APP_TAG: 'a',
    LAUNCH_TEMPLATE_ID: 'lt-1',
    INSTANCE_TYPES: 't3.small',
    SUBNET_IDS: 'subnet-1',
    HOSTED_ZONE_ID: 'Z1',
  };
  test('absent means production; staging is read; anything else is refused naming the variable', () => {
    expect(readConfig(TaskEnv, env).ACME_DIRECTORY).toBe('production');
    expect(readConfig(TaskEnv, { ...env, ACME_DIRECTORY: 'staging' }).ACME_DIRECTORY).toBe('staging');
    expect(() => readConfig(TaskEnv, { ...env, ACME_DIRECTORY: 'Staging' })).toThrow(/ACME_DIRECTORY/);
  });
});
