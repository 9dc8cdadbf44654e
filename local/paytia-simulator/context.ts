/** Everything one running simulator holds, shared by the HTTP routes and the control API. */
import { type Credentials, TokenStore } from './auth.js';
import type { PaytiaBehaviour } from './behaviour.js';
import { createClock, type SimClock } from './clock.js';
import { SimData } from './data.js';
import { FaultRegistry } from './faults.js';
import { WebhookDispatcher } from './webhooks.js';

export interface SimSettings {
  credentials: Credentials;
  seed: number;
  seededPayments: number;
  now: () => number;
  webhookTimeScale: number;
  webhookTimeoutMs: number;
  behaviour: PaytiaBehaviour;
}

export interface SimContext {
  readonly clock: SimClock;
  /** Replaced wholesale by a reset, so always read it through the context. */
  data: SimData;
  readonly tokens: TokenStore;
  readonly faults: FaultRegistry;
  readonly webhooks: WebhookDispatcher;
  readonly credentials: Credentials;
  /** The simulator's own base URL (trailing slash), known once it listens. */
  baseUrl: string;
  seed: number;
  readonly seededPayments: number;
}

export function createContext(settings: SimSettings): SimContext {
  const clock = createClock(settings.now);
  const faults = new FaultRegistry();
  const context: SimContext = {
    clock,
    data: new SimData(settings.seed, clock.now(), settings.seededPayments, settings.behaviour),
    tokens: new TokenStore(clock, settings.credentials.refreshToken),
    faults,
    webhooks: new WebhookDispatcher({
      clock,
      data: () => context.data,
      faults,
      timeScale: settings.webhookTimeScale,
      timeoutMs: settings.webhookTimeoutMs,
    }),
    credentials: settings.credentials,
    baseUrl: '',
    seed: settings.seed,
    seededPayments: settings.seededPayments,
  };
  return context;
}

/**
 * Back to a freshly started simulator (optionally with another seed or behaviour): data, tokens,
 * faults, clock.
 */
export function resetContext(
  context: SimContext,
  seed = context.seed,
  behaviour = context.data.behaviour,
): void {
  context.webhooks.cancelAll();
  context.webhooks.clearSent();
  context.faults.clear();
  context.clock.reset();
  context.tokens.reset();
  context.seed = seed;
  context.data = new SimData(seed, context.clock.now(), context.seededPayments, behaviour);
}
