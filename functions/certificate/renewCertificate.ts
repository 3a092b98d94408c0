import { X509Certificate } from 'node:crypto';
import * as acme from 'acme-client';
import { z } from 'zod';
import {
  daysBetween,
  decide,
  type Decision,
  keptCertificates,
  type KeptCertificate,
  StoredCertificate,
} from './decision';
import { DAYS_LEFT_METRIC, METRIC_NAMESPACE } from './metric';

export { DAYS_LEFT_METRIC, METRIC_NAMESPACE };
export { daysBetween, decide, keptCertificates, StoredCertificate };
export type { Decision, KeptCertificate };

/**
 * One wildcard certificate for every meeting server, instead of one Let's Encrypt certificate per server at
 * boot: Let's Encrypt allows 50 new certificates per registered domain per 7 days
 * (https://letsencrypt.org/docs/rate-limits/#new-certificates-per-registered-domain), which would stop the
 * platform after ~50 meetings a week. A wildcard can only be validated over DNS-01
 * (https://letsencrypt.org/docs/challenge-types/#dns-01-challenge), so this function writes the challenge
 * TXT record itself, in the Route 53 zone of the meeting domain.
 */

/** The ACME account key: created once, reused on every run (new accounts are rate limited too). */
export const StoredAccount = z.object({
  privateKey: z.string().includes('PRIVATE KEY-----'),
  createdAt: z.iso.datetime(),
});
export type StoredAccount = z.infer<typeof StoredAccount>;

/** Secrets Manager, reduced to what this function needs. */
export interface SecretStore {
  /** The secret's current string, or undefined when it has no value yet. */
  get(secretId: string): Promise<string | undefined>;
  put(secretId: string, value: string): Promise<void>;
}

/** The DNS-01 side: Route 53 in AWS, pebble-challtestsrv in the tests. */
export interface DnsChallenge {
  /** Publishes the TXT value and resolves once the authoritative servers answer it (Route 53: INSYNC). */
  setTxt(name: string, value: string): Promise<void>;
  removeTxt(name: string, value: string): Promise<void>;
}

export interface CertificateDeps {
  store: SecretStore;
  dns: DnsChallenge;
  now: () => Date;
  /** One structured log line (JSON). Metrics go through it too, in CloudWatch embedded metric format. */
  log: (entry: Record<string, unknown>) => void;
}

export interface CertificateOptions {
  /** The base domain; the certificate is for `*.<domain>`. */
  domain: string;
  directoryUrl: string;
  /** The ACME account's contact. */
  email: string;
  certificateSecretId: string;
  accountSecretId: string;
  /** Renew when fewer days than this remain. */
  renewBeforeDays: number;
  /**
   * The secrets of an earlier deployment, kept when its stack was deleted (CDK context
   * retainedCertificateSecretArn / retainedAccountSecretArn): read only while this deployment's own are still
   * empty, so a valid certificate and the ACME account are taken over instead of made again.
   */
  previousCertificateSecretId?: string;
  previousAccountSecretId?: string;
}

export interface RenewResult {
  action: Decision['action'];
  notAfter: string;
  daysLeft: number;
}

/** The TXT record name of a DNS-01 challenge: a wildcard's lives at the base name (RFC 8555 §8.4). */
export const challengeRecordName = (domain: string) => `_acme-challenge.${domain}`;

/** The leaf's notAfter (the first certificate of a PEM chain), checked to cover `*.<domain>`. */
export function parseLeaf(chainPem: string, domain?: string): { notAfter: Date } {
  const leafPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(chainPem)?.[0];
  if (!leafPem) throw new Error('no PEM certificate in the chain');
  const leaf = new X509Certificate(leafPem);
  // validTo is OpenSSL's "Mar  1 12:00:00 2026 GMT"; Date.parse reads it (validToDate needs Node.js 22.10).
  const notAfter = new Date(Date.parse(leaf.validTo));
  if (Number.isNaN(notAfter.getTime())) throw new Error(`unreadable notAfter: ${leaf.validTo}`);
  if (domain !== undefined && leaf.checkHost(`probe.${domain}`) === undefined)
    throw new Error(`issued certificate does not cover *.${domain}`);
  return { notAfter };
}

/** A secret's JSON: undefined when it has no value yet or holds the empty placeholder `{}` CDK created it with. */
async function readJson<T>(
  store: SecretStore,
  secretId: string,
  schema: z.ZodType<T>,
): Promise<T | undefined> {
  const raw = await store.get(secretId);
  if (raw === undefined || raw.trim() === '' || raw.trim() === '{}') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new CertificateError('StoredSecretInvalid', `secret ${secretId} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new CertificateError(
      'StoredSecretInvalid',
      `secret ${secretId}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export class CertificateError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** "Days until expiry" as a CloudWatch embedded-metric-format line: the alarm's input. */
function publishDaysLeft(deps: CertificateDeps, domain: string, daysLeft: number) {
  deps.log({
    _aws: {
      Timestamp: deps.now().getTime(),
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['Domain']],
          Metrics: [{ Name: DAYS_LEFT_METRIC, Unit: 'Count' }],
        },
      ],
    },
    Domain: domain,
    [DAYS_LEFT_METRIC]: Math.round(daysLeft * 100) / 100,
  });
}

async function accountKey(deps: CertificateDeps, options: CertificateOptions): Promise<string> {
  const stored = await readJson(deps.store, options.accountSecretId, StoredAccount);
  if (stored) return stored.privateKey;
  const previous = options.previousAccountSecretId
    ? await readJson(deps.store, options.previousAccountSecretId, StoredAccount)
    : undefined;
  if (previous) {
    await deps.store.put(options.accountSecretId, JSON.stringify(previous));
    deps.log({ msg: 'reused ACME account key', from: options.previousAccountSecretId });
    return previous.privateKey;
  }
  // Stored before it is first used, so a run that fails later still reuses this account next time.
  const privateKey = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  const account: StoredAccount = { privateKey, createdAt: deps.now().toISOString() };
  await deps.store.put(options.accountSecretId, JSON.stringify(account));
  deps.log({ msg: 'created ACME account key', secretId: options.accountSecretId });
  return privateKey;
}

/** Orders `*.<domain>` over DNS-01 and answers the chain and its key. */
async function order(deps: CertificateDeps, options: CertificateOptions) {
  const client = new acme.Client({
    directoryUrl: options.directoryUrl,
    accountKey: await accountKey(deps, options),
  });
  // RSA 2048 for the served certificate: every Jitsi component and client accepts it.
  const [key, csr] = await acme.crypto.createCsr({ altNames: [`*.${options.domain}`] });
  const expectedName = challengeRecordName(options.domain);
  const recordName = (authz: { identifier: { value: string } }) => {
    const name = challengeRecordName(authz.identifier.value);
    // The function's IAM policy allows this one record name only; say so instead of an AccessDenied.
    if (name !== expectedName) throw new Error(`unexpected challenge name ${name}, expected ${expectedName}`);
    return name;
  };
  const chain = await client.auto({
    csr,
    email: options.email,
    termsOfServiceAgreed: true,
    challengePriority: ['dns-01'],
    // acme-client's own pre-check resolves the name through the local resolver, which can cache the
    // NXDOMAIN it saw before the record existed; setTxt already waits until Route 53 reports INSYNC, i.e.
    // every authoritative server answers the value (https://docs.aws.amazon.com/Route53/latest/APIReference/API_GetChange.html).
    skipChallengeVerification: true,
    challengeCreateFn: async (authz, challenge, keyAuthorization) => {
      if (challenge.type !== 'dns-01') throw new Error(`unexpected challenge type ${challenge.type}`);
      await deps.dns.setTxt(recordName(authz), keyAuthorization);
    },
    challengeRemoveFn: async (authz, _challenge, keyAuthorization) => {
      await deps.dns.removeTxt(recordName(authz), keyAuthorization);
    },
  });
  return { certificate: chain, privateKey: key.toString() };
}

/**
 * Keeps one certificate for `*.<domain>` in the certificate secret: issues it when there is none (or it is
 * for another domain or CA), renews it when fewer than `renewBeforeDays` remain, leaves it alone otherwise.
 * Any failure leaves the stored certificate as it was, logs why, and throws, so the function's Errors metric
 * (and its alarm) fire; "days until expiry" is published on every run that knows a certificate.
 */
export async function renewCertificate(
  deps: CertificateDeps,
  options: CertificateOptions,
): Promise<RenewResult> {
  const { domain } = options;
  let stored: StoredCertificate | undefined;
  try {
    stored = await readJson(deps.store, options.certificateSecretId, StoredCertificate);
  } catch (err) {
    fail(deps, options, 'read', err);
  }
  let adopted = false;
  if (!stored && options.previousCertificateSecretId) {
    try {
      stored = await readJson(deps.store, options.previousCertificateSecretId, StoredCertificate);
    } catch (err) {
      fail(deps, options, 'read previous', err);
    }
    adopted = stored !== undefined;
  }
  let decision = decide(stored, { ...options, now: deps.now() });
  if (adopted && decision.action === 'keep') {
    // The earlier deployment's certificate is still good: it becomes this deployment's, with no ACME order.
    const { certificate, privateKey, notAfter, domain: certDomain, directoryUrl } = stored!;
    decision = {
      action: 'reuse',
      reason: `taken over from ${options.previousCertificateSecretId}`,
      daysLeft: decision.daysLeft,
      kept: {
        certificate,
        privateKey,
        notAfter,
        domain: certDomain,
        directoryUrl: directoryUrl ?? options.directoryUrl,
      },
    };
  }
  if (decision.action === 'keep') {
    publishDaysLeft(deps, domain, decision.daysLeft);
    deps.log({ msg: 'certificate kept', domain, notAfter: stored!.notAfter, daysLeft: decision.daysLeft });
    return { action: 'keep', notAfter: stored!.notAfter, daysLeft: decision.daysLeft };
  }
  deps.log({
    msg: `certificate ${decision.action}`,
    domain,
    reason: decision.reason,
    directoryUrl: options.directoryUrl,
  });
  const others = keptCertificates(stored, { ...options, now: deps.now() });
  if (decision.action === 'reuse') {
    // No ACME order at all: the kept certificate becomes the current one, the current one is kept instead.
    const value: StoredCertificate = { ...decision.kept, ...(others.length ? { others } : {}) };
    try {
      await deps.store.put(options.certificateSecretId, JSON.stringify(value));
    } catch (err) {
      fail(deps, options, 'reuse', err);
    }
    publishDaysLeft(deps, domain, decision.daysLeft);
    deps.log({ msg: 'certificate stored', domain, action: 'reuse', notAfter: value.notAfter });
    return { action: 'reuse', notAfter: value.notAfter, daysLeft: decision.daysLeft };
  }
  try {
    const issued = await order(deps, options);
    const { notAfter } = parseLeaf(issued.certificate, domain);
    const value: StoredCertificate = {
      certificate: issued.certificate,
      privateKey: issued.privateKey,
      notAfter: notAfter.toISOString(),
      domain,
      directoryUrl: options.directoryUrl,
      ...(others.length ? { others } : {}),
    };
    await deps.store.put(options.certificateSecretId, JSON.stringify(value));
    const daysLeft = daysBetween(deps.now(), notAfter);
    publishDaysLeft(deps, domain, daysLeft);
    deps.log({ msg: 'certificate stored', domain, action: decision.action, notAfter: value.notAfter });
    return { action: decision.action, notAfter: value.notAfter, daysLeft };
  } catch (err) {
    // The old certificate is still in place and still valid for daysLeft: the expiry alarm keeps counting down.
    if (decision.action === 'renew' && !adopted) publishDaysLeft(deps, domain, decision.daysLeft);
    fail(deps, options, decision.action, err);
  }
}

function fail(deps: CertificateDeps, options: CertificateOptions, stage: string, err: unknown): never {
  const error = err instanceof Error ? err : new Error(String(err));
  deps.log({
    level: 'ERROR',
    msg: 'certificate renewal failed',
    domain: options.domain,
    stage,
    error: error.name,
    reason: error.message,
  });
  if (error instanceof CertificateError) throw error;
  throw new CertificateError('CertificateRenewalFailed', `${stage} *.${options.domain}: ${error.message}`);
}
