import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { allStates } from '../../local/console/asl';
import { startConsole, type RunningConsole } from '../../local/console/server';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../../local/stack';
import { loadDefinition, localSubstitutions } from '../../statemachine/definition';
import { hundredStateMachine } from '../support/bigMachine';
import { ROLE, startLocalSfn, until, type LocalSfn } from '../support/localSfn';
import { launchChromium } from '../support/realParts';

/**
 * The console's graph in a real Chromium: the meeting machine (about 40 states) and a generated one of 100,
 * drawn at their natural size, with pan and zoom by mouse, keyboard and buttons, a fit view, the current
 * state scrolled into view, and JSONata and Variables in the states table. Only the local Step Functions API
 * and the console run (no meetings API: these pages do not read it).
 */
const SHOTS = join(__dirname, '../../test-output/console');

describe('the console graph (real browser)', () => {
  let local: LocalSfn;
  let adminConsole: RunningConsole;
  let browser: Browser;
  const urls: Record<'meeting' | 'hundred' | 'hundredMachine', string> = {
    meeting: '',
    hundred: '',
    hundredMachine: '',
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    local = await startLocalSfn();
    // No page under test reads the meetings API; a closed port makes any accidental read fail loudly.
    adminConsole = await startConsole({ apiUrl: 'http://127.0.0.1:9', sfnEndpoint: local.url, port: 0 });
    browser = await launchChromium();
    const start = async (name: string, definition: object, input: object, waitIn: string) => {
      const { stateMachineArn } = await local.sfn.send(
        new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE }),
      );
      const { executionArn } = await local.sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
      );
      // The execution sleeps in `waitIn` (a top-level Wait): that is its current state on the page.
      await until(() => local.engine.describeExecution(executionArn!).checkpoint?.waitState === waitIn);
      return {
        execution: `/executions/view?arn=${encodeURIComponent(executionArn!)}`,
        machine: `/state-machines/view?arn=${encodeURIComponent(stateMachineArn!)}`,
      };
    };
    const inAnHour = new Date(Date.now() + 3600_000).toISOString();
    urls.meeting = (
      await start(
        'meeting-lifecycle',
        loadDefinition(localSubstitutions(LOCAL_REGION, LOCAL_ACCOUNT)),
        { meetingId: 'm-1', revision: 0, launchAt: inAnHour, attendanceCheckAt: inAnHour, endAt: inAnHour },
        'WaitUntilLaunch',
      )
    ).execution;
    const hundred = await start(
      'hundred-states',
      hundredStateMachine(),
      { alt: false, items: [1, 2] },
      'Hold',
    );
    urls.hundred = hundred.execution;
    urls.hundredMachine = hundred.machine;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await adminConsole?.close();
    await local?.close();
  });

  const open = async (path: string, javaScriptEnabled = true) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
    const problems: string[] = [];
    // A CSP violation or a script error shows here.
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${adminConsole.url}${path}`);
    return { page, problems };
  };

  /** The smallest font size of the graph's text, in screen pixels (CSS size × the SVG's scale on screen). */
  const smallestLabelPx = (page: Page) =>
    page
      .locator('svg.graph')
      .evaluate((svg: SVGSVGElement) =>
        Math.min(
          ...Array.from(svg.querySelectorAll('text')).map(
            (t) => parseFloat(getComputedStyle(t).fontSize) * (t.getScreenCTM()?.a ?? 0),
          ),
        ),
      );
  /** How many screen pixels one unit of the graph takes: 1 at natural size. */
  const scaleOf = (page: Page) =>
    page.locator('svg.graph').evaluate((svg: SVGSVGElement) => svg.getScreenCTM()!.a);
  type Rect = { x: number; y: number; width: number; height: number };
  const inside = (outer: Rect, inner: Rect, slack = 1) =>
    inner.x >= outer.x - slack &&
    inner.y >= outer.y - slack &&
    inner.x + inner.width <= outer.x + outer.width + slack &&
    inner.y + inner.height <= outer.y + outer.height + slack;
  const viewport = (page: Page) => page.locator('.graph-scroll').first().boundingBox() as Promise<Rect>;
  /** Whether the state's box is wholly inside the graph's scrolling box, read in one go (a live update swaps both). */
  const stateInView = (page: Page, state: string) =>
    page.evaluate((name) => {
      const box = document.querySelector('.graph-scroll')!.getBoundingClientRect();
      const node = Array.from(document.querySelectorAll('svg.graph a.node')).find(
        (n) => n.getAttribute('data-state') === name,
      );
      const r = node!.querySelector('rect.box')!.getBoundingClientRect();
      return (
        r.left >= box.left - 1 &&
        r.top >= box.top - 1 &&
        r.right <= box.right + 1 &&
        r.bottom <= box.bottom + 1
      );
    }, state);

  for (const [which, current] of [
    ['meeting', 'WaitUntilLaunch'],
    ['hundred', 'Hold'],
  ] as const) {
    test(`the ${which} machine's execution: labels readable at default zoom, the current state (${current}) in view`, async () => {
      const { page, problems } = await open(urls[which]);
      if (which === 'hundred') expect(Object.keys(allStates(hundredStateMachine()))).toHaveLength(100);
      expect(await scaleOf(page)).toBeCloseTo(1, 2);
      expect(await smallestLabelPx(page)).toBeGreaterThanOrEqual(11);
      // The graph is larger than its box: it scrolls (the page keeps its own width).
      const sizes = await page
        .locator('.graph-scroll')
        .evaluate((box) => [box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight]);
      expect(sizes).toEqual([true]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await expect(
        page.locator(`svg.graph [data-state="${current}"]`).getAttribute('data-state-status'),
      ).resolves.toBe('waiting');
      expect(await stateInView(page, current)).toBe(true);
      await page.screenshot({ path: join(SHOTS, `graph-${which}-default.png`) });
      // Moved away, the "Current state" button brings it back.
      await page.locator('.graph-scroll').evaluate((b) => b.scrollTo(b.scrollWidth, b.scrollHeight));
      if (which === 'meeting') expect(await stateInView(page, current)).toBe(false);
      await page.getByRole('button', { name: 'Current state' }).click();
      expect(await stateInView(page, current)).toBe(true);
      expect(problems).toEqual([]);
      await page.close();
    });
  }

  test('zoom by buttons and keys, pan by keys, drag and wheel; fit shows the whole graph (100 states)', async () => {
    // The machine's page: no live updates swapping the graph in the middle of the keystrokes.
    const { page, problems } = await open(urls.hundredMachine);
    const zoom = page.locator('.graph-zoom');
    await page.getByRole('button', { name: 'Zoom out' }).click();
    expect(await scaleOf(page)).toBeCloseTo(0.8, 2);
    await expect(zoom.textContent()).resolves.toBe('80%');
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    expect(await scaleOf(page)).toBeCloseTo(1.25, 2);
    await page.getByRole('button', { name: 'Actual size' }).click();
    expect(await scaleOf(page)).toBeCloseTo(1, 2);

    await page.getByRole('button', { name: 'Fit the whole graph' }).click();
    const fitted = await scaleOf(page);
    expect(fitted).toBeLessThan(1);
    expect(inside(await viewport(page), (await page.locator('svg.graph').boundingBox())!)).toBe(true);
    const scrolls = await page
      .locator('.graph-scroll')
      .evaluate((box) => [box.scrollWidth <= box.clientWidth + 1, box.scrollHeight <= box.clientHeight + 1]);
    expect(scrolls).toEqual([true, true]);
    await page.screenshot({ path: join(SHOTS, 'graph-hundred-fit.png') });

    // The keyboard: the graph's box takes the focus (Tab reaches it) and answers + − 0 F and the arrows.
    const box = page.locator('.graph-scroll');
    await box.focus();
    await expect(page.evaluate(() => document.activeElement?.className)).resolves.toContain('graph-scroll');
    await page.keyboard.press('0');
    expect(await scaleOf(page)).toBeCloseTo(1, 2);
    await page.keyboard.press('+');
    expect(await scaleOf(page)).toBeCloseTo(1.25, 2);
    await page.keyboard.press('-');
    await page.keyboard.press('-');
    expect(await scaleOf(page)).toBeCloseTo(0.8, 2);
    await page.keyboard.press('f');
    expect(await scaleOf(page)).toBeCloseTo(fitted, 3);
    // Zoomed in to twice the size, the graph is wider and taller than its box: both arrows have room.
    await page.keyboard.press('0');
    for (let i = 0; i < 3; i++) await page.keyboard.press('=');
    expect(await scaleOf(page)).toBeCloseTo(1.25 ** 3, 2);
    const scroll = () => box.evaluate((b) => ({ left: b.scrollLeft, top: b.scrollTop }));
    await box.evaluate((b) => b.scrollTo(0, 0));
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    const moved = await scroll();
    expect(moved.top).toBeGreaterThan(0);
    expect(moved.left).toBeGreaterThan(0);

    // Drag to pan: the graph follows the pointer (the box scrolls the other way).
    await box.evaluate((b) => b.scrollTo(0, 0));
    const area = await viewport(page);
    const before = await scroll();
    await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
    await page.mouse.down();
    await page.mouse.move(area.x + area.width / 2 - 150, area.y + area.height / 2 - 100, { steps: 5 });
    await page.mouse.up();
    const dragged = await scroll();
    expect(dragged.top - before.top).toBeCloseTo(100, -1);
    expect(dragged.left - before.left).toBeCloseTo(150, -1);
    // A drag that ends on a state does not follow the state's link.
    expect(page.url()).not.toContain('#state-');
    await page.keyboard.press('0');

    // The wheel zooms around the pointer.
    await page.mouse.wheel(0, -200);
    await page.waitForFunction(
      () => document.querySelector<SVGSVGElement>('svg.graph')!.getScreenCTM()!.a > 1.05,
    );
    await page.mouse.wheel(0, 400);
    await page.waitForFunction(
      () => document.querySelector<SVGSVGElement>('svg.graph')!.getScreenCTM()!.a < 1,
    );

    // A definition has no current state: no button for it.
    await expect(page.getByRole('button', { name: 'Current state' }).isVisible()).resolves.toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  test('the view survives the live update of a running execution', async () => {
    const { page, problems } = await open(urls.meeting);
    await page.getByRole('button', { name: 'Zoom out' }).click();
    await page.locator('.graph-scroll').evaluate((b) => b.scrollTo(40, 30));
    // console.js swaps the live section every 2 s while the execution runs.
    await page.waitForFunction(() => /Updated/.test(document.querySelector('.updated')?.textContent ?? ''));
    expect(await scaleOf(page)).toBeCloseTo(0.8, 2);
    await expect(page.locator('.graph-zoom').textContent()).resolves.toBe('80%');
    const left = await page.locator('.graph-scroll').evaluate((b) => b.scrollLeft);
    expect(left).toBe(40);
    expect(problems).toEqual([]);
    await page.close();
  });

  test('without JavaScript the graph is still at its natural size and scrolls; no toolbar that does nothing', async () => {
    const { page, problems } = await open(urls.hundred, false);
    expect(await smallestLabelPx(page)).toBeGreaterThanOrEqual(11);
    await expect(page.locator('.graph-tools').isVisible()).resolves.toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  test('the states table shows JSONata (query language, Arguments, Output) and Variables (Assign)', async () => {
    const { page, problems } = await open(urls.hundredMachine);
    const jsonata = page.locator('#def-Alternative\\ 3');
    await expect(jsonata.locator('summary').textContent()).resolves.toBe('JSONata · Arguments · Output');
    await jsonata.locator('summary').click();
    await expect(jsonata.locator('pre[data-field="Output"]').textContent()).resolves.toBe(
      '{% $states.result.Payload %}',
    );
    await expect(jsonata.locator('pre[data-field="Arguments"]').textContent()).resolves.toContain(
      '"input": "{% $states.input %}"',
    );
    const assigning = page.locator('#def-Join\\ 3');
    await expect(assigning.locator('summary').textContent()).resolves.toBe('JSONPath · assigns $stage');
    await assigning.locator('summary').click();
    await expect(assigning.locator('pre[data-field="Assign"]').textContent()).resolves.toContain(
      '"stage": 3',
    );
    // A state's node links to its row.
    await page.locator('svg.graph [data-state="Join 3"]').click();
    expect(page.url()).toMatch(/#state-Join%203$/);
    await page.screenshot({ path: join(SHOTS, 'graph-hundred-details.png') });
    expect(problems).toEqual([]);
    await page.close();
  });
});
