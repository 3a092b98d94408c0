import type { AwsCallTable } from '../shared/awsCalls';
import { consoleOutput, describeInstances, upsertMeetingRecord } from '../shared/ec2FleetCalls';
import { tableCalls } from '../shared/storeCalls';

/** checkHealth.ts → Ec2Fleet.probe: the server's state and address, its DNS record, a failed bootstrap's reason. */
export const awsCalls: AwsCallTable = (site) => [
  ...tableCalls(site, ['GetItem', 'UpdateItem'], 'reads the meeting and marks it READY'),
  describeInstances("reads the server's state and address"),
  upsertMeetingRecord(site),
  consoleOutput(site),
];
