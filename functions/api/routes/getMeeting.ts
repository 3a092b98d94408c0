import type { ApiDeps } from '../deps';
import { type ApiRequest, type ApiResponse, json, problem } from '../http';
import { executionState, meetingView } from '../meetingView';

/** GET /meetings/{id}: the record and what its execution is doing now. */
export async function getMeeting(
  req: ApiRequest,
  deps: ApiDeps,
  { id }: Record<string, string>,
): Promise<ApiResponse> {
  const record = await deps.store.get(id);
  if (!record) return problem(404, 'NotFound', 'no such meeting');
  return json(200, {
    ...meetingView(record, deps.config, req.origin),
    execution: await executionState(record, deps.sfn),
  });
}
