import { directory } from 'acme-client';
import { z } from 'zod';
import { nonEmpty, positiveInt, readConfig } from '../shared/config';

/**
 * Let's Encrypt's two directories (https://letsencrypt.org/docs/staging-environment/): staging has far higher
 * rate limits and an untrusted root, for trying a deployment out. Any other https URL names another RFC 8555
 * CA (a local pebble, say).
 */
export const ACME_DIRECTORIES = {
  production: directory.letsencrypt.production,
  staging: directory.letsencrypt.staging,
} as const;

export const CertificateEnv = {
  JITSI_DOMAIN: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, 'must be a DNS domain like meet.example.com'),
  HOSTED_ZONE_ID: nonEmpty,
  ACME_EMAIL: z.email('must be the ACME account contact e-mail'),
  ACME_DIRECTORY: z
    .union([z.enum(['production', 'staging']), z.url({ protocol: /^https$/ })], {
      error: 'must be production, staging or an https ACME directory URL',
    })
    .default('production')
    .transform((d) => (d === 'production' || d === 'staging' ? ACME_DIRECTORIES[d] : d)),
  CERTIFICATE_SECRET_ID: nonEmpty,
  ACCOUNT_SECRET_ID: nonEmpty,
  RENEW_BEFORE_DAYS: positiveInt.default(30),
  /** An earlier deployment's retained secrets, taken over while this one's are empty (renewCertificate.ts). */
  PREVIOUS_CERTIFICATE_SECRET_ID: nonEmpty.optional(),
  PREVIOUS_ACCOUNT_SECRET_ID: nonEmpty.optional(),
};

export const readCertificateConfig = (env: Record<string, string | undefined> = process.env) =>
  readConfig(CertificateEnv, env);
export type CertificateConfig = ReturnType<typeof readCertificateConfig>;
