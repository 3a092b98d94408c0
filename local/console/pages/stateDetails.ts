import { allStates, type AslDefinition, type AslState } from '../asl';
import { html, type Html } from '../html';

/**
 * The fields that shape a state's data, by query language. JSONata states have Arguments and Output in place of
 * JSONPath's five (InputPath, Parameters, ResultSelector, ResultPath, OutputPath): "Transforming data with
 * JSONata in Step Functions", https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html.
 * Assign (Variables) is in both: "Passing data between states with variables",
 * https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html.
 */
const FIELDS = {
  JSONata: ['Arguments', 'Items', 'ItemSelector', 'Output', 'Assign'],
  JSONPath: [
    'InputPath',
    'Parameters',
    'ItemsPath',
    'ItemSelector',
    'ResultSelector',
    'ResultPath',
    'OutputPath',
    'Assign',
  ],
} as const;

type Field = (typeof FIELDS)[keyof typeof FIELDS][number];

/** The state's query language: its own QueryLanguage, else the machine's, else JSONPath (AWS's default). */
export function queryLanguageOf(state: AslState, machine: Pick<AslDefinition, 'QueryLanguage'>) {
  const own = state.QueryLanguage;
  const language = own ?? machine.QueryLanguage ?? 'JSONPath';
  return {
    language: language === 'JSONata' ? ('JSONata' as const) : ('JSONPath' as const),
    inherited: own === undefined,
  };
}

/** The variables a state assigns, its Choice rules' included (a rule may Assign too). */
export function assignedVariables(state: AslState): string[] {
  const names = new Set(Object.keys(state.Assign ?? {}));
  for (const rule of state.Choices ?? []) {
    const assign = rule.Assign;
    if (assign && typeof assign === 'object') for (const name of Object.keys(assign)) names.add(name);
  }
  return [...names];
}

const pretty = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));

/**
 * A state's data handling, for its row in the states table: the query language (and where it comes from), the
 * fields that language uses, the variables it assigns, and the Choice rules (Condition or Variable, Assign,
 * Output). Collapsed under a summary that says what there is, so a glance at the table finds the JSONata
 * states and the ones that set variables.
 */
export function stateDefinition(name: string, state: AslState, machine: AslDefinition): Html {
  const { language, inherited } = queryLanguageOf(state, machine);
  const present = (FIELDS[language] as readonly Field[]).filter((f) => state[f] !== undefined);
  const variables = assignedVariables(state);
  const rules = state.Type === 'Choice' ? (state.Choices ?? []) : [];
  const summary = [
    language,
    ...present.filter((f) => f !== 'Assign'),
    ...(variables.length ? [`assigns ${variables.map((v) => `$${v}`).join(', ')}`] : []),
  ].join(' · ');
  return html`<details id="def-${name}" data-query-language="${language}">
    <summary>${summary}</summary>
    <dl class="state-definition">
      <dt>Query language</dt>
      <dd>${language}${inherited ? ' (the machine’s)' : ''}</dd>
      ${present.map(
        (f) =>
          html`<dt>${f === 'Assign' ? 'Assign (variables)' : f}</dt>
            <dd><pre data-field="${f}">${pretty(state[f])}</pre></dd>`,
      )}
      ${
        rules.length
          ? html`<dt>Choices</dt>
              <dd><pre data-field="Choices">${pretty(rules)}</pre></dd>`
          : ''
      }
      ${
        state.Resource
          ? html`<dt>Resource</dt>
              <dd><code>${state.Resource}</code></dd>`
          : ''
      }
    </dl>
  </details>`;
}

/** The states of a machine with their definitions (the state machine page: no execution, so no status). */
export function definitionStatesTable(definition: AslDefinition): Html {
  const states = allStates(definition);
  return html`<table class="states">
    <thead>
      <tr>
        <th scope="col">State</th>
        <th scope="col">Type</th>
        <th scope="col">Definition</th>
      </tr>
    </thead>
    <tbody>
      ${Object.entries(states).map(
        ([name, state]) =>
          html`<tr id="state-${name}" data-state-row="${name}">
            <th scope="row">${name}</th>
            <td>${state.Type}</td>
            <td>${stateDefinition(name, state, definition)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
