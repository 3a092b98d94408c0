import type { Browser, Page } from 'playwright-core';

/**
 * Jitsi Meet takes config overrides from the URL fragment, but only keys on its whitelist
 * (jitsi-meet react/features/base/config/configWhitelist.ts lists both): the prejoin screen goes, so the page
 * joins the conference on load. `prejoinConfig.enabled` is today's key, `prejoinPageEnabled` the older one
 * (the 8x8 JaaS release note "Prejoin page config option renamed"); the pinned Jitsi stable reads the latter.
 */
const SKIP_PREJOIN = '&config.prejoinConfig.enabled=false&config.prejoinPageEnabled=false';

/**
 * Loads Playwright (only with --join: a run without a browser does not pay for it) and answers how to start
 * Debian's Chromium, headless, with a fake camera and microphone so Jitsi joins without asking anyone. The
 * import is awaited before the booking; the browser then starts while the meeting launches.
 */
export async function loadChromium(): Promise<() => Promise<Browser>> {
  const { chromium } = await import('playwright-core');
  return () =>
    chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
      ],
    });
}

/**
 * One person (the student) following their link as a browser would: the join page, its "Join" link, and the
 * room. The room is a real Jitsi Meet on AWS and the local stand-in under `npm start` (local/jitsiStandIn.ts),
 * told apart by what the page offers: the stand-in's Join button, or Jitsi's `APP.conference`.
 */
export class RoomVisitor {
  private page?: Page;
  private kind?: 'stand-in' | 'jitsi';

  /**
   * Takes the browser while it is still starting: Chromium starts during the minutes before the room opens,
   * and a browser that cannot start fails the "joined" phase (after which the meeting is cancelled).
   */
  constructor(
    private readonly browser: Promise<Browser>,
    private readonly options: { acceptStagingCertificate?: boolean } = {},
  ) {
    browser.catch(() => undefined);
  }

  private async newPage(): Promise<Page> {
    // Only for a stack on Let's Encrypt's staging directory: its root is in no browser's trust store.
    const ignoreHTTPSErrors = this.options.acceptStagingCertificate === true;
    return (this.page ??= await (await this.browser).newPage({ ignoreHTTPSErrors }));
  }

  /** Closes the browser, if it started. */
  async close(): Promise<void> {
    await (await this.browser.catch(() => undefined))?.close().catch(() => undefined);
  }

  /** The join page's state as it renders it (data-phase), and the room link it offers once ready. */
  async readJoinPage(link: string, timeoutMs: number): Promise<{ phase: string; joinUrl: string }> {
    const page = await this.newPage();
    await page.goto(link, { timeout: timeoutMs });
    // The page polls on its own; wait for it to say ready and offer the link.
    await page.waitForSelector('#status[data-phase="ready"]', { timeout: timeoutMs });
    const joinUrl = await page.getAttribute('#join-link', 'href', { timeout: timeoutMs });
    const phase = await page.getAttribute('#status', 'data-phase');
    if (!joinUrl) throw new Error('the join page says ready but offers no room link');
    return { phase: phase ?? '', joinUrl };
  }

  /** Opens the room and joins it; resolves with what it joined once the page says it is in. */
  async join(joinUrl: string, timeoutMs: number): Promise<string> {
    const page = await this.newPage();
    await page.goto(joinUrl.includes('#') ? `${joinUrl}${SKIP_PREJOIN}` : joinUrl, { timeout: timeoutMs });
    const which = await page.waitForFunction(
      () => {
        if (document.querySelector('button#join')) return 'stand-in';
        const app = (globalThis as { APP?: { conference?: { isJoined?: () => boolean } } }).APP;
        return app?.conference?.isJoined?.() ? 'jitsi' : false;
      },
      undefined,
      { timeout: timeoutMs, polling: 250 },
    );
    this.kind = (await which.jsonValue()) as 'stand-in' | 'jitsi';
    if (this.kind === 'stand-in') {
      await page.click('button#join', { timeout: timeoutMs });
      await page.waitForFunction(
        () => Number(document.getElementById('count')?.textContent) >= 1,
        undefined,
        {
          timeout: timeoutMs,
        },
      );
      return 'the stand-in room (local stack)';
    }
    return 'the Jitsi conference';
  }

  /** Leaves the room, so the lesson can end early ("everyone left"); best effort, the page closes anyway. */
  async leave(): Promise<void> {
    const page = this.page;
    this.page = undefined;
    if (!page) return;
    try {
      if (this.kind === 'stand-in') await page.click('button#leave', { timeout: 5000 });
      // conference.js's hangup() leaves the XMPP room at once rather than when the connection times out.
      if (this.kind === 'jitsi')
        await page.evaluate(() =>
          (
            globalThis as { APP?: { conference?: { hangup?: (feedback: boolean) => unknown } } }
          ).APP?.conference?.hangup?.(false),
        );
    } catch {
      // The page may already be gone; closing it is what counts.
    }
    await page.close().catch(() => undefined);
  }
}
