import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { DnsChallenge, SecretStore } from './renewCertificate';

/** Secrets Manager: a secret without a value yet answers undefined. */
export class SecretsManagerStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async get(secretId: string): Promise<string | undefined> {
    try {
      return (await this.client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
    } catch (err) {
      // A secret with no version at all answers ResourceNotFoundException, like a missing one.
      if ((err as Error).name === 'ResourceNotFoundException') return undefined;
      throw err;
    }
  }

  async put(secretId: string, value: string): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  }
}

export interface Route53ChallengeOptions {
  hostedZoneId: string;
  /** Short, so a stale value is gone quickly; Let's Encrypt asks the authoritative servers anyway. */
  ttlSeconds?: number;
  pollIntervalMs?: number;
  /** Route 53 usually reports INSYNC within 60 s. */
  maxWaitMs?: number;
}

/**
 * DNS-01 answers in Route 53. A wildcard order has one authorization, so one TXT value at a time: UPSERT
 * replaces whatever a failed earlier run left behind. The function's IAM policy allows changes to this one
 * TXT name only.
 */
export class Route53Challenge implements DnsChallenge {
  constructor(
    private readonly client: Route53Client,
    private readonly options: Route53ChallengeOptions,
    private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  ) {}

  async setTxt(name: string, value: string): Promise<void> {
    const changeId = await this.change('UPSERT', name, value);
    await this.waitInSync(changeId);
  }

  async removeTxt(name: string, value: string): Promise<void> {
    try {
      await this.change('DELETE', name, value);
    } catch (err) {
      // Already gone (or replaced by a later value): nothing to clean up.
      if ((err as Error).name === 'InvalidChangeBatch') return;
      throw err;
    }
  }

  private async change(action: 'UPSERT' | 'DELETE', name: string, value: string): Promise<string> {
    const out = await this.client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: this.options.hostedZoneId,
        ChangeBatch: {
          Comment: 'ACME DNS-01 challenge for the meeting servers’ wildcard certificate',
          Changes: [
            {
              Action: action,
              ResourceRecordSet: {
                Name: name,
                Type: 'TXT',
                TTL: this.options.ttlSeconds ?? 60,
                // TXT values are quoted character-strings in Route 53's API.
                ResourceRecords: [{ Value: `"${value}"` }],
              },
            },
          ],
        },
      }),
    );
    const id = out.ChangeInfo?.Id;
    if (!id) throw new Error('Route 53 answered no change id');
    return id;
  }

  /** INSYNC: every Route 53 authoritative server answers the change. */
  private async waitInSync(changeId: string): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 5000;
    const deadline = Date.now() + (this.options.maxWaitMs ?? 180_000);
    for (;;) {
      const status = (await this.client.send(new GetChangeCommand({ Id: changeId }))).ChangeInfo?.Status;
      if (status === 'INSYNC') return;
      if (Date.now() > deadline)
        throw new Error(`Route 53 change ${changeId} not INSYNC in time (${status})`);
      await this.sleep(interval);
    }
  }
}
