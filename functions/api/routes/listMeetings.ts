import { MeetingStatus } from '../../shared/meeting';
import { BadPageToken } from '../../shared/store';
import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, validationProblem } from '../http';
import { meetingView } from '../meetingView';

/** GET /meetings: newest first, optionally of one status, a page at a time. */
export async function listMeetings(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const status = req.query.status;
  if (status !== undefined && !MeetingStatus.safeParse(status).success) {
    return validationProblem(
      [{ field: 'status', message: `must be one of ${MeetingStatus.options.join(', ')}` }],
      'status is not a meeting status',
    );
  }
  const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return validationProblem(
      [{ field: 'limit', message: 'must be a whole number from 1 to 100' }],
      'limit must be 1–100',
    );
  }
  try {
    const page = await deps.store.list({
      status: status as MeetingStatus | undefined,
      limit,
      nextToken: req.query.nextToken,
    });
    return json(200, {
      items: page.items.map((m) => meetingView(m, deps.config, req.origin)),
      nextToken: page.nextToken ?? null,
    });
  } catch (err) {
    if (err instanceof BadPageToken)
      return validationProblem([{ field: 'nextToken', message: err.message }], err.message);
    throw err;
  }
}
