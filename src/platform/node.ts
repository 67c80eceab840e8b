// The Node transport. TLS and proxy support come in the transport issue; until then Node uses fetch as browsers do.
import { fetchOnlyPlatform } from './fetch-only';

export const nodePlatform = fetchOnlyPlatform;
