import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { allStates, parseDefinition, type AslDefinition } from '../asl';
import { definitionGraph } from '../graphModel';
import { html, trusted, type Html } from '../html';
import { cachedLayout } from '../layout';
import { STATUS_LOOK } from '../palette';
import type { StepFunctionsReader } from '../stepFunctionsReader';
import { stateRuns, STATE_STATUSES, type StateRun } from '../stateStatus';
import { renderGraph, statusText } from '../svg';
import { graphViewer } from './graphViewer';
import { page, prettyJson, statusBadge, when } from './shell';
import { stateDefinition } from './stateDetails';

export function legend(): Html {
  return html`<ul class="legend" aria-label="Legend">
    ${STATE_STATUSES.map(
      (s) =>
        html`<li class="node st-${s}">
          <span class="swatch" aria-hidden="true"></span>${STATUS_LOOK[s].icon} ${STATUS_LOOK[s].label}
        </li>`,
    )}
    <li class="edge-key edge-catch">- - → Catch</li>
    <li class="edge-key edge-choice">→ Choice rule</li>
  </ul>`;
}

/** A definition's graph, every state coloured by the runs given (none: all "not reached"). */
export async function graphOf(definitionText: string, runs: Map<string, StateRun>, now: Date, title: string) {
  const definition = parseDefinition(definitionText);
  const layout = await cachedLayout(definitionText, () => definitionGraph(definition));
  return renderGraph(layout, runs, now, title);
}

/**
 * One execution: summary, graph coloured from its history, the states with their input and output on demand,
 * and the event table with AWS's event names. `running` tells the page to keep polling.
 */
export async function executionPanel(
  reader: StepFunctionsReader,
  executionArn: string,
  now: Date,
  level = 2,
) {
  const execution = await reader.describeExecution(executionArn);
  const machine = await reader.describeStateMachine(execution.stateMachineArn!);
  const definition = parseDefinition(machine.definition!);
  const events = await reader.history(executionArn);
  const states = allStates(definition);
  const runs = stateRuns(events, states);
  const graph = await graphOf(machine.definition!, runs, now, `Execution graph of ${execution.name}`);
  const h = (n: number, text: string | Html) => html`${trusted(`<h${n}>`)}${text}${trusted(`</h${n}>`)}`;
  const running = execution.status === 'RUNNING';
  const body = html` <div class="execution" data-execution-status="${execution.status}">
    ${h(level, html`Execution ${execution.name}`)}
    <dl class="facts">
      <dt>Status</dt>
      <dd>${statusBadge(execution.status)}</dd>
      <dt>State machine</dt>
      <dd>
        <a href="/state-machines/view?arn=${encodeURIComponent(machine.stateMachineArn!)}">${machine.name}</a>
      </dd>
      <dt>Started</dt>
      <dd>${when(execution.startDate)}</dd>
      <dt>Stopped</dt>
      <dd>${when(execution.stopDate)}</dd>
      ${
        execution.error || execution.cause
          ? html`<dt>Error</dt>
              <dd><code>${execution.error}</code> ${execution.cause}</dd>`
          : ''
      }
      <dt>ARN</dt>
      <dd>
        <a href="/executions/view?arn=${encodeURIComponent(executionArn)}"><code>${executionArn}</code></a>
      </dd>
    </dl>
    ${h(level + 1, 'Graph')} ${legend()} ${graphViewer(graph, `Graph of ${execution.name}`)}
    ${h(level + 1, 'States')} ${statesTable(definition, states, runs, now)}
    ${h(level + 1, html`Events (${events.length})`)} ${eventsTable(events)}
  </div>`;
  return { html: body, running, execution, machine, runs };
}

function statesTable(
  definition: AslDefinition,
  states: ReturnType<typeof allStates>,
  runs: Map<string, StateRun>,
  now: Date,
): Html {
  return html`<table class="states">
    <thead>
      <tr>
        <th scope="col">State</th>
        <th scope="col">Type</th>
        <th scope="col">Status</th>
        <th scope="col">Entered</th>
        <th scope="col">Input and output</th>
        <th scope="col">Definition</th>
      </tr>
    </thead>
    <tbody>
      ${Object.keys(states).map((name) => {
        const run = runs.get(name) ?? { status: 'not-reached' as const, entered: 0, retries: 0 };
        return html`<tr id="state-${name}" data-state-row="${name}" data-state-status="${run.status}">
          <th scope="row">${name}</th>
          <td>${states[name].Type}</td>
          <td>
            <span class="node st-${run.status} chip">${statusText(run, now)}</span>${
              run.error?.error || run.error?.cause
                ? html`<br /><code>${run.error.error}</code> ${run.error.cause}`
                : ''
            }
          </td>
          <td>${run.entered > 0 ? html`${run.entered}× (last ${when(run.enteredAt)})` : '—'}</td>
          <td>
            ${
              run.input !== undefined
                ? html`<details id="io-${name}">
                    <summary>input${run.output !== undefined ? ' and output' : ''}</summary>
                    <p>Input</p>
                    <pre>${prettyJson(run.input)}</pre>
                    ${
                      run.output !== undefined
                        ? html`<p>Output</p>
                            <pre>${prettyJson(run.output)}</pre>`
                        : ''
                    }
                  </details>`
                : '—'
            }
          </td>
          <td>${stateDefinition(name, states[name], definition)}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

function stateNameOf(e: HistoryEvent): string | undefined {
  return e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name;
}

function eventsTable(events: HistoryEvent[]): Html {
  return html`<table class="events">
    <thead>
      <tr>
        <th scope="col">ID</th>
        <th scope="col">Type</th>
        <th scope="col">State</th>
        <th scope="col">Time</th>
        <th scope="col">Details</th>
      </tr>
    </thead>
    <tbody>
      ${events.map((e) => {
        const details = Object.entries(e).find(([k, v]) => k.endsWith('EventDetails') && v);
        const shown = details ? expand(details[1] as Record<string, unknown>) : undefined;
        return html`<tr data-event-type="${e.type}">
          <td>${e.id}</td>
          <td><code>${e.type}</code></td>
          <td>${stateNameOf(e) ?? ''}</td>
          <td>${when(e.timestamp)}</td>
          <td>
            ${
              shown
                ? html`<details id="ev-${e.id}">
                    <summary>${details![0]}</summary>
                    <pre>${JSON.stringify(shown, null, 2)}</pre>
                  </details>`
                : ''
            }
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** Event details with their JSON payloads (input, output) parsed, so they print readably. */
function expand(details: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(details).map(([k, v]) => {
      if (typeof v === 'string' && (k === 'input' || k === 'output')) {
        try {
          return [k, JSON.parse(v)];
        } catch {
          return [k, v];
        }
      }
      return [k, v];
    }),
  );
}

export function executionPage(name: string, panel: Html, running: boolean): string {
  return page(
    `Execution ${name}`,
    html`<h1>Execution ${name}</h1>
      <section id="live" data-running="${running ? 'true' : 'false'}" aria-label="Execution">
        <p class="updated" aria-live="polite">
          ${running ? 'Updates every 2 seconds while the execution runs.' : ''}
        </p>
        ${panel}
      </section>`,
  );
}
