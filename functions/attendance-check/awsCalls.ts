import type { AwsCallTable } from '../shared/awsCalls';
import { sendRoomCount } from '../shared/ec2FleetCalls';
import { tableCalls } from '../shared/storeCalls';

/** checkAttendance.ts and checkOccupancy.ts → Ec2Fleet.countParticipants: Run Command on the server. */
export const awsCalls: AwsCallTable = (site) => [
  ...tableCalls(site, ['GetItem', 'UpdateItem'], 'reads the meeting and records the count'),
  ...sendRoomCount(site),
];
