import { createHash, randomUUID } from 'node:crypto';
import jsonata from 'jsonata';

/**
 * JSONata in Step Functions ("Transforming data with JSONata in Step Functions",
 * https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html): a string `{% expr %}` in a
 * JSONata field is evaluated, every other value is literal (objects and arrays are walked). The npm `jsonata`
 * package is the language's reference implementation; AWS adds $partition, $range, $hash, $random, $uuid and
 * $parse, and removes $eval.
 */

/**
 * A failed or undefined JSONata evaluation (AWS's error name; Retry and Catch can match it). `location` is the
 * field as AWS names it in the EvaluationFailed event ("Output/result", "Arguments/FunctionName").
 */
export class QueryEvaluationError extends Error {
  constructor(
    message: string,
    readonly location?: string,
  ) {
    super(message);
    this.name = 'States.QueryEvaluationError';
  }
}

export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && /^\{%[\s\S]*%\}$/.test(value);
}

const compiled = new Map<string, jsonata.Expression>();

/** Compiles `{% expr %}` once (throws the JSONata syntax error: CreateStateMachine reports it). */
export function compile(expression: string): jsonata.Expression {
  let expr = compiled.get(expression);
  if (!expr) {
    expr = jsonata(expression.slice(2, -2));
    registerStepFunctionsFunctions(expr);
    compiled.set(expression, expr);
  }
  return expr;
}

/** The bindings an expression sees: `$states` and the workflow's variables. */
export interface Bindings {
  states: { input: unknown; result?: unknown; errorOutput?: unknown; context: unknown };
  variables: Record<string, unknown>;
}

/**
 * Evaluates a JSONata field: expressions anywhere in it, literals left as they are. `field` names it below the
 * state as AWS's causes do: `/` before each object key, `[i]` for each array index (`Arguments/Input/x`,
 * `Output/list[1]`, `Choices[0]/Assign/x`).
 */
export async function evaluate(template: unknown, bindings: Bindings, field: string): Promise<unknown> {
  if (isExpression(template)) {
    let value: unknown;
    try {
      value = await compile(template).evaluate(null, { ...bindings.variables, states: bindings.states });
    } catch (err) {
      const e = err as { message?: string; code?: string };
      throw new QueryEvaluationError(
        `An error occurred while evaluating ${field}: ${e.code ?? ''} ${e.message ?? ''}`.trim(),
        field,
      );
    }
    // "JSON cannot represent an undefined value" (transforming-data.html, "Handling expression errors"). AWS's
    // cause quotes the expression without its {% %}: "The JSONata expression '$states.input.pushLocation' specified
    // for the field 'Arguments/Input/pushLocation' returned nothing (undefined)." (an AWS cause quoted in
    // umccr/orcabus).
    if (value === undefined)
      throw new QueryEvaluationError(
        `The JSONata expression '${template.slice(2, -2).trim()}' specified for the field '${field}' returned nothing (undefined).`,
        field,
      );
    return toJson(value);
  }
  if (Array.isArray(template))
    return Promise.all(template.map((v, i) => evaluate(v, bindings, `${field}[${i}]`)));
  if (typeof template === 'object' && template !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = await evaluate(v, bindings, `${field}/${k}`);
    return out;
  }
  return template;
}

/** JSONata results may carry sequences and functions; the state's data is plain JSON. */
function toJson(value: unknown): unknown {
  if (typeof value === 'function') return {};
  return JSON.parse(JSON.stringify(value) ?? 'null') as unknown;
}

const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

function registerStepFunctionsFunctions(expr: jsonata.Expression): void {
  expr.registerFunction(
    'partition',
    (array: unknown[], size: number) => {
      const out: unknown[][] = [];
      for (let i = 0; i < array.length; i += size) out.push(array.slice(i, i + size));
      return out;
    },
    '<an:a>',
  );
  expr.registerFunction(
    'range',
    (start: number, end: number, step: number) => {
      const out: number[] = [];
      for (let i = start; step > 0 ? i <= end : i >= end; i += step) out.push(i);
      // A range of one number is that number, as a JSONata sequence of one (LocalStack's test_array_jsonata
      // snapshot, recorded against AWS: $range(1, 9, 9) gives 1, $range(0, 9, 3) gives [0,3,6,9]).
      return out.length === 1 ? out[0] : out;
    },
    '<nnn:x>',
  );
  expr.registerFunction(
    'hash',
    (data: string, algorithm: string) => {
      const name = HASHES[algorithm];
      if (!name) throw new QueryEvaluationError(`$hash: unknown algorithm ${algorithm}`);
      return createHash(name).update(data).digest('hex');
    },
    '<ss:s>',
  );
  expr.registerFunction('random', () => Math.random(), '<n?:n>');
  expr.registerFunction('uuid', () => randomUUID(), '<:s>');
  expr.registerFunction('parse', (text: string) => JSON.parse(text) as unknown, '<s:j>');
  expr.registerFunction('eval', () => {
    throw new QueryEvaluationError('$eval is not supported by Step Functions: use $parse');
  });
}
