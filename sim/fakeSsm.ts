import { SSMServiceException } from '@aws-sdk/client-ssm';
import type { AwsLimits } from '../functions/shared/awsLimits';
import type { VirtualClock } from './clock';
import type { FakeEc2 } from './fakeEc2';
import { FakeService } from './fakeAws';
import type { CallMeter } from './meter';
import { Bucket } from './tokenBucket';

interface Invocation {
  instanceId: string;
  meetingId?: string;
  doneAt: number;
  stdout?: string;
}

export interface FakeSsmOptions {
  limits: AwsLimits;
  latencyMs: number;
  /** How long the room count command takes on the instance, in ms. */
  commandMs: number;
  /** People in the meeting's room at an instant (the scenario's attendance). */
  participants: (meetingId: string, at: number) => number;
}

/**
 * SSM Run Command as the room checks use it: SendCommand starts the count on the instance, GetCommandInvocation
 * answers InProgress until it has run, then Success with what roomCountCommand() prints on a real server
 * (roomOccupancy.ts): the module check, /room's body, the HTTP status (404 for an empty room). Each API has its
 * own request bucket of the AwsLimits.ssm size; a throttled call answers ThrottlingException.
 */
export class FakeSsm {
  private readonly service: FakeService;
  readonly buckets: { sendCommand: Bucket; getCommandInvocation: Bucket };
  private readonly invocations = new Map<string, Invocation>();
  private serial = 0;

  constructor(
    clock: VirtualClock,
    meter: CallMeter,
    private readonly ec2: FakeEc2,
    private readonly options: FakeSsmOptions,
  ) {
    this.service = new FakeService(clock, meter, SSMServiceException, options.latencyMs);
    const now = () => clock.now();
    this.buckets = {
      sendCommand: new Bucket('SendCommand', options.limits.ssm, now),
      getCommandInvocation: new Bucket('GetCommandInvocation', options.limits.ssm, now),
    };
  }

  private throttle = () => this.service.error('ThrottlingException', 'Rate exceeded', 400);

  operations() {
    return {
      SendCommand: (input: { InstanceIds?: string[] }) =>
        this.service.call('SendCommand', [[this.buckets.sendCommand, 1]], this.throttle, () => {
          const instanceId = input.InstanceIds?.[0] ?? '';
          const instance = this.ec2.instanceOf(instanceId);
          if (!instance || this.ec2.stateOf(instance) !== 'running')
            throw this.service.error('InvalidInstanceId', 'Instances not in a valid state for account', 400);
          const id = `00000000-0000-4000-8000-${(++this.serial).toString(16).padStart(12, '0')}`;
          // Answered once, so the map does not keep every invocation of a long run.
          this.invocations.set(id, {
            instanceId,
            meetingId: instance.meetingId,
            doneAt: this.service.clock.now() + this.options.commandMs,
          });
          return { Command: { CommandId: id, Status: 'Pending' } };
        }),
      GetCommandInvocation: (input: { CommandId?: string; InstanceId?: string }) =>
        this.service.call(
          'GetCommandInvocation',
          [[this.buckets.getCommandInvocation, 1]],
          this.throttle,
          () => {
            const inv = this.invocations.get(input.CommandId ?? '');
            if (!inv) throw this.service.error('InvocationDoesNotExist', 'Invocation does not exist', 400);
            const now = this.service.clock.now();
            if (now < inv.doneAt) return { Status: 'InProgress' };
            this.invocations.delete(input.CommandId ?? '');
            const people = inv.meetingId ? this.options.participants(inv.meetingId, inv.doneAt) : 0;
            return { Status: 'Success', StandardOutputContent: roomCountOutput(people) };
          },
        ),
    };
  }
}

/** What roomCountCommand()'s curl lines print for a room with `people` in it. */
export function roomCountOutput(people: number): string {
  if (people === 0) return 'ROOM_COUNT_MODULE:200\n\nHTTP_STATUS:404\n';
  const occupants = Array.from({ length: people }, (_, i) => ({ jid: `room@conference/p${i}` }));
  return `ROOM_COUNT_MODULE:200\n${JSON.stringify(occupants)}\nHTTP_STATUS:200\n`;
}
