import type { Definition, State } from './definition';
import { SfnError } from './errors';
import { compile, isExpression } from './jsonata';
import { VARIABLE_NAME } from './variables';

/**
 * What CreateStateMachine refuses about QueryLanguage, as "Transforming data with JSONata in Step Functions"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html) describes it: a JSONata state
 * has Arguments and Output instead of the five JSONPath fields (InputPath, Parameters, ResultSelector,
 * ResultPath, OutputPath) and no `…Path` fields; a JSONPath state has no Arguments, Output, Items or
 * Condition; a state of a JSONata machine cannot go back to JSONPath; every `{% %}` must parse; variable names
 * follow "Passing data between states with variables" (a letter or underscore, then letters, digits, _).
 */
const JSONPATH_ONLY = [
  'InputPath',
  'Parameters',
  'ResultSelector',
  'ResultPath',
  'OutputPath',
  'ItemsPath',
  'SecondsPath',
  'TimestampPath',
  'ErrorPath',
  'CausePath',
  'TimeoutSecondsPath',
  'HeartbeatSecondsPath',
  'MaxConcurrencyPath',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentagePath',
];
const JSONATA_ONLY = ['Arguments', 'Output', 'Items'];
/** Fields whose strings may be `{% %}` in a JSONata state (literal values stay literal). */
const JSONATA_FIELDS = [
  'Arguments',
  'Output',
  'Assign',
  'Items',
  'ItemSelector',
  'Seconds',
  'Timestamp',
  'Error',
  'Cause',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'MaxConcurrency',
  'Condition',
];

function invalid(message: string): SfnError {
  return new SfnError(
    'InvalidDefinition',
    `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${message}'`,
  );
}

export function validateLanguage(definition: Definition): void {
  const machine = definition.QueryLanguage ?? 'JSONPath';
  if (machine !== 'JSONPath' && machine !== 'JSONata')
    throw invalid(`The value "${String(machine)}" is not a valid QueryLanguage at /QueryLanguage`);
  const visit = (scope: Definition, at: string) => {
    for (const [name, state] of Object.entries(scope.States ?? {})) {
      if (typeof state !== 'object' || state === null) continue;
      checkState(state, `${at}/States/${name}`, machine);
      (state.Branches ?? []).forEach((b, i) => visit(b, `${at}/States/${name}/Branches[${i}]`));
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) visit(processor, `${at}/States/${name}/ItemProcessor`);
    }
  };
  visit(definition, '');
}

function checkState(state: State, at: string, machine: string): void {
  const language = state.QueryLanguage ?? machine;
  if (language !== 'JSONPath' && language !== 'JSONata')
    throw invalid(`The value "${String(language)}" is not a valid QueryLanguage at ${at}/QueryLanguage`);
  if (machine === 'JSONata' && language === 'JSONPath')
    throw invalid(
      `The QueryLanguage of a state cannot be JSONPath in a JSONata state machine at ${at}/QueryLanguage`,
    );
  const rules = (state.Choices ?? []) as Array<Record<string, unknown>>;
  const catchers = (state.Catch ?? []) as Array<Record<string, unknown>>;
  const forbidden = language === 'JSONata' ? JSONPATH_ONLY : JSONATA_ONLY;
  for (const field of forbidden)
    if (field in state)
      throw invalid(`The field "${field}" is not supported in a ${language} state at ${at}/${field}`);
  catchers.forEach((c, i) => {
    const field = language === 'JSONata' ? 'ResultPath' : 'Output';
    if (field in c)
      throw invalid(
        `The field "${field}" is not supported in a ${language} state at ${at}/Catch[${i}]/${field}`,
      );
  });
  rules.forEach((r, i) => {
    if (language === 'JSONata' && !('Condition' in r))
      throw invalid(`A choice rule of a JSONata state needs a Condition at ${at}/Choices[${i}]`);
    if (language === 'JSONPath' && 'Condition' in r)
      throw invalid(
        `The field "Condition" is not supported in a JSONPath state at ${at}/Choices[${i}]/Condition`,
      );
  });
  for (const [i, assign] of [
    state.Assign,
    ...rules.map((r) => r.Assign),
    ...catchers.map((c) => c.Assign),
  ].entries()) {
    if (assign === undefined) continue;
    if (typeof assign !== 'object' || assign === null || Array.isArray(assign))
      throw invalid(`Assign must be a JSON object at ${at}/Assign`);
    for (const key of Object.keys(assign)) {
      const variable = language === 'JSONPath' && key.endsWith('.$') ? key.slice(0, -2) : key;
      if (!VARIABLE_NAME.test(variable) || variable === 'states')
        throw invalid(
          `The variable name "${key}" is not valid at ${at}/Assign${i ? ` (rule or catcher ${i})` : ''}`,
        );
    }
  }
  if (language === 'JSONata') {
    const templates = [
      ...JSONATA_FIELDS.map((f) => [f, state[f]] as const),
      ...rules.flatMap(
        (r, i) =>
          [
            [`Choices[${i}]/Condition`, r.Condition],
            [`Choices[${i}]/Assign`, r.Assign],
            [`Choices[${i}]/Output`, r.Output],
          ] as const,
      ),
      ...catchers.flatMap(
        (c, i) =>
          [
            [`Catch[${i}]/Assign`, c.Assign],
            [`Catch[${i}]/Output`, c.Output],
          ] as const,
      ),
    ];
    for (const [field, value] of templates) checkExpressions(value, `${at}/${field}`);
  }
}

/** Every `{% %}` in a value parses as JSONata. */
function checkExpressions(value: unknown, at: string): void {
  if (isExpression(value)) {
    try {
      compile(value);
    } catch (err) {
      const e = err as { message?: string; code?: string };
      throw invalid(
        `The JSONata expression '${value}' is not valid (${e.code ?? ''} ${e.message ?? ''}) at ${at}`,
      );
    }
  } else if (Array.isArray(value)) value.forEach((v, i) => checkExpressions(v, `${at}[${i}]`));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) checkExpressions(v, `${at}/${k}`);
}

/**
 * The definition with every state of a JSONata machine marked `QueryLanguage: "JSONata"` (states inherit the
 * machine's language), so each state carries its own language into the engine.
 */
export function withQueryLanguage(definition: Definition): Definition {
  if (definition.QueryLanguage !== 'JSONata') return definition;
  const mark = (scope: Definition): Definition => ({
    ...scope,
    States: Object.fromEntries(
      Object.entries(scope.States).map(([name, s]) => {
        const state: State = { QueryLanguage: 'JSONata', ...s };
        if (state.Branches) state.Branches = state.Branches.map(mark);
        if (state.ItemProcessor) state.ItemProcessor = mark(state.ItemProcessor);
        return [name, state];
      }),
    ),
  });
  return mark(definition);
}

/**
 * The definition as the ASL engine's schema validator (asl-validator) should see it. AWS takes any JSON value as
 * a JSONata state's Output or Arguments (a string, a number, null, an array: recorded in LocalStack's
 * outputdecl snapshots, tests/aws/services/stepfunctions/v2/outputdecl), the validator only an object or a
 * `{% %}` string; validateLanguage checks these fields itself, so the validator sees `{}` in their place.
 */
export function forSchemaValidator(definition: Definition): Definition {
  const plain = (v: unknown) => isExpression(v) || (typeof v === 'object' && v !== null && !Array.isArray(v));
  const fix = (scope: Definition, machineJsonata: boolean): Definition => ({
    ...scope,
    States: Object.fromEntries(
      Object.entries(scope.States ?? {}).map(([name, s]) => {
        if (typeof s !== 'object' || s === null) return [name, s];
        const state: State = { ...s };
        if (!(machineJsonata || isJsonataState(state))) {
          for (const field of PAYLOAD_TEMPLATES)
            if (field in state) state[field] = arrayItemsAccepted(state[field]);
          for (const list of ['Choices', 'Catch'])
            if (Array.isArray(state[list]))
              state[list] = (state[list] as Record<string, unknown>[]).map((r) =>
                'Assign' in r ? { ...r, Assign: arrayItemsAccepted(r.Assign) } : r,
              );
        }
        for (const field of ['Output', 'Arguments'])
          if (field in state && !plain(state[field])) state[field] = {};
        if (Array.isArray(state.Choices))
          state.Choices = state.Choices.map((r: Record<string, unknown>) =>
            'Output' in r && !plain(r.Output) ? { ...r, Output: {} } : r,
          );
        if (Array.isArray(state.Catch))
          state.Catch = state.Catch.map((c: Record<string, unknown>) =>
            'Output' in c && !plain(c.Output) ? { ...c, Output: {} } : c,
          );
        const inner = (d: Definition) => fix(d, machineJsonata);
        if (state.Branches) state.Branches = state.Branches.map(inner);
        if (state.ItemProcessor) state.ItemProcessor = inner(state.ItemProcessor);
        return [name, state];
      }),
    ),
  });
  return fix(definition, definition.QueryLanguage === 'JSONata');
}

/** A JSONPath state's payload templates (Parameters, ResultSelector, ItemSelector, Assign). */
const PAYLOAD_TEMPLATES = ['Parameters', 'ResultSelector', 'ItemSelector', 'Assign'];

function isJsonataState(state: State): boolean {
  return state.QueryLanguage === 'JSONata';
}

/**
 * A JSONPath payload template with the array items asl-validator refuses made acceptable to it. AWS takes any
 * JSON value as an item of a literal array in a JSONPath template: null, and strings that look like `{% %}`
 * (kept as plain strings: JSONPath does not evaluate them), as LocalStack's assign snapshots record
 * (test_assign_base.py, BASE_CONSTANT_LITERALS and BASE_VAR: `[null, …, "{% $varname %}", …]` accepted and
 * assigned as written). The validator's schema allows neither inside an array; it only sees this copy.
 */
function arrayItemsAccepted(template: unknown, inArray = false): unknown {
  if (Array.isArray(template)) return template.map((v) => arrayItemsAccepted(v, true));
  if (typeof template === 'object' && template !== null)
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, arrayItemsAccepted(v)]));
  if (!inArray) return template;
  if (template === null) return 0;
  if (
    typeof template === 'string' &&
    (template === '' || template.startsWith('{% ') || template.endsWith(' %}'))
  )
    return 'literal';
  return template;
}
