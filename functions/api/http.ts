/** The API's own view of an HTTP exchange, so the same code serves API Gateway and the local server. */
export interface ApiRequest {
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  query: Record<string, string | undefined>;
  body?: string;
  /** This API's own base URL (scheme and host), for the join links it hands out. */
  origin?: string;
  /** The OAuth scopes of the caller's token, once API Gateway's JWT authorizer verified it; else undefined. */
  scopes?: string[];
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function problem(
  statusCode: number,
  error: string,
  message: string,
  fields?: { field: string; message: string }[],
): ApiResponse {
  return json(statusCode, fields ? { error, message, fields } : { error, message });
}

/** 400 naming every bad field; the message lists them too, for a human reading a log line. */
export function validationProblem(
  fields: { field: string; message: string }[],
  message = fields.map((e) => `${e.field} ${e.message}`).join('; '),
): ApiResponse {
  return problem(400, 'ValidationError', message, fields);
}
