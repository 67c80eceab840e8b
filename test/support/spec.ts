// Reads the spec, so tests enumerate its operations, responses and examples instead of repeating them.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SPEC_PATH } from '../../scripts/prism';
import type { OperationId } from '../../src/errors';

interface MediaType {
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface ResponseObject {
  $ref?: string;
  content?: Record<string, MediaType>;
}
interface OperationObject {
  operationId: OperationId;
  responses: Record<string, ResponseObject>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const spec: any = parse(readFileSync(SPEC_PATH, 'utf8'));

export interface DocumentedResponse {
  operationId: OperationId;
  method: string;
  path: string;
  status: number;
  /** Example name (for `Prefer: example=`) and value; one entry per example of the response. */
  examples: Array<{ name: string | undefined; value: unknown }>;
}

function resolve(response: ResponseObject): ResponseObject {
  if (!response.$ref) return response;
  const name = response.$ref.replace('#/components/responses/', '');
  return spec.components.responses[name] as ResponseObject;
}

/** Every operation × every documented status × every example, in spec order. */
export function documentedResponses(): DocumentedResponse[] {
  const out: DocumentedResponse[] = [];
  for (const [path, item] of Object.entries<Record<string, OperationObject>>(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      for (const [status, raw] of Object.entries(op.responses)) {
        const media = resolve(raw).content?.['application/json'] ?? {};
        const examples = media.examples
          ? Object.entries(media.examples).map(([name, ex]) => ({ name, value: ex.value }))
          : [{ name: undefined, value: media.example }];
        out.push({ operationId: op.operationId, method: method.toUpperCase(), path, status: Number(status), examples });
      }
    }
  }
  return out;
}

/** The example of an operation's 200 answer. */
export function successExample(operationId: OperationId): { data: unknown } {
  const found = documentedResponses().find((r) => r.operationId === operationId && r.status === 200);
  return found!.examples[0]!.value as { data: unknown };
}

let exampleSecrets: string[] | undefined;
/** Every API key and token in the spec's examples: Prism hands them out, so they are secrets in tests. */
export function documentedSecrets(): string[] {
  if (exampleSecrets) return exampleSecrets;
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && ['api_key', 'access_token', 'refresh_token'].includes(key)) found.add(value);
      else walk(value);
    }
  };
  walk(spec.paths);
  exampleSecrets = [...found];
  return exampleSecrets;
}
