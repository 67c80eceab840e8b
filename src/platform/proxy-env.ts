// Which proxy the standard environment variables ask for, for one origin: HTTPS_PROXY (https) or HTTP_PROXY
// (http), lower case first as curl reads them, unless NO_PROXY names the host. A pure function of its inputs.
import { DeepfenceConfigurationError } from '../errors';

type Env = Record<string, string | undefined>;

function noProxyMatches(url: URL, noProxy: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const [, name = '', entryPort] = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[|\](?=:|$)/g, '')) ?? [];
    if (entryPort && entryPort !== port) continue;
    const bare = name.replace(/^\*?\.?/, '');
    if (host === bare || host.endsWith(`.${bare}`)) return true;
  }
  return false;
}

/** The proxy URL for `origin`, or undefined when none applies. */
export function proxyFor(origin: string, env: Env): string | undefined {
  const url = new URL(origin);
  const names = url.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  const name = names.find((n) => env[n]?.trim());
  if (!name) return undefined;
  const noProxy = env.no_proxy ?? env.NO_PROXY ?? '';
  if (noProxyMatches(url, noProxy)) return undefined;
  const value = env[name]!.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let proxy: URL;
  try {
    proxy = new URL(withScheme);
  } catch {
    throw new DeepfenceConfigurationError(`${name} is not a proxy URL; set it to e.g. http://proxy.internal:3128, or pass proxy: false`);
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new DeepfenceConfigurationError(`${name} must be an http(s) proxy URL, got '${proxy.protocol}'; or pass proxy: false`);
  }
  return proxy.href;
}
