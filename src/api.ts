// Everything public that the Node and browser entries share. Each entry adds its own createDeepfenceClient.
export { DeepfenceClient } from './client';
export type { RawClient, RefreshedAccessToken, ResetApiKeyResult, SuccessData, TokenPair, UserDetails } from './client';
export * from './errors';
export type { ApiKeySource, BackoffOptions, CallOptions, Clock, DeepfenceClientOptions, TlsOptions } from './options';
export type { Logger, LogLevel } from './logger';
export { memoryTokenStore, type SessionTokens, type TokenStore } from './token-store';
export type { components, operations, paths } from '../generated/schema';
