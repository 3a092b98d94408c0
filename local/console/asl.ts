/**
 * The parts of an Amazon States Language definition the console draws. Loosely typed on purpose: the console
 * draws any state machine an endpoint holds, so unknown fields are kept and ignored, never rejected.
 */
export interface AslState {
  Type: string;
  Comment?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: AslChoiceRule[];
  Catch?: { ErrorEquals?: string[]; Next?: string }[];
  Retry?: unknown[];
  Branches?: AslScope[];
  /** Map: ItemProcessor (current) or Iterator (older definitions). */
  ItemProcessor?: AslScope;
  Iterator?: AslScope;
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  Resource?: string;
  /** JSONata (AWS, 2024): the state's query language, overriding the machine's; its Arguments and Output. */
  QueryLanguage?: string;
  Arguments?: unknown;
  Output?: unknown;
  /** Variables: what the state assigns (AWS, 2024). */
  Assign?: Record<string, unknown>;
  Items?: unknown;
  /** JSONPath's input and output processing. */
  InputPath?: string | null;
  Parameters?: unknown;
  ItemSelector?: unknown;
  ItemsPath?: string;
  ResultSelector?: unknown;
  ResultPath?: string | null;
  OutputPath?: string | null;
}

export type AslChoiceRule = { Next?: string; Variable?: string; Condition?: string } & Record<
  string,
  unknown
>;

export interface AslScope {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface AslDefinition extends AslScope {
  Comment?: string;
  /** The machine's query language: JSONPath (the default) or JSONata. */
  QueryLanguage?: string;
}

/** Parses a definition as DescribeStateMachine returns it; a clear error names what is missing. */
export function parseDefinition(text: string): AslDefinition {
  const parsed = JSON.parse(text) as Partial<AslDefinition>;
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.StartAt !== 'string') {
    throw new Error('definition: StartAt is missing');
  }
  if (typeof parsed.States !== 'object' || parsed.States === null)
    throw new Error('definition: States is missing');
  return parsed as AslDefinition;
}

/** The nested scopes of a state: one per Parallel branch, or the Map's item processor. */
export function innerScopes(state: AslState): AslScope[] {
  if (state.Type === 'Parallel') return state.Branches ?? [];
  if (state.Type === 'Map') {
    const processor = state.ItemProcessor ?? state.Iterator;
    return processor ? [processor] : [];
  }
  return [];
}

/** Every state of the machine by name, nested ones included (names are unique within a state machine). */
export function allStates(scope: AslScope, into: Record<string, AslState> = {}): Record<string, AslState> {
  for (const [name, state] of Object.entries(scope.States)) {
    into[name] = state;
    for (const inner of innerScopes(state)) allStates(inner, into);
  }
  return into;
}
