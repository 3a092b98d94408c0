import { handleApiRequest } from '../functions/api/app';
import type { AwsLimits } from '../functions/shared/awsLimits';
import type { BootTime } from './boot';
import { VirtualClock } from './clock';
import { seededRandom } from './random';
import { summarize, type SimReport } from './report';
import { World } from './world';

export interface ScenarioOptions {
  lessons: number;
  /** 0: every lesson starts at the same minute; else starts spread evenly over this many minutes. */
  spreadMinutes: number;
  durationMinutes: number;
  /** Share of lessons nobody joins (the attendance check finds the room empty). */
  noShowShare: number;
  boot: BootTime;
  limits: AwsLimits;
  limitsName: string;
  seed: number;
  /** A line about every 10 virtual minutes (stderr in the CLI); none when omitted. */
  onProgress?: (line: string) => void;
}

/** One booking of the scenario. */
export interface Lesson {
  startAt: number;
  endAt: number;
  attends: boolean;
  /** 201: booked; 409: refused at booking (admission); anything else is a booking error. */
  status: number;
  meetingId?: string;
  /** When its launch was placed (the booking's answer). */
  launchAt?: number;
}

/** Virtual start of every run: bookings are made here, the first lesson starts an hour later. */
export const SIM_START = Date.parse('2027-03-01T14:00:00Z');

/**
 * Books the lessons through the API's own handler, then runs every execution to its end on the virtual clock,
 * and summarizes what happened. Math.random is the seeded generator while it runs.
 */
export async function runScenario(options: ScenarioOptions): Promise<SimReport> {
  const wallStart = performance.now();
  const random = seededRandom(options.seed);
  const realRandom = Math.random;
  Math.random = random;
  const clock = new VirtualClock(SIM_START);
  try {
    const lessons: Lesson[] = [];
    const byMeeting = new Map<string, Lesson>();
    const world = new World(clock, {
      limits: options.limits,
      boot: options.boot,
      random,
      participants: (meetingId, at) => {
        const l = byMeeting.get(meetingId);
        return l && l.attends && at >= l.startAt && at < l.endAt ? 2 : 0;
      },
    });
    let heapPeak = 0;
    const sampleHeap = () => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed));
    const drive = (done: () => boolean, deadline: number) =>
      clock.drive(done, {
        deadline,
        onMinute: (now) => {
          sampleHeap();
          if (options.onProgress && Math.floor(now / 60_000) % 10 === 0)
            options.onProgress(
              `${new Date(now).toISOString().slice(11, 16)} virtual · ${((performance.now() - wallStart) / 1000).toFixed(0)} s wall · ` +
                `${world.executionsStarted - countRunning(world)} of ${world.executionsStarted} executions ended · ` +
                `${world.ec2.vcpusInUse} vCPUs · ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MB heap`,
            );
        },
      });

    let started = false;
    const startWorld = world.start().then(() => (started = true));
    await drive(() => started, SIM_START + 60_000);
    await startWorld;

    // Bookings are made at 14:00 while the clock holds still: no launch is due before 14:50.
    const firstStart = SIM_START + 3600_000;
    const deps = world.apiDeps();
    let booked = false;
    const release = clock.hold();
    const booking = (async () => {
      try {
        for (let i = 0; i < options.lessons; i++) {
          const minute =
            options.spreadMinutes > 0 ? Math.floor((i * options.spreadMinutes) / options.lessons) : 0;
          const startAt = firstStart + minute * 60_000;
          const lesson: Lesson = {
            startAt,
            endAt: startAt + options.durationMinutes * 60_000,
            attends: random() >= options.noShowShare,
            status: 0,
          };
          const res = await handleApiRequest(
            {
              method: 'POST',
              path: '/meetings',
              headers: { 'content-type': 'application/json', 'idempotency-key': `sim-${options.seed}-${i}` },
              query: {},
              origin: 'https://api.example.com',
              body: JSON.stringify({
                teacherName: `Teacher ${i}`,
                studentName: `Student ${i}`,
                startTime: new Date(startAt).toISOString(),
                durationMinutes: options.durationMinutes,
              }),
            },
            deps,
          );
          lesson.status = res.statusCode;
          if (res.statusCode === 201) {
            const body = JSON.parse(res.body) as { id: string; launchAt: string };
            lesson.meetingId = body.id;
            lesson.launchAt = Date.parse(body.launchAt);
            byMeeting.set(lesson.meetingId, lesson);
          }
          lessons.push(lesson);
        }
      } finally {
        release();
        booked = true;
      }
    })();
    await drive(() => booked, SIM_START + 60_000);
    await booking;

    const lastEnd = Math.max(SIM_START, ...lessons.map((l) => l.endAt));
    await drive(() => world.allEnded(), lastEnd + world.timings.maxOverrunSeconds * 1000 + 6 * 3600_000);
    sampleHeap();
    return summarize({
      options,
      world,
      lessons,
      endedAt: clock.now(),
      wallSeconds: (performance.now() - wallStart) / 1000,
      heapPeakMb: heapPeak / 2 ** 20,
      clockSteps: clock.steps,
    });
  } finally {
    clock.uninstall();
    Math.random = realRandom;
  }
}

function countRunning(world: World): number {
  let n = 0;
  for (const e of world.executions()) if (e.status === 'RUNNING') n++;
  return n;
}
