// Starts one Prism mock of the spec for the whole run; its URL reaches the tests through PRISM_URL.
import { startPrism, type RunningPrism } from '../../scripts/prism';

declare global {
  // eslint-disable-next-line no-var
  var __PRISM__: RunningPrism | undefined;
}

export default async function globalSetup(): Promise<void> {
  const prism = await startPrism(['mock']);
  globalThis.__PRISM__ = prism;
  process.env.PRISM_URL = prism.url;
}
