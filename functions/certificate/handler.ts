import { Route53Client } from '@aws-sdk/client-route-53';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { Route53Challenge, SecretsManagerStore } from './awsDeps';
import { telemetry } from '../shared/observability';
import { readCertificateConfig } from './config';
import { certificateLog } from './log';
import { renewCertificate, type CertificateDeps } from './renewCertificate';

const config = readCertificateConfig();
const { logger } = telemetry('certificate');
const deps: CertificateDeps = {
  store: new SecretsManagerStore(new SecretsManagerClient({})),
  dns: new Route53Challenge(new Route53Client({}), { hostedZoneId: config.HOSTED_ZONE_ID }),
  now: () => new Date(),
  log: certificateLog(logger),
};

const run = () =>
  renewCertificate(deps, {
    domain: config.JITSI_DOMAIN,
    directoryUrl: config.ACME_DIRECTORY,
    email: config.ACME_EMAIL,
    certificateSecretId: config.CERTIFICATE_SECRET_ID,
    accountSecretId: config.ACCOUNT_SECRET_ID,
    renewBeforeDays: config.RENEW_BEFORE_DAYS,
    previousCertificateSecretId: config.PREVIOUS_CERTIFICATE_SECRET_ID,
    previousAccountSecretId: config.PREVIOUS_ACCOUNT_SECRET_ID,
  });

/**
 * Daily from EventBridge, and as the onEvent handler of the deploy-time custom resource (custom-resources
 * Provider), so the first certificate exists before any meeting server boots. A throw fails the deployment
 * there, and counts in the Errors metric on the schedule.
 */
export async function handler(event: Partial<CloudFormationCustomResourceEvent> = {}, context?: Context) {
  if (context) logger.addContext(context);
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const result = await run();
  if (!event.RequestType) return result;
  return {
    PhysicalResourceId: `wildcard-certificate-${config.JITSI_DOMAIN}`,
    Data: { NotAfter: result.notAfter },
  };
}
