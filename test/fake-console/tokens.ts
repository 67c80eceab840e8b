// RS256 JWTs shaped like flask-jwt-extended 4.x makes them: claims fresh, iat, jti, type, sub (the user
// object), exp; no nbf, aud or iss.
import { createSign, createVerify, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { registerSecret } from '../support/leak-sink';

export type TokenType = 'access' | 'refresh';

export interface Claims {
  fresh: boolean;
  iat: number;
  jti: string;
  type: TokenType;
  sub: Record<string, unknown>;
  exp: number;
}

const b64 = (value: object | Buffer) => (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

export class TokenIssuer {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
  }

  issue(type: TokenType, sub: Record<string, unknown>, nowSeconds: number, lifetimeSeconds: number): { token: string; claims: Claims } {
    const claims: Claims = { fresh: false, iat: nowSeconds, jti: randomUUID(), type, sub, exp: nowSeconds + lifetimeSeconds };
    const signingInput = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(claims)}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(this.#privateKey);
    const token = `${signingInput}.${b64(signature)}`;
    registerSecret(token);
    return { token, claims };
  }

  /** The token's claims when its signature is ours and it decodes; undefined otherwise (forged, malformed). */
  verify(token: string): Claims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    try {
      const valid = createVerify('RSA-SHA256').update(`${header}.${payload}`).verify(this.#publicKey, Buffer.from(signature, 'base64url'));
      if (!valid) return undefined;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Claims;
      return typeof claims === 'object' && claims !== null && typeof claims.sub === 'object' ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
