import type { AwsCallTable } from '../shared/awsCalls';
import { terminateMeeting } from '../shared/ec2FleetCalls';
import { tableCalls } from '../shared/storeCalls';

/** teardownMeeting.ts → Ec2Fleet.terminate, and the meeting's outcome and server minutes. */
export const awsCalls: AwsCallTable = (site) => [
  ...tableCalls(site, ['GetItem', 'UpdateItem'], 'reads the meeting and records its end'),
  ...terminateMeeting(site),
];
