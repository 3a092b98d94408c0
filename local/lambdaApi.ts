import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalFunction } from './sfn/engine';

/**
 * The Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`) over the in-process task functions,
 * so that Step Functions Local (LAMBDA_ENDPOINT) runs the same code. Errors answer as Lambda does: 200 with
 * `X-Amz-Function-Error` and `{errorType, errorMessage}`, which Step Functions turns into the error name.
 */
export function lambdaApi(functions: Record<string, LocalFunction>) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const m = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(
      new URL(req.url ?? '/', 'http://x').pathname,
    );
    const name = m ? decodeURIComponent(m[1]) : '';
    const fn = Object.entries(functions).find(
      ([arn]) => arn === name || arn.endsWith(`:function:${name}`),
    )?.[1];
    if (req.method !== 'POST' || !fn) {
      res.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${name}` }));
      return;
    }
    let body = '';
    for await (const c of req) body += (c as Buffer).toString();
    try {
      const out = await fn(body ? JSON.parse(body) : {});
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out ?? null));
    } catch (err) {
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
      res.end(JSON.stringify({ errorType: (err as Error).name, errorMessage: (err as Error).message }));
    }
  };
}
