import { rootCertificates } from 'node:tls';
import { httpsStatus as defaultProbe, type httpsStatus, type HttpsProbeTarget } from './httpsProbe';
import { LETS_ENCRYPT_STAGING_ROOTS } from './letsEncryptStaging';

/** Which Let's Encrypt directory the stack's certificate comes from (CDK config `acmeDirectory`). */
export type AcmeDirectoryName = 'production' | 'staging';

/**
 * The CAs the health probe trusts. Node's `ca` option replaces its bundled public roots instead of adding to
 * them (https://nodejs.org/api/tls.html#tlscreatesecurecontextoptions, `ca`), so extra roots come with
 * tls.rootCertificates. Production: undefined, i.e. Node's public roots alone, as a browser would trust.
 * Staging: those plus Let's Encrypt's staging roots, else every probe fails "unable to get local issuer
 * certificate" and every meeting ends FAILED. `extraRootsPem`: any other CA's roots (a test's pebble).
 */
export function probeRoots(acmeDirectory: AcmeDirectoryName, extraRootsPem: readonly string[] = []) {
  const extra = [
    ...(acmeDirectory === 'staging' ? Object.values(LETS_ENCRYPT_STAGING_ROOTS) : []),
    ...extraRootsPem,
  ];
  return extra.length === 0 ? undefined : [...rootCertificates, ...extra];
}

/** The probe with `ca` bound (a target's own `ca` still wins); the probe itself when there is nothing to add. */
export function trustingProbe(probe: typeof httpsStatus, ca: string[] | undefined): typeof httpsStatus {
  if (!ca) return probe;
  return (target: HttpsProbeTarget) => probe({ ...target, ca: target.ca ?? ca });
}

/** The health check's probe for a stack whose certificate comes from `acmeDirectory` (plus any other roots). */
export function probeFor(
  acmeDirectory: AcmeDirectoryName,
  extraRootsPem: readonly string[] = [],
  probe: typeof httpsStatus = defaultProbe,
): typeof httpsStatus {
  return trustingProbe(probe, probeRoots(acmeDirectory, extraRootsPem));
}
