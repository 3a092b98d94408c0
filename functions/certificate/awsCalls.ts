import { arn, changeRecords, EXAMPLE, type AwsCall, type AwsCallTable } from '../shared/awsCalls';

/** awsDeps.ts: both secrets (read and written), and the DNS-01 challenge record. */
export const awsCalls: AwsCallTable = (site) => {
  const secretCalls = (secretId: string, what: string): AwsCall[] => [
    {
      command: 'GetSecretValueCommand',
      action: 'secretsmanager:GetSecretValue',
      resource: secretId,
      why: `reads ${what}`,
    },
    {
      command: 'PutSecretValueCommand',
      action: 'secretsmanager:PutSecretValue',
      resource: secretId,
      why: `writes ${what}`,
    },
  ];
  const challenge = [`_acme-challenge.${site.env.JITSI_DOMAIN}`];
  // A deleted deployment's retained secrets, when configured: read only, while this one's are empty.
  const previous = (['PREVIOUS_CERTIFICATE_SECRET_ID', 'PREVIOUS_ACCOUNT_SECRET_ID'] as const)
    .filter((key) => site.env[key] !== undefined)
    .map((key): AwsCall => ({
      command: 'GetSecretValueCommand',
      action: 'secretsmanager:GetSecretValue',
      resource: site.env[key],
      why: `reads a deleted deployment's retained secret (${key}) to take it over`,
    }));
  return [
    ...secretCalls(site.env.CERTIFICATE_SECRET_ID, 'the certificate'),
    ...secretCalls(site.env.ACCOUNT_SECRET_ID, 'the ACME account key'),
    ...previous,
    changeRecords(site, { action: 'UPSERT', names: challenge, type: 'TXT' }, 'writes the challenge answer'),
    changeRecords(site, { action: 'DELETE', names: challenge, type: 'TXT' }, 'removes it'),
    {
      command: 'GetChangeCommand',
      action: 'route53:GetChange',
      resource: arn(site, 'route53', `change/${EXAMPLE.changeId}`, { region: '', account: '' }),
      why: 'waits for the change to be INSYNC',
    },
  ];
};
