// Session tests talk to the fake console through `prism proxy --errors`, so a request or response that
// breaks the spec fails the test that caused it. Tests that script answers the spec does not document
// (a 503 from a proxy, a reset connection) talk to the fake console directly.
import { startPrism, type RunningPrism } from '../../scripts/prism';
import { createDeepfenceClient, type DeepfenceClientOptions } from '../../src/index';
import { FakeConsole } from '../fake-console/server';
import { createTestClient } from '../support/test-client';

export interface Harness {
  fake: FakeConsole;
  /** The validating proxy, when the harness has one. */
  prism: RunningPrism | undefined;
  /** A client of the fake console (through the proxy) on the console's clock, without back-off delays. */
  client(options?: Partial<DeepfenceClientOptions>): ReturnType<typeof createDeepfenceClient>;
}

export function useFakeConsole({ behindPrism }: { behindPrism: boolean }): Harness {
  const harness = {} as Harness;
  beforeAll(async () => {
    harness.fake = await FakeConsole.start();
    if (behindPrism) harness.prism = await startPrism(['proxy', harness.fake.url, '--errors']);
  });
  beforeEach(() => harness.fake.reset());
  afterAll(async () => {
    await harness.prism?.stop();
    await harness.fake?.close();
  });
  harness.client = (options = {}) =>
    createTestClient({
      baseUrl: harness.prism?.url ?? harness.fake.url,
      apiKey: harness.fake.apiKey,
      clock: harness.fake.clock,
      logLevel: 'off',
      ...options,
    });
  return harness;
}

/** Prism's log lines that report a violation of the spec. */
export function violations(prism: RunningPrism | undefined): string[] {
  if (!prism) throw new Error('this harness has no Prism proxy');
  return prism.output().split('\n').filter((line) => /violation/i.test(line));
}
