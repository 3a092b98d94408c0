import type { AwsCallTable } from '../shared/awsCalls';
import { describeInstances, launches, terminateMeeting } from '../shared/ec2FleetCalls';
import { tableCalls } from '../shared/storeCalls';

/** launchMeeting.ts: the meeting record, RunInstances, and the server it stops when a cancel won the race. */
export const awsCalls: AwsCallTable = (site) => [
  ...tableCalls(site, ['GetItem', 'UpdateItem'], 'reads and moves the meeting'),
  describeInstances('finds the server an earlier attempt started'),
  ...launches(site),
  ...terminateMeeting(site),
];
