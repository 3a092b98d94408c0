import * as acme from 'acme-client';
import { ACME_DIRECTORIES } from '../../functions/certificate/config';
import {
  decide,
  keptCertificates,
  MAX_KEPT_CERTIFICATES,
  type KeptCertificate,
  type StoredCertificate,
} from '../../functions/certificate/decision';
import {
  renewCertificate,
  StoredCertificate as StoredSchema,
  type CertificateDeps,
  type CertificateOptions,
} from '../../functions/certificate/renewCertificate';

/**
 * Issue 23 #3: a valid stored certificate of the same domain and ACME directory is reused, never issued again
 * (Let's Encrypt allows 5 certificates for the same names a week): across a staging ↔ production switch, and
 * after the stack was deleted (its retained secrets taken over).
 */
const DAY = 86_400_000;
const NOW = new Date('2030-01-01T00:00:00Z');
const DOMAIN = 'meet.example.com';
const { production: PRODUCTION, staging: STAGING } = ACME_DIRECTORIES;
const cert = (
  directoryUrl: string,
  daysLeft: number,
  over: Partial<KeptCertificate> = {},
): KeptCertificate => ({
  certificate: `-----BEGIN CERTIFICATE-----\n${directoryUrl} ${daysLeft}`,
  privateKey: `-----BEGIN PRIVATE KEY-----\n${directoryUrl} ${daysLeft}`,
  notAfter: new Date(NOW.getTime() + daysLeft * DAY).toISOString(),
  domain: DOMAIN,
  directoryUrl,
  ...over,
});
const at = (directoryUrl: string) => ({ now: NOW, domain: DOMAIN, directoryUrl, renewBeforeDays: 30 });

describe('decide: reuse of a kept certificate', () => {
  test('switching directory reuses a valid certificate kept from the one switched to', () => {
    const stored: StoredCertificate = { ...cert(STAGING, 80), others: [cert(PRODUCTION, 60)] };
    expect(decide(stored, at(PRODUCTION))).toEqual({
      action: 'reuse',
      reason: expect.stringContaining(PRODUCTION),
      daysLeft: 60,
      kept: cert(PRODUCTION, 60),
    });
  });

  test('a kept certificate near expiry, of another domain, or of a third directory is not reused: issue', () => {
    const pebble = 'https://127.0.0.1:14000/dir';
    for (const kept of [
      cert(PRODUCTION, 29),
      cert(PRODUCTION, -1),
      cert(PRODUCTION, 60, { domain: 'old.example.com' }),
      cert(pebble, 60),
    ])
      expect(decide({ ...cert(STAGING, 80), others: [kept] }, at(PRODUCTION))).toMatchObject({
        action: 'issue',
      });
  });

  test('without a switch the current certificate decides, whatever is kept', () => {
    const stored: StoredCertificate = { ...cert(STAGING, 10), others: [cert(PRODUCTION, 80)] };
    expect(decide(stored, at(STAGING))).toMatchObject({ action: 'renew', daysLeft: 10 });
    expect(decide({ ...stored, ...cert(STAGING, 50) }, at(STAGING))).toEqual({
      action: 'keep',
      daysLeft: 50,
    });
  });
});

describe('keptCertificates: what is kept next to a new current certificate', () => {
  test('the previous current one, when it is of another directory and not expired', () => {
    expect(keptCertificates(cert(STAGING, 70), at(PRODUCTION))).toEqual([cert(STAGING, 70)]);
    expect(keptCertificates(cert(PRODUCTION, 70), at(PRODUCTION))).toEqual([]); // replaced, not kept
    expect(keptCertificates(cert(STAGING, -1), at(PRODUCTION))).toEqual([]);
    expect(keptCertificates(cert(STAGING, 70, { domain: 'old.example.com' }), at(PRODUCTION))).toEqual([]);
    expect(keptCertificates(undefined, at(PRODUCTION))).toEqual([]);
  });

  test('one per directory (the current one first), at most MAX_KEPT_CERTIFICATES', () => {
    const dirs = ['https://a.example/dir', 'https://b.example/dir', 'https://c.example/dir'];
    const stored: StoredCertificate = {
      ...cert(STAGING, 70),
      others: [cert(STAGING, 20), ...dirs.map((d) => cert(d, 50))],
    };
    const kept = keptCertificates(stored, at(PRODUCTION));
    expect(kept).toHaveLength(MAX_KEPT_CERTIFICATES);
    expect(kept[0]).toEqual(cert(STAGING, 70));
    expect(new Set(kept.map((k) => k.directoryUrl)).size).toBe(kept.length);
  });
});

describe('renewCertificate reuses instead of ordering', () => {
  /** Secrets in memory; any ACME order fails at once (the directory does not answer), so a test sees one. */
  const world = (values: Record<string, string>) => {
    const logs: Record<string, unknown>[] = [];
    const dnsCalls: string[] = [];
    const deps: CertificateDeps = {
      store: {
        get: async (id) => values[id],
        put: async (id, value) => void (values[id] = value),
      },
      dns: {
        setTxt: async (name) => void dnsCalls.push(name),
        removeTxt: async (name) => void dnsCalls.push(name),
      },
      now: () => NOW,
      log: (e) => logs.push(e),
    };
    const current = () => StoredSchema.parse(JSON.parse(values.cert));
    return { deps, logs, dnsCalls, current, values };
  };
  const options = (directoryUrl: string, over: Partial<CertificateOptions> = {}): CertificateOptions => ({
    domain: DOMAIN,
    directoryUrl,
    email: 'ops@example.com',
    certificateSecretId: 'cert',
    accountSecretId: 'account',
    renewBeforeDays: 30,
    ...over,
  });

  test('staging → production → staging: each switch back reuses the kept certificate, no ACME order', async () => {
    const w = world({ cert: JSON.stringify({ ...cert(STAGING, 80), others: [cert(PRODUCTION, 60)] }) });

    await expect(renewCertificate(w.deps, options(PRODUCTION))).resolves.toEqual({
      action: 'reuse',
      notAfter: cert(PRODUCTION, 60).notAfter,
      daysLeft: 60,
    });
    expect(w.current()).toEqual({ ...cert(PRODUCTION, 60), others: [cert(STAGING, 80)] });

    await expect(renewCertificate(w.deps, options(STAGING))).resolves.toMatchObject({ action: 'reuse' });
    expect(w.current()).toEqual({ ...cert(STAGING, 80), others: [cert(PRODUCTION, 60)] });
    expect(w.dnsCalls).toEqual([]);
    expect(w.values.account).toBeUndefined(); // no ACME account was even needed
    expect(w.logs.filter((l) => 'DaysUntilExpiry' in l).map((l) => l.DaysUntilExpiry)).toEqual([60, 80]);
  });

  test('a new deployment takes over the retained certificate and account of a deleted one', async () => {
    const w = world({
      previousCert: JSON.stringify({ ...cert(PRODUCTION, 50), others: [cert(STAGING, 40)] }),
      previousAccount: JSON.stringify({
        privateKey: '-----BEGIN PRIVATE KEY-----\nold',
        createdAt: NOW.toISOString(),
      }),
    });
    const opts = options(PRODUCTION, {
      previousCertificateSecretId: 'previousCert',
      previousAccountSecretId: 'previousAccount',
    });

    await expect(renewCertificate(w.deps, opts)).resolves.toMatchObject({ action: 'reuse', daysLeft: 50 });
    expect(w.current()).toEqual({ ...cert(PRODUCTION, 50), others: [cert(STAGING, 40)] });
    expect(w.dnsCalls).toEqual([]);
    // Its own secret now holds it: the next run keeps it and reads the old one no more.
    delete w.values.previousCert;
    await expect(renewCertificate(w.deps, opts)).resolves.toMatchObject({ action: 'keep' });
  });

  test('a retained certificate near expiry is not taken over; the retained ACME account is, for the new order', async () => {
    const previousAccount = JSON.stringify({
      privateKey: '-----BEGIN PRIVATE KEY-----\nold',
      createdAt: NOW.toISOString(),
    });
    const dead = 'https://127.0.0.1:1/dir';
    const w = world({ previousCert: JSON.stringify(cert(dead, 5)), previousAccount });
    const opts = options(dead, {
      previousCertificateSecretId: 'previousCert',
      previousAccountSecretId: 'previousAccount',
    });
    // 5 days left: a new order is needed, which fails here (nothing listens at that directory; acme-client's
    // retries of a refused connection are turned off for this test).
    // acme-client's own setting (node_modules/acme-client/src/axios.js), not in its type declarations.
    const defaults = acme.axios.defaults as typeof acme.axios.defaults & {
      acmeSettings: { retryMaxAttempts: number };
    };
    const settings = defaults.acmeSettings;
    defaults.acmeSettings = { ...settings, retryMaxAttempts: 0 };
    try {
      await expect(renewCertificate(w.deps, opts)).rejects.toMatchObject({
        name: 'CertificateRenewalFailed',
      });
    } finally {
      defaults.acmeSettings = settings;
    }
    expect(w.logs).toContainEqual(expect.objectContaining({ msg: 'certificate renew' }));
    expect(w.values.account).toBe(previousAccount);
    expect(w.values.cert).toBeUndefined();
    expect(w.values.previousCert).toBe(JSON.stringify(cert(dead, 5))); // never written
    // No "days until expiry" for a certificate no server of this deployment serves.
    expect(w.logs.filter((l) => 'DaysUntilExpiry' in l)).toEqual([]);
  });
});
