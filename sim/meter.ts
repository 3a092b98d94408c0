/**
 * Counts calls to the fake AWS, twice over: once where the SDK hands a request to the fake (`sent`, by the
 * middleware in fakeAws.ts) and once where the fake service answers it (`served` / `throttled`). The two must
 * agree: a call the SDK made that no fake saw, or the other way round, is a bug in the model.
 */
export class CallMeter {
  readonly sent = new Map<string, number>();
  readonly served = new Map<string, number>();
  readonly throttled = new Map<string, number>();
  /** Calls refused for a quota, not a rate (VcpuLimitExceeded), by API. */
  readonly refused = new Map<string, number>();

  private static add(map: Map<string, number>, key: string, n = 1) {
    map.set(key, (map.get(key) ?? 0) + n);
  }
  recordSent(api: string) {
    CallMeter.add(this.sent, api);
  }
  recordServed(api: string) {
    CallMeter.add(this.served, api);
  }
  recordThrottled(api: string) {
    CallMeter.add(this.throttled, api);
  }
  recordRefused(api: string) {
    CallMeter.add(this.refused, api);
  }

  total(map: Map<string, number>): number {
    let n = 0;
    for (const v of map.values()) n += v;
    return n;
  }

  /** Calls each fake saw (served, throttled or refused), by API. */
  seen(): Map<string, number> {
    const seen = new Map(this.served);
    for (const m of [this.throttled, this.refused]) for (const [k, v] of m) CallMeter.add(seen, k, v);
    return seen;
  }
}
