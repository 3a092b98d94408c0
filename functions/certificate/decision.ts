import { z } from 'zod';

/**
 * What the certificate secret holds, and whether a stored certificate can serve (keep), must be renewed, or
 * issued, or can be reused from the ones this deployment kept: the pure half of renewCertificate.ts.
 */

/** One certificate: the leaf and its chain, its key, and where it came from. */
const CertificateFields = z.object({
  /** PEM: the leaf first, then the intermediates (what nginx's ssl_certificate wants). */
  certificate: z.string().includes('-----BEGIN CERTIFICATE-----'),
  privateKey: z.string().includes('PRIVATE KEY-----'),
  /** ISO-8601, UTC: the leaf's notAfter. */
  notAfter: z.iso.datetime(),
  /** The base domain: the certificate is for `*.<domain>`. */
  domain: z.string().min(1),
  /** The ACME directory that issued it, so a switch from staging to production replaces it at once. */
  directoryUrl: z.string().optional(),
});

/** At most this many certificates of other ACME directories are kept (one each; Secrets Manager holds 64 KB). */
export const MAX_KEPT_CERTIFICATES = 3;

/**
 * What the certificate secret holds. The meeting servers read `certificate` and `privateKey`
 * (infra/bootstrap/install-certificate.sh). `others`: valid certificates of the other ACME directories this
 * deployment used, so switching staging → production → staging reuses the staging one instead of issuing
 * again: Let's Encrypt allows 5 certificates for the same names a week
 * (https://letsencrypt.org/docs/rate-limits/#new-certificates-per-exact-set-of-identifiers).
 */
export const StoredCertificate = CertificateFields.extend({
  others: z
    .array(CertificateFields.required({ directoryUrl: true }))
    .max(MAX_KEPT_CERTIFICATES)
    .optional(),
});
export type StoredCertificate = z.infer<typeof StoredCertificate>;
export type KeptCertificate = NonNullable<StoredCertificate['others']>[number];

export type Decision =
  | { action: 'issue'; reason: string }
  | { action: 'renew'; reason: string; daysLeft: number }
  | { action: 'reuse'; reason: string; daysLeft: number; kept: KeptCertificate }
  | { action: 'keep'; daysLeft: number };

const DAY_MS = 86_400_000;

export const daysBetween = (from: Date, to: Date) => (to.getTime() - from.getTime()) / DAY_MS;

/**
 * Issue, renew, keep, or reuse a certificate kept from the directory switched back to. 30 days before expiry is Let's Encrypt's own advice for 90-day certificates (renew
 * at two thirds of the lifetime, https://letsencrypt.org/docs/faq/#what-is-the-lifetime-for-let-s-encrypt-certificates-for-how-long-are-they-valid);
 * with a daily run that leaves ~30 attempts before the old certificate expires.
 */
export function decide(
  stored: StoredCertificate | undefined,
  {
    now,
    domain,
    directoryUrl,
    renewBeforeDays,
  }: { now: Date; domain: string; directoryUrl: string; renewBeforeDays: number },
): Decision {
  if (!stored) return { action: 'issue', reason: 'no certificate stored yet' };
  if (stored.domain !== domain)
    return { action: 'issue', reason: `stored certificate is for *.${stored.domain}, not *.${domain}` };
  if (stored.directoryUrl !== undefined && stored.directoryUrl !== directoryUrl) {
    // A switch of directory: a certificate this deployment kept from that directory is reused if still good.
    const kept = (stored.others ?? []).find(
      (o) =>
        o.domain === domain &&
        o.directoryUrl === directoryUrl &&
        daysBetween(now, new Date(o.notAfter)) >= renewBeforeDays,
    );
    if (kept)
      return {
        action: 'reuse',
        reason: `a certificate from ${directoryUrl} was kept, valid until ${kept.notAfter}`,
        daysLeft: daysBetween(now, new Date(kept.notAfter)),
        kept,
      };
    return { action: 'issue', reason: `stored certificate comes from ${stored.directoryUrl}` };
  }
  const daysLeft = daysBetween(now, new Date(stored.notAfter));
  if (daysLeft < renewBeforeDays)
    return { action: 'renew', reason: `${daysLeft.toFixed(1)} days left (< ${renewBeforeDays})`, daysLeft };
  return { action: 'keep', daysLeft };
}

/**
 * The certificates to keep next to a new current one from `directoryUrl`: the previous current one and the kept
 * ones, for this domain, of other directories, not expired; one per directory (the newest first), at most
 * MAX_KEPT_CERTIFICATES.
 */
export function keptCertificates(
  previous: StoredCertificate | undefined,
  { now, domain, directoryUrl }: { now: Date; domain: string; directoryUrl: string },
): KeptCertificate[] {
  if (!previous) return [];
  const { others = [], ...current } = previous;
  const candidates = [current, ...others].filter(
    (c): c is KeptCertificate =>
      c.directoryUrl !== undefined &&
      c.directoryUrl !== directoryUrl &&
      c.domain === domain &&
      Date.parse(c.notAfter) > now.getTime(),
  );
  const byDirectory = new Map<string, KeptCertificate>();
  for (const c of candidates) if (!byDirectory.has(c.directoryUrl)) byDirectory.set(c.directoryUrl, c);
  return [...byDirectory.values()].slice(0, MAX_KEPT_CERTIFICATES);
}
