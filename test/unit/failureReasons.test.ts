import { ACCOUNT_LIMIT_CLASSES, failureClass } from '../../functions/shared/metrics';
import { knownServers, teardownReason } from '../../functions/teardown/teardownMeeting';
import { describeEvery } from '../../functions/health-check/checkHealth';

describe('account limits in FAILED reasons (issue 20)', () => {
  test('the vCPU quota and throttling after the retries have classes of their own', () => {
    expect(failureClass('launch failed', 'VcpuLimitExceeded')).toBe('VcpuLimit');
    for (const name of [
      'RequestLimitExceeded',
      'ThrottlingException',
      'Throttling',
      'Lambda.TooManyRequestsException',
    ])
      expect({ name, cls: failureClass('health check failed', name) }).toEqual({ name, cls: 'Throttled' });
    expect(ACCOUNT_LIMIT_CLASSES).toEqual(['VcpuLimit', 'Throttled']);
    // Unchanged: other errors keep their classes.
    expect(failureClass('launch failed', 'NoCapacity')).toBe('NoCapacity');
    expect(failureClass('launch failed', 'UnauthorizedOperation')).toBe('LaunchFailed');
  });

  test('a throttled task’s reason says it was the rate limit, after the retries', () => {
    expect(
      teardownReason('launch failed', { Error: 'RequestLimitExceeded', Cause: 'Request limit exceeded.' }),
    ).toBe(
      'AWS rate limit still exceeded after the retries (RequestLimitExceeded; launch failed): Request limit exceeded.',
    );
    expect(
      teardownReason('launch failed', { Error: 'VcpuLimitExceeded', Cause: 'On-Demand vCPU quota reached' }),
    ).toBe('On-Demand vCPU quota reached');
  });
});

describe('teardown stops the servers the record knows', () => {
  const base = { instanceId: 'i-1', launchedAt: '2026-01-01T10:00:00Z' };
  test('by id once the launch settled; none when a teardown already stopped it; by tag before', () => {
    expect(knownServers({ ...base, status: 'IN_PROGRESS' })).toEqual(['i-1']);
    expect(knownServers({ ...base, status: 'READY' })).toEqual(['i-1']);
    expect(knownServers({ ...base, status: 'CANCELLED', terminatedAt: '2026-01-01T10:30:00Z' })).toEqual([]);
    // A newer server than the one stopped (rescheduled, launched again): that one.
    expect(knownServers({ ...base, status: 'READY', terminatedAt: '2026-01-01T09:00:00Z' })).toEqual(['i-1']);
    expect(knownServers({ ...base, status: 'LAUNCHING' })).toBeUndefined();
    expect(knownServers({ status: 'FAILED' })).toBeUndefined();
  });
});

describe('health probes describe the instance at most twice before it is healthy', () => {
  test('every half budget by default, or the plan’s own figure', () => {
    expect(describeEvery({ maxAttempts: 40 })).toBe(20);
    expect(describeEvery({ maxAttempts: 41 })).toBe(21);
    expect(describeEvery({ maxAttempts: 1 })).toBe(1);
    expect(describeEvery({ maxAttempts: 40, describeEveryProbes: 8 })).toBe(8);
    expect(describeEvery(undefined)).toBeUndefined();
  });
});
