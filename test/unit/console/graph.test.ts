import { definitionGraph, describeRule, type GraphNode } from '../../../local/console/graphModel';
import { escapeHtml, html } from '../../../local/console/html';
import { layoutGraph, type PlacedNode } from '../../../local/console/layout';
import { renderGraph } from '../../../local/console/svg';
import type { AslDefinition } from '../../../local/console/asl';
import meeting from '../../../statemachine/meeting.asl.json';
import { SHAPES } from '../../support/aslShapes';

const find = (n: GraphNode, name: string): GraphNode | undefined =>
  n.name === name ? n : n.children.map((c) => find(c, name)).find(Boolean);
const edgesFrom = (scope: GraphNode, name: string) =>
  scope.edges.filter((e) => e.source === find(scope, name)?.id);

describe('definition → graph', () => {
  const root = definitionGraph(SHAPES);

  test('a Choice has one labelled edge per rule and a Default edge', () => {
    const edges = edgesFrom(root, 'Route');
    expect(edges.map((e) => [e.kind, e.label])).toEqual([
      ['choice', '#1 $.kind == "batch"'],
      ['choice', '#2 And($.n > 1; $.n < 9)'],
      ['default', 'Default'],
    ]);
    expect(edges.map((e) => e.target)).toEqual([
      find(root, 'EachItem')!.id,
      find(root, 'Both')!.id,
      find(root, 'Done')!.id,
    ]);
  });

  test('a Parallel holds one box per branch, each with its own states and transitions', () => {
    const both = find(root, 'Both')!;
    expect(both.children.map((b) => [b.kind, b.label, b.children.map((c) => c.name)])).toEqual([
      ['branch', 'Branch 1', ['Left']],
      ['branch', 'Branch 2', ['Right', 'RightAgain']],
    ]);
    expect(both.children[1].edges).toHaveLength(1);
  });

  test('a Map holds its item processor’s states', () => {
    expect(find(root, 'EachItem')!.children.map((c) => c.name)).toEqual(['Item']);
  });

  test('Catch edges are their own kind, labelled with the errors they catch', () => {
    expect(edgesFrom(root, 'Both').map((e) => [e.kind, e.label])).toEqual([
      ['next', undefined],
      ['catch', 'catch States.ALL'],
    ]);
  });

  test('rules read as comparisons, paths unquoted', () => {
    expect(describeRule({ Variable: '$.a', NumericGreaterThanEqualsPath: '$.max', Next: 'x' })).toBe(
      '$.a >= $.max',
    );
    expect(describeRule({ Variable: '$.a', IsPresent: true, Next: 'x' })).toBe('$.a IsPresent true');
    expect(describeRule({ Not: { Variable: '$.a', BooleanEquals: true }, Next: 'x' })).toBe(
      'Not($.a == true)',
    );
  });

  test('elkjs places every nested state inside its Parallel or Map box', async () => {
    const placed = await layoutGraph(root);
    const inside = (outer: PlacedNode, inner: PlacedNode) =>
      inner.x >= outer.x &&
      inner.y >= outer.y &&
      inner.x + inner.width <= outer.x + outer.width &&
      inner.y + inner.height <= outer.y + outer.height;
    const all: PlacedNode[] = [];
    const walk = (p: PlacedNode) => (all.push(p), p.children.forEach(walk));
    placed.nodes.forEach(walk);
    const byName = (n: string) => all.find((p) => p.node.name === n)!;
    for (const [outer, inner] of [
      ['Both', 'Left'],
      ['Both', 'RightAgain'],
      ['EachItem', 'Item'],
    ]) {
      expect({ outer, inner, inside: inside(byName(outer), byName(inner)) }).toEqual({
        outer,
        inner,
        inside: true,
      });
    }
    // Every edge got a route.
    expect(placed.edges.every((e) => e.points.length >= 2)).toBe(true);
  });

  test('the meeting lifecycle draws every state, with a Catch edge from each Task', async () => {
    const svg = renderGraph(
      await layoutGraph(definitionGraph(meeting as AslDefinition)),
      new Map(),
      new Date(),
      'x',
    ).value;
    for (const name of Object.keys(meeting.States)) expect(svg).toContain(`data-state="${name}"`);
    // One dashed edge per Catch rule of the definition (the lifecycle's count changes as states are added).
    const catchRules = Object.values(meeting.States as Record<string, { Catch?: unknown[] }>).reduce(
      (n, state) => n + (state.Catch?.length ?? 0),
      0,
    );
    expect(catchRules).toBeGreaterThanOrEqual(4);
    expect(svg.match(/data-edge-kind="catch"/g)).toHaveLength(catchRules);
  });

  test('state names and labels are escaped in the SVG', async () => {
    const evil: AslDefinition = { StartAt: '<b>"x"', States: { '<b>"x"': { Type: 'Succeed' } } };
    const svg = renderGraph(await layoutGraph(definitionGraph(evil)), new Map(), new Date(), 'x').value;
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('data-state="&lt;b&gt;&quot;x&quot;"');
  });
});

describe('html escaping', () => {
  test('interpolated values are escaped, Html values are kept', () => {
    const name = `<img src=x onerror="alert(1)">'`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;">&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39;</p>',
    );
    expect(html`<div>${html`<b>${'&'}</b>`}</div>`.value).toBe('<div><b>&amp;</b></div>');
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });
});
