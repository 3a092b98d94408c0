import { SFNClient, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MEETING_STATUSES } from '../../functions/shared/meeting';
import {
  type AwsLimits,
  DEFAULT_LAUNCH_RATE_SHARE,
  launchesPerMinute,
  PUBLISHED_LIMITS,
} from '../../functions/shared/awsLimits';
import { html, type Html } from './html';
import { warmUp } from './layout';
import { executionPage, executionPanel, graphOf, legend } from './pages/execution';
import { errorPage } from './pages/shell';
import { definitionStatesTable } from './pages/stateDetails';
import { parseDefinition } from './asl';
import { confirmPage, isExecutionOf, meetingPage } from './pages/meeting';
import { meetingsPage } from './pages/meetings';
import { DEFAULT_LOAD_HOURS, LOAD_HOURS, loadPage } from './pages/load';
import { launchLoad } from './launchLoad';
import { EXECUTION_STATUSES, stateMachinePage, stateMachinesPage } from './pages/stateMachines';
import { ApiError, MeetingsApi, type MeetingView } from './meetingsApi';
import { guardRequest, HttpError, readForm, sameToken, SECURITY_HEADERS } from './requestGuard';
import { StepFunctionsReader } from './stepFunctionsReader';

export interface ConsoleOptions {
  /** The meetings API (the local stack's apiUrl). */
  apiUrl: string;
  /** Any Step Functions endpoint: the local one, Step Functions Local, LocalStack… */
  sfnEndpoint: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Loopback only: the console has no login and can cancel meetings. */
  host?: '127.0.0.1' | '::1' | 'localhost';
  port?: number;
  now?: () => Date;
  /**
   * The account's RunInstances limits, for the "load ahead" chart's capacity line (default AWS's published
   * ones, functions/shared/awsLimits.ts), and the share of them launches are planned to use.
   */
  limits?: Pick<AwsLimits, 'runInstances' | 'runInstancesResources'> & Partial<Pick<AwsLimits, 'route53'>>;
  launchRateShare?: number;
}

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

const STATIC: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  [
    ['console.css', 'text/css; charset=utf-8'],
    ['console.js', 'text/javascript; charset=utf-8'],
    ['graph.js', 'text/javascript; charset=utf-8'],
  ].map(([file, type]) => [file, { type, body: readFileSync(join(__dirname, 'static', file)) }]),
);

const TERMINAL = ['COMPLETED', 'NO_SHOW', 'FAILED', 'CANCELLED'];
/** The load chart reads at most this many pages of 100 SCHEDULED meetings (10,000 meetings). */
const MAX_SCHEDULED_PAGES = 100;
const MEETING_ID = /^[A-Za-z0-9-]{1,64}$/;

/** The admin console: meetings through the meetings API, executions through the Step Functions API. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const host = options.host ?? '127.0.0.1';
  if (!['127.0.0.1', '::1', 'localhost'].includes(host))
    throw new Error(`console host must be loopback, not ${host}`);
  const sfn = new SFNClient({
    endpoint: options.sfnEndpoint,
    region: options.region ?? 'us-east-1',
    credentials: options.credentials ?? { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  void warmUp();
  const reader = new StepFunctionsReader(sfn);
  const meetings = new MeetingsApi(options.apiUrl);
  const now = options.now ?? (() => new Date());
  // A form token per console process: a page on another site cannot read it, so it cannot post our forms.
  const csrf = randomBytes(16).toString('hex');
  let origin = '';

  const routes = async (
    req: IncomingMessage,
    url: URL,
  ): Promise<{ status?: number; body: string } | string> => {
    const path = url.pathname;
    const q = (k: string) => url.searchParams.get(k) || undefined;
    if (req.method === 'GET' && path === '/') {
      const status = q('status');
      if (status && !(MEETING_STATUSES as readonly string[]).includes(status))
        throw new HttpError(400, `status must be one of ${MEETING_STATUSES.join(', ')}`);
      const list = await meetings.list({ status, nextToken: q('nextToken') });
      return meetingsPage(list.items, status, list.nextToken);
    }
    if (req.method === 'GET' && path === '/load') {
      const hours = Number(q('hours') ?? DEFAULT_LOAD_HOURS);
      if (!(LOAD_HOURS as readonly number[]).includes(hours))
        throw new HttpError(400, `hours must be one of ${LOAD_HOURS.join(', ')}`);
      const { items, truncated } = await allScheduled();
      const limits = options.limits ?? PUBLISHED_LIMITS;
      const share = options.launchRateShare ?? DEFAULT_LAUNCH_RATE_SHARE;
      const capacity = launchesPerMinute(limits, share);
      return loadPage({
        load: launchLoad(items, { now: now(), hours, capacity }),
        hours,
        truncated,
        note: {
          requestRefill: limits.runInstances.refillPerSecond,
          resourceRefill: limits.runInstancesResources.refillPerSecond,
          share,
        },
      });
    }
    if (req.method === 'GET' && path === '/state-machines') {
      return stateMachinesPage(options.sfnEndpoint, await reader.stateMachines());
    }
    if (req.method === 'GET' && path === '/state-machines/view') {
      const arn = required(q('arn'), 'arn');
      const status = q('status');
      if (status && !(EXECUTION_STATUSES as readonly string[]).includes(status))
        throw new HttpError(400, `status must be one of ${EXECUTION_STATUSES.join(', ')}`);
      const machine = await reader.describeStateMachine(arn);
      const graph = await graphOf(machine.definition!, new Map(), now(), `Definition of ${machine.name}`);
      const states = definitionStatesTable(parseDefinition(machine.definition!));
      const executions = await reader.executions(arn, status as ExecutionStatus | undefined, 200);
      return stateMachinePage({ machine, graph, legend: legend(), states, executions, status });
    }
    if (req.method === 'GET' && path === '/executions/view') {
      const arn = required(q('arn'), 'arn');
      const panel = await executionPanel(reader, arn, now());
      return executionPage(panel.execution.name ?? arn, panel.html, panel.running);
    }
    const m = /^\/meetings\/([^/]+)(?:\/(cancel|reschedule))?$/.exec(path);
    if (m) {
      const id = meetingIdOf(m[1]);
      const action = m[2] as 'cancel' | 'reschedule' | undefined;
      if (!action && req.method === 'GET') return meetingView(id, q('done'));
      if (action && req.method === 'GET') {
        const meeting = await meetings.get(id);
        const startTime = action === 'reschedule' ? required(q('startTime'), 'startTime') : undefined;
        return confirmPage({ meeting, action, csrf, startTime });
      }
      if (action && req.method === 'POST') return act(req, id, action);
    }
    throw new HttpError(404, `no page ${path}`);
  };

  /** Every SCHEDULED meeting, through the API's pages (the index has no order by launch time). */
  const allScheduled = async () => {
    const items: MeetingView[] = [];
    let nextToken: string | undefined;
    for (let pages = 0; pages < MAX_SCHEDULED_PAGES; pages++) {
      const list = await meetings.list({ status: 'SCHEDULED', limit: 100, nextToken });
      items.push(...list.items);
      nextToken = list.nextToken ?? undefined;
      if (!nextToken) return { items, truncated: false };
    }
    return { items, truncated: true };
  };

  const meetingView = async (id: string, done: string | undefined) => {
    const meeting = await meetings.get(id);
    let execution: Html | undefined;
    let running = false;
    let previous: Awaited<ReturnType<typeof reader.executions>> = [];
    if (meeting.executionArn) {
      try {
        const panel = await executionPanel(reader, meeting.executionArn, now());
        execution = panel.html;
        running = panel.running || !TERMINAL.includes(meeting.status);
        // Earlier revisions (only after a reschedule): the machine's executions named after this meeting's id.
        if (meeting.revision > 0) {
          previous = (await reader.executions(panel.execution.stateMachineArn!)).filter(
            (e) => isExecutionOf(meeting.id, e.name) && e.executionArn !== meeting.executionArn,
          );
        }
      } catch (err) {
        // Pointed at another Step Functions endpoint, the meeting's execution may not be there: say so.
        if (!/DoesNotExist$/.test((err as Error).name)) throw err;
        execution = html`<h2>Execution</h2>
          <p role="status">
            The Step Functions endpoint has no execution <code>${meeting.executionArn}</code>.
          </p>`;
      }
    }
    const notice =
      done === 'cancelled'
        ? 'The meeting was cancelled.'
        : done === 'rescheduled'
          ? `The meeting was rescheduled (revision ${meeting.revision}).`
          : undefined;
    return meetingPage({ meeting, execution, running, previous, notice });
  };

  const act = async (req: IncomingMessage, id: string, action: 'cancel' | 'reschedule') => {
    const form = await readForm(req);
    if (!sameToken(form.get('csrf') ?? '', csrf))
      throw new HttpError(403, 'the form is stale; open the page again');
    if (form.get('confirm') !== 'yes') throw new HttpError(400, 'confirm is required');
    const startTime =
      action === 'reschedule' ? required(form.get('startTime') ?? undefined, 'startTime') : undefined;
    try {
      if (action === 'cancel') await meetings.cancel(id);
      else await meetings.reschedule(id, startTime!);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 404) throw err;
      // The API's own reason (a field error, "already COMPLETED"…), on the confirmation page again.
      const meeting = await meetings.get(id);
      return {
        status: err.status,
        body: confirmPage({ meeting, action, csrf, startTime, error: err.message }),
      };
    }
    return {
      status: 303,
      body: `/meetings/${encodeURIComponent(id)}?done=${action === 'cancel' ? 'cancelled' : 'rescheduled'}`,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: string | Buffer, type = 'text/html; charset=utf-8', extra = {}) => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...extra });
      res.end(body);
    };
    try {
      guardRequest(req, origin);
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname === '/favicon.ico') return send(204, '', 'image/x-icon');
      const file = /^\/static\/([a-z.]+)$/.exec(url.pathname);
      if (file) {
        const asset = STATIC[file[1]];
        if (!asset) throw new HttpError(404, 'no such file');
        return send(200, asset.body, asset.type);
      }
      const out = await routes(req, url);
      if (typeof out === 'string') return send(200, out);
      if (out.status === 303) return send(303, '', 'text/plain', { location: out.body });
      return send(out.status ?? 200, out.body);
    } catch (err) {
      const [status, message] = describeError(err);
      if (status >= 500) console.error('console error', err);
      send(status, errorPage(status, message));
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  origin = `http://${host === '::1' ? '[::1]' : host}:${address.port}`;
  return {
    url: origin,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      sfn.destroy();
    },
  };
}

/** The meeting id of a path segment; a malformed escape (`%ZZ`, URIError) is the caller's mistake, not ours. */
function meetingIdOf(segment: string): string {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'the meeting id in the path is not a valid percent-encoded string');
  }
  if (!MEETING_ID.test(id)) throw new HttpError(404, 'no such meeting');
  return id;
}

function required(value: string | undefined, field: string): string {
  if (!value || !value.trim()) throw new HttpError(400, `${field} is required`);
  return value.trim();
}

function describeError(err: unknown): [number, string] {
  if (err instanceof HttpError) return [err.status, err.message];
  if (err instanceof ApiError)
    return [err.status < 500 ? err.status : 502, `The meetings API answered ${err.status}: ${err.message}`];
  const name = (err as Error)?.name ?? '';
  if (/DoesNotExist$/.test(name) || name === 'InvalidArn')
    return [404, `Step Functions: ${name}: ${(err as Error).message}`];
  if (name === 'ValidationException') return [400, `Step Functions: ${(err as Error).message}`];
  return [
    502,
    `Could not read from the meetings API or Step Functions: ${(err as Error)?.message ?? String(err)}`,
  ];
}
