import { innerScopes, type AslChoiceRule, type AslDefinition, type AslScope, type AslState } from './asl';

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch';

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: EdgeKind;
  /** Short text drawn on the edge; `title` is the whole rule when the label had to be shortened. */
  label?: string;
  title?: string;
}

export interface GraphNode {
  id: string;
  /** A state; a Parallel's branch (a box holding that branch's states); the Start / End markers. */
  kind: 'state' | 'branch' | 'start' | 'end';
  /** The state's name (kind 'state'), as history events name it. */
  name?: string;
  type?: string;
  label: string;
  children: GraphNode[];
  /** Transitions between this node's children. */
  edges: GraphEdge[];
}

const LABEL_MAX = 44;

/**
 * The graph of a definition: one node per state, Parallel branches and the Map's item processor as nested
 * boxes holding their own states, an edge per Next, per Choice rule (labelled with the rule), the Choice's
 * Default, and per Catch (drawn apart). Pure; layout is elkjs's job (layout.ts).
 */
export function definitionGraph(definition: AslDefinition): GraphNode {
  let counter = 0;
  const nextId = (prefix: string) => `${prefix}${counter++}`;

  const buildScope = (scope: AslScope, container: GraphNode, withMarkers: boolean) => {
    const ids = new Map<string, string>();
    for (const name of Object.keys(scope.States)) ids.set(name, nextId('s'));
    const edge = (source: string, targetName: string | undefined, kind: EdgeKind, text?: string) => {
      const target = targetName && ids.get(targetName);
      if (!target) return; // a transition out of scope is invalid ASL; drawing stays possible without it
      const label = text && text.length > LABEL_MAX ? `${text.slice(0, LABEL_MAX - 1)}…` : text;
      container.edges.push({ id: nextId('e'), source, target, kind, label, title: text });
    };
    let end: GraphNode | undefined;
    if (withMarkers) {
      const start: GraphNode = {
        id: nextId('start'),
        kind: 'start',
        label: 'Start',
        children: [],
        edges: [],
      };
      end = { id: nextId('end'), kind: 'end', label: 'End', children: [], edges: [] };
      container.children.push(start);
      container.edges.push({
        id: nextId('e'),
        source: start.id,
        target: ids.get(scope.StartAt) ?? '',
        kind: 'next',
      });
    }
    for (const [name, state] of Object.entries(scope.States)) {
      const node: GraphNode = {
        id: ids.get(name)!,
        kind: 'state',
        name,
        type: state.Type,
        label: name,
        children: [],
        edges: [],
      };
      container.children.push(node);
      const scopes = innerScopes(state);
      if (state.Type === 'Parallel') {
        scopes.forEach((branch, i) => {
          const box: GraphNode = {
            id: nextId('b'),
            kind: 'branch',
            label: `Branch ${i + 1}`,
            children: [],
            edges: [],
          };
          node.children.push(box);
          buildScope(branch, box, false);
        });
      } else if (scopes[0]) buildScope(scopes[0], node, false);

      if (state.Type === 'Choice') {
        (state.Choices ?? []).forEach((rule, i) =>
          edge(node.id, rule.Next, 'choice', `#${i + 1} ${describeRule(rule)}`),
        );
        edge(node.id, state.Default, 'default', 'Default');
      } else edge(node.id, state.Next, 'next');
      for (const c of state.Catch ?? [])
        edge(node.id, c.Next, 'catch', `catch ${(c.ErrorEquals ?? []).join(', ')}`);
      if (end && isEnd(state))
        container.edges.push({ id: nextId('e'), source: node.id, target: end.id, kind: 'next' });
    }
    if (end) container.children.push(end);
  };

  const root: GraphNode = { id: 'root', kind: 'branch', label: '', children: [], edges: [] };
  buildScope(definition, root, true);
  return root;
}

function isEnd(state: AslState): boolean {
  return state.End === true || state.Type === 'Succeed' || state.Type === 'Fail';
}

/** Comparison suffixes, longest first: `GreaterThanEquals` must not read as `Equals`. */
const OPERATORS: [string, string][] = [
  ['GreaterThanEquals', '>='],
  ['LessThanEquals', '<='],
  ['GreaterThan', '>'],
  ['LessThan', '<'],
  ['Equals', '=='],
  ['Matches', 'matches'],
];

/** A Choice rule in a few words: `$.x == true`, `$.n >= $.max`, `And(2 rules)`, or a JSONata Condition. */
export function describeRule(rule: AslChoiceRule): string {
  if (typeof rule.Condition === 'string') return rule.Condition;
  for (const combinator of ['And', 'Or'] as const) {
    const inner = rule[combinator];
    if (Array.isArray(inner))
      return `${combinator}(${inner.map((r) => describeRule(r as AslChoiceRule)).join('; ')})`;
  }
  if (rule.Not && typeof rule.Not === 'object') return `Not(${describeRule(rule.Not as AslChoiceRule)})`;
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Variable' || key === 'Next') continue;
    const path = key.endsWith('Path');
    const op = key.replace(/Path$/, '');
    const symbol = OPERATORS.find(([suffix]) => op.endsWith(suffix) && !op.startsWith('Is'));
    const shown = path ? String(value) : JSON.stringify(value);
    if (symbol) return `${rule.Variable ?? ''} ${symbol[1]} ${shown}`;
    return `${rule.Variable ?? ''} ${key} ${shown}`;
  }
  return rule.Variable ?? 'rule';
}
