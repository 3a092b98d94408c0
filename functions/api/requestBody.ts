import type { ApiRequest, ApiResponse } from './http';
import { problem, validationProblem } from './http';

export type ParsedBody = { ok: true; body: unknown } | { ok: false; response: ApiResponse };

/**
 * The one place a request body becomes a value: too large → 413, not JSON → 400 naming `body`. What the value
 * must look like is each route's zod schema's business.
 */
export function readJsonBody(req: ApiRequest, maxBodyBytes: number): ParsedBody {
  if (Buffer.byteLength(req.body ?? '', 'utf8') > maxBodyBytes) {
    return {
      ok: false,
      response: problem(413, 'PayloadTooLarge', `body is larger than ${maxBodyBytes} bytes`),
    };
  }
  try {
    return { ok: true, body: JSON.parse(req.body ?? '') };
  } catch {
    return {
      ok: false,
      response: validationProblem(
        [{ field: 'body', message: 'must be a JSON object' }],
        'body is not valid JSON',
      ),
    };
  }
}
