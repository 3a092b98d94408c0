import type {
  DescribeStateMachineCommandOutput,
  ExecutionListItem,
  StateMachineListItem,
} from '@aws-sdk/client-sfn';
import { html, type Html } from '../html';
import { graphViewer } from './graphViewer';
import { executionRow, page, when } from './shell';

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export function stateMachinesPage(endpoint: string, machines: StateMachineListItem[]): string {
  return page(
    'State machines',
    html`<h1>State machines</h1>
      <p>At the Step Functions endpoint <code>${endpoint}</code>.</p>
      <table class="machines">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Type</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          ${machines.map(
            (m) =>
              html`<tr>
                <td>
                  <a href="/state-machines/view?arn=${encodeURIComponent(m.stateMachineArn ?? '')}"
                    >${m.name}</a
                  >
                </td>
                <td>${m.type}</td>
                <td>${when(m.creationDate)}</td>
              </tr>`,
          )}
        </tbody>
      </table>`,
  );
}

export function stateMachinePage(args: {
  machine: DescribeStateMachineCommandOutput;
  graph: Html;
  legend: Html;
  /** The states with their definitions (stateDetails.ts). */
  states: Html;
  executions: ExecutionListItem[];
  status: string | undefined;
}): string {
  const { machine, status } = args;
  const arn = machine.stateMachineArn ?? '';
  return page(
    `State machine ${machine.name}`,
    html`<h1>State machine ${machine.name}</h1>
      <p><code>${arn}</code></p>
      <h2>Definition</h2>
      ${args.legend} ${graphViewer(args.graph, `Graph of ${machine.name}`)}
      <h2>States</h2>
      ${args.states}
      <h2>Executions</h2>
      <form class="filter" method="get" action="/state-machines/view">
        <input type="hidden" name="arn" value="${arn}" />
        <label for="execution-status">Status</label>
        <select id="execution-status" name="status">
          <option value="" ${status ? '' : html` selected`}>any</option>
          ${EXECUTION_STATUSES.map((s) => html`<option value="${s}" ${s === status ? html` selected` : ''}>${s}</option>`)}
        </select>
        <button type="submit">Filter</button>
      </form>
      <table class="executions">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Stopped</th>
          </tr>
        </thead>
        <tbody>
          ${
            args.executions.length === 0
              ? html`<tr>
                  <td colspan="4">No executions.</td>
                </tr>`
              : args.executions.map(executionRow)
          }
        </tbody>
      </table>`,
  );
}
