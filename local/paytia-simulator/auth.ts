/**
 * Paytia's two authentication modes: a static `X-API-KEY`, or an `ACCESS-TOKEN` issued by
 * /api/authorize and renewed by /api/refresh_token (Enhanced API Security).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { formatDateTime, HOUR_MS, type SimClock } from './clock.js';
import { header, PaytiaError } from './http.js';

export const ACCESS_TOKEN_LIFETIME_MS = HOUR_MS;

/** The exact texts of the seed's error table. */
export const AUTH_ERRORS = {
  apiKeyRequired: 'API key is required.',
  invalidApiKey: 'Invalid API key.',
  accessTokenRequired: 'Access token is required.',
  invalidAccessToken: 'Invalid access token.',
  accessTokenExpired: 'Access token expired, please generate again using refresh token.',
} as const;

export interface Credentials {
  apiKey: string;
  clientId: string;
  clientSecret: string;
  /** What the portal's "Generate Tokens" hands out alongside the client credentials; single use. */
  refreshToken: string;
}

/** The body of a successful authorize or refresh_token call, exactly as the seed shows it. */
export interface TokenResponse {
  httpStatus: true;
  refresh_token: string;
  access_token: string;
  expire_time: string;
  status: { statusCode: 200; statusDescription: 'success' };
}

// Same shape as Paytia's sample tokens: 32 random bytes, base64.
const newToken = () => randomBytes(32).toString('base64');

export class TokenStore {
  /** access token -> expiry (ms since epoch, simulator clock) */
  private readonly accessTokens = new Map<string, number>();
  /** refresh tokens that have not been spent yet */
  private readonly refreshTokens = new Set<string>();

  constructor(
    private readonly clock: SimClock,
    private readonly initialRefreshToken: string,
  ) {
    this.reset();
  }

  /** A fresh pair; earlier access tokens stay valid until they expire. */
  issue(): TokenResponse {
    const accessToken = newToken();
    const refreshToken = newToken();
    const expiresAt = this.clock.now() + ACCESS_TOKEN_LIFETIME_MS;
    this.accessTokens.set(accessToken, expiresAt);
    this.refreshTokens.add(refreshToken);
    return {
      httpStatus: true,
      refresh_token: refreshToken,
      access_token: accessToken,
      expire_time: formatDateTime(expiresAt),
      status: { statusCode: 200, statusDescription: 'success' },
    };
  }

  /** Spends `refreshToken` (each is good for one renewal) and issues a new pair. */
  refresh(refreshToken: string): TokenResponse {
    if (!this.refreshTokens.delete(refreshToken)) throw new PaytiaError(400, 'Invalid refresh token.');
    return this.issue();
  }

  /** Throws the documented error unless `token` is a live access token. */
  verifyAccessToken(token: string): void {
    if (token === '') throw new PaytiaError(400, AUTH_ERRORS.accessTokenRequired);
    const expiresAt = this.accessTokens.get(token);
    if (expiresAt === undefined) throw new PaytiaError(400, AUTH_ERRORS.invalidAccessToken);
    if (this.clock.now() >= expiresAt) throw new PaytiaError(400, AUTH_ERRORS.accessTokenExpired);
  }

  /** Fault injection: every access token issued so far is now expired (refresh tokens optionally spent). */
  expireAll(options: { includeRefreshTokens?: boolean } = {}): void {
    const now = this.clock.now();
    for (const token of this.accessTokens.keys()) this.accessTokens.set(token, now);
    if (options.includeRefreshTokens) this.refreshTokens.clear();
  }

  reset(): void {
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.refreshTokens.add(this.initialRefreshToken);
  }
}

/**
 * Checks a request's credentials. An `ACCESS-TOKEN` header, when present (even empty), selects
 * token mode; otherwise the `X-API-KEY` header must carry the key.
 */
export function authenticate(req: IncomingMessage, apiKey: string, tokens: TokenStore): void {
  const accessToken = header(req, 'access-token');
  if (accessToken !== undefined) {
    tokens.verifyAccessToken(accessToken.trim());
    return;
  }
  const key = header(req, 'x-api-key')?.trim() ?? '';
  if (key === '') throw new PaytiaError(400, AUTH_ERRORS.apiKeyRequired);
  if (key !== apiKey) throw new PaytiaError(401, AUTH_ERRORS.invalidApiKey);
}

/** authorize / refresh_token: both need the client credentials; 401 when they are wrong. */
export function checkClientCredentials(fields: Record<string, string>, credentials: Credentials): void {
  for (const name of ['client_id', 'client_secret'] as const) {
    if (!fields[name]) throw new PaytiaError(400, `${name} is required.`);
  }
  if (fields.client_id !== credentials.clientId || fields.client_secret !== credentials.clientSecret) {
    throw new PaytiaError(401, 'Invalid client credentials.');
  }
}
