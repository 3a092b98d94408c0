import { Route53ServiceException } from '@aws-sdk/client-route-53';
import type { AwsLimits } from '../functions/shared/awsLimits';
import type { VirtualClock } from './clock';
import { FakeService } from './fakeAws';
import type { CallMeter } from './meter';
import { Bucket } from './tokenBucket';

interface RecordSet {
  Name?: string;
  Type?: string;
  TTL?: number;
  ResourceRecords?: Array<{ Value?: string }>;
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

/**
 * Route 53's ChangeResourceRecordSets and ListResourceRecordSets against one hosted zone, sharing the account's
 * request bucket (AwsLimits.route53). A throttled call answers HTTP 400 with the code Throttling and the message
 * "Rate exceeded", as Route 53 does. PriorRequestNotComplete (a change to the same record still being applied)
 * is not modelled: every change is in sync at once.
 */
export class FakeRoute53 {
  private readonly service: FakeService;
  readonly bucket: Bucket;
  readonly records = new Map<string, RecordSet>();
  private changes = 0;

  constructor(clock: VirtualClock, meter: CallMeter, limits: AwsLimits, latencyMs: number) {
    this.service = new FakeService(clock, meter, Route53ServiceException, latencyMs);
    this.bucket = new Bucket('Route 53', limits.route53, () => clock.now());
  }

  private throttle = () => this.service.error('Throttling', 'Rate exceeded', 400);

  operations() {
    return {
      ChangeResourceRecordSets: (input: {
        ChangeBatch?: { Changes?: Array<{ Action?: string; ResourceRecordSet?: RecordSet }> };
      }) =>
        this.service.call('ChangeResourceRecordSets', [[this.bucket, 1]], this.throttle, () => {
          for (const change of input.ChangeBatch?.Changes ?? []) {
            const set = change.ResourceRecordSet ?? {};
            const key = bare(set.Name ?? '');
            if (change.Action === 'DELETE') {
              if (!this.records.has(key))
                throw this.service.error(
                  'InvalidChangeBatch',
                  `Tried to delete resource record set [name='${key}.', type='A'] but it was not found`,
                  400,
                );
              this.records.delete(key);
            } else this.records.set(key, { ...set, Name: `${key}.` });
          }
          return {
            ChangeInfo: { Id: `/change/C${++this.changes}`, Status: 'PENDING', SubmittedAt: new Date() },
          };
        }),
      ListResourceRecordSets: (input: { StartRecordName?: string }) =>
        this.service.call('ListResourceRecordSets', [[this.bucket, 1]], this.throttle, () => {
          const found = this.records.get(bare(input.StartRecordName ?? ''));
          return { ResourceRecordSets: found ? [found] : [], IsTruncated: false, MaxItems: 1 };
        }),
    };
  }
}
