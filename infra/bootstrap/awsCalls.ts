import type { AwsCallTable } from '../../functions/shared/awsCalls';

/**
 * The meeting server's own calls, with the instance role (jitsi-bootstrap.sh): the certificate at boot. The
 * SSM agent's calls are AmazonSSMManagedInstanceCore's, an AWS managed policy the simulation does not hold.
 * CERTIFICATE_SECRET_ID is the setting renderUserData (userData.ts) writes.
 */
export const awsCalls: AwsCallTable = (site) => [
  {
    command: 'aws secretsmanager get-secret-value',
    action: 'secretsmanager:GetSecretValue',
    resource: site.env.CERTIFICATE_SECRET_ID,
    why: 'reads the wildcard certificate at boot',
  },
];
