import { silentTelemetry } from '../shared/observability';
import type { ApiDeps } from './deps';
import { type ApiRequest, type ApiResponse, problem } from './http';
import { route } from './router';
import { ROUTES } from './routes';

export type { ApiConfig, ApiDeps } from './deps';
export { consoleUrl, meetingView, roomLink } from './meetingView';

/** Handles one request: routes it; anything unexpected is logged and answered 500. */
export async function handleApiRequest(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  try {
    return await route(ROUTES, req, deps);
  } catch (err) {
    (deps.telemetry ?? silentTelemetry).logger.error('unhandled API error', {
      method: req.method,
      path: req.path,
      error: err as Error,
    });
    return problem(500, 'InternalError', 'something went wrong; retry with the same Idempotency-Key');
  }
}
