import { createHash } from 'node:crypto';
import { asl, type ProcessItem } from './aslInternals';
import { isDistributed, type StateInfo } from './definition';
import type { ExecutionRecord, KeptBranches } from './records';

/**
 * RedriveExecution of an inline Map or a Parallel: "For workflows that include an Inline Map or Parallel state,
 * RedriveExecution API action reschedules and redrives only the iterations and branches that failed or aborted"
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
 *
 * While a top-level inline Map or Parallel runs, the output of each iteration or branch that succeeds is kept on
 * the execution's record (`keptBranches`, saved with it, so it survives a restart of the file store). A redrive
 * that goes on from that state marks them for reuse: its next run answers the kept outputs without running those
 * iterations or branches again (they log no events), runs the others, and the engine assembles the output in the
 * original order. Nested Map/Parallel states are not kept on their own: the top-level iteration or branch that
 * holds them reruns whole. A distributed Map's items rerun whole (its Map Run is not redriven here).
 */

/** Where the segment runner puts the execution's keeper on the context object it hands the ASL engine. */
export const KEEPER = Symbol('keptBranches');

type Ctx = Record<string | symbol, unknown>;

/** Keeps the iterations and branches of the execution's top-level inline Map and Parallel states. */
export class BranchKeeper {
  constructor(
    private readonly execution: ExecutionRecord,
    private readonly states: Map<string, StateInfo>,
  ) {}

  /**
   * A run of `stateName` begins, with this effective input: the record its iterations or branches go to, or
   * undefined when the state is not kept (nested, distributed). The kept outputs of the failed attempt are reused
   * once, by the first run after a redrive, and only for the same input; any other run starts with none.
   */
  begin(stateName: string, input: unknown): KeptBranches | undefined {
    const info = this.states.get(stateName);
    if (!info?.topLevel || isDistributed(info.state)) return undefined;
    const digest = createHash('sha256')
      .update(JSON.stringify(input) ?? 'undefined')
      .digest('hex');
    const kept = this.execution.keptBranches;
    if (kept?.reuse && kept.state === stateName && kept.input === digest) {
      delete kept.reuse;
      return kept;
    }
    this.execution.keptBranches = { state: stateName, input: digest, results: {} };
    return this.execution.keptBranches;
  }

  /** The run succeeded: nothing left to redrive in it. */
  end(run: KeptBranches): void {
    if (this.execution.keptBranches === run) delete this.execution.keptBranches;
  }
}

/** The run each Map/Parallel action (one per state entry, retries included) records into. */
const runs = new WeakMap<object, KeptBranches>();

interface Running {
  executionAbortFuncs?: Array<() => void>;
}
interface ActionOptions {
  runOptions?: { _rootAbortSignal?: AbortSignal };
}

type Execute = (input: unknown, context: Ctx, options: ActionOptions) => Promise<unknown>;
interface Action {
  stateName: string;
  stateDefinition: { Branches?: unknown[] };
}

/** Wraps `execute` of an action class: a run begins with its input and, on success, leaves nothing kept. */
function wrapExecute(proto: Record<string, unknown>): void {
  const execute = proto.execute as Execute;
  proto.execute = async function (this: Action, input: unknown, context: Ctx, options: ActionOptions) {
    const keeper = context?.[KEEPER] as BranchKeeper | undefined;
    const run = keeper?.begin(this.stateName, input);
    if (run) runs.set(this, run);
    const result = await execute.call(this, input, context, options);
    // An aborted run's iterations resolve with null under noThrowOnAbort, so the state "succeeds": keep its record.
    if (keeper && run && !options?.runOptions?._rootAbortSignal?.aborted) keeper.end(run);
    return result;
  };
}

/**
 * One iteration or branch: the kept output if it has one, else run it and keep its output when it succeeds. An
 * aborted run (the state failed on another iteration, or the execution stopped) resolves with null under the
 * engine's noThrowOnAbort: that is no success, so it is not kept and reruns at the redrive.
 */
function kept(
  action: Running,
  index: number,
  options: ActionOptions | undefined,
  run: () => Promise<unknown>,
): Promise<unknown> {
  const record = runs.get(action);
  if (!record) return run();
  const key = String(index);
  if (key in record.results) return Promise.resolve(record.results[key]);
  const result = run();
  // The library pushes this run's abort function last; note when it is called.
  let aborted = false;
  const funcs = action.executionAbortFuncs;
  const abort = funcs?.[funcs.length - 1];
  if (funcs && abort)
    funcs[funcs.length - 1] = () => {
      aborted = true;
      abort();
    };
  return result.then((output) => {
    if (!aborted && !options?.runOptions?._rootAbortSignal?.aborted) record.results[key] = output;
    return output;
  });
}

type ProcessBranch = (
  branch: unknown,
  input: unknown,
  context: unknown,
  ...rest: unknown[]
) => Promise<unknown>;

const map = asl.MapStateAction.prototype as unknown as Record<string, unknown> & { processItem: ProcessItem };
const parallel = asl.ParallelStateAction.prototype as unknown as Record<string, unknown> & {
  processBranch: ProcessBranch;
};
wrapExecute(map);
wrapExecute(parallel);
const processItem = map.processItem;
map.processItem = function (this: Running, machine, item, input, context, index, ...rest) {
  const options = rest[0] as ActionOptions | undefined;
  return kept(this, index, options, () =>
    processItem.call(this, machine, item, input, context, index, ...rest),
  );
};
const processBranch = parallel.processBranch;
parallel.processBranch = function (this: Action & Running, branch, input, context, ...rest) {
  const index = (this.stateDefinition.Branches ?? []).indexOf(branch);
  const options = rest[0] as ActionOptions | undefined;
  return kept(this, index, options, () => processBranch.call(this, branch, input, context, ...rest));
};
