/**
 * Workflow variables (`Assign`, `$name`), as AWS documents them in "Passing data between states with
 * variables" (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html):
 * - a state assigns all its variables at once, every value computed from the variables as they were when the
 *   state was entered;
 * - the states of a Map iteration or a Parallel branch read the variables of the scopes around them, but
 *   assign only their own: those are gone when the iteration or branch ends (return data through Output);
 *   assigning a variable of an outer scope from inside fails the state (States.Runtime).
 */
export type Variables = Record<string, unknown>;

/** Variable names AWS accepts: a letter or underscore, then letters, digits or underscores (Unicode too). */
export const VARIABLE_NAME = /^[\p{L}_][\p{L}\p{N}_]*$/u;

export class OuterScopeWriteError extends Error {
  constructor(readonly variable: string) {
    super(`Cannot assign the variable '${variable}': it belongs to an outer scope`);
    this.name = 'States.Runtime';
  }
}

export class Scope {
  private readonly own: Variables = {};

  private constructor(private readonly outer: Variables) {}

  /** The execution's scope, with the variables a previous segment left (checkpoint). */
  static root(saved: Variables = {}): Scope {
    const scope = new Scope({});
    Object.assign(scope.own, saved);
    return scope;
  }

  /** A Map iteration's or Parallel branch's scope: reads this one, assigns its own. */
  child(): Scope {
    return new Scope({ ...this.outer, ...this.own });
  }

  has(name: string): boolean {
    return name in this.own || name in this.outer;
  }

  get(name: string): unknown {
    return name in this.own ? this.own[name] : this.outer[name];
  }

  /** Every visible variable, for JSONata's bindings. */
  all(): Variables {
    return { ...this.outer, ...this.own };
  }

  /** The variables this scope assigned (the root's are what a checkpoint keeps). */
  saved(): Variables {
    return { ...this.own };
  }

  /** Assigns values computed beforehand (all of one state's Assign at once). */
  assign(values: Variables): void {
    for (const name of Object.keys(values)) if (name in this.outer) throw new OuterScopeWriteError(name);
    Object.assign(this.own, values);
  }
}

/**
 * A JSONPath path that starts with a variable (`$name`, `$name.a[0]`): its name and the rest as a path into
 * the variable's value (`$`, `$.a[0]`). `$`, `$.x`, `$[0]` and `$$…` are not variable paths.
 */
export function variablePath(path: string): { name: string; rest: string } | undefined {
  // Fast path for the usual `$`, `$.x`, `$[0]`, `$$.x` (every JSONPath query of the engine comes through here).
  const second = path.charCodeAt(1);
  if (Number.isNaN(second) || second === 46 /* . */ || second === 91 /* [ */ || second === 36 /* $ */)
    return undefined;
  const m = /^\$([\p{L}_][\p{L}\p{N}_]*)(.*)$/su.exec(path);
  if (!m || (m[2] !== '' && !m[2].startsWith('.') && !m[2].startsWith('['))) return undefined;
  return { name: m[1], rest: `$${m[2]}` };
}

/**
 * What each state assigned, for its StateExited history event (`assignedVariables`: each value as JSON text,
 * as AWS records it). Per state name, first in first out: iterations of a Map exit in the order they assigned.
 */
export class AssignedLog {
  private readonly pending = new Map<string, Variables[]>();

  note(state: string, values: Variables): void {
    if (Object.keys(values).length === 0) return;
    const queue = this.pending.get(state) ?? [];
    queue.push(values);
    this.pending.set(state, queue);
  }

  take(state: string): Record<string, string> | undefined {
    const queue = this.pending.get(state);
    const values = queue?.shift();
    if (queue?.length === 0) this.pending.delete(state);
    return values && Object.fromEntries(Object.entries(values).map(([k, v]) => [k, JSON.stringify(v)]));
  }
}
