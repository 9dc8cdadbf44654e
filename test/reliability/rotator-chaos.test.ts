/**
 * Rotator chaos: the token rotator over a simulated week against the Paytia simulator (one-hour
 * access tokens, single-use refresh tokens, on the simulator's clock), scheduled every 30 minutes,
 * with the secret in the Secrets Manager stand-in through the real SDK. Each scheduled run may
 * meet one of these, and the schedule may deliver it twice (EventBridge delivers at least once)
 * or Lambda may retry a failed run a minute later:
 *
 * - the process dies after `refresh_token` (or `authorize`) answered, before the write: Paytia
 *   has spent the stored refresh token, the new pair is gone;
 * - PutSecretValue fails on every attempt, on the first two, or succeeds with its answer lost
 *   (once, or on every attempt);
 * - the process dies during the write, after it landed or before it arrived;
 * - the process dies between two write attempts (in the backoff);
 * - Paytia answers 503 to every token call of the run.
 *
 * A consumer (the auditor's view: a Paytia client on `secretsManagerCredentials`) calls Paytia
 * right after every run that completes, two minutes after each scheduled slot, and one minute
 * before the next. The guarantee verified, exactly:
 *
 * 1. After every run that completes (rotated or skipped), the consumer's call works.
 * 2. A completed run leaves a token good for at least 55 minutes (an hour from when it was
 *    obtained; a skipped run found one under five minutes old), and no failed or crashed run
 *    breaks it: every check within that time works. With runs every 30 minutes, one failed or
 *    crashed slot therefore never interrupts the consumer.
 * 3. Only after two consecutive slots without a completed run can the consumer fail, and then only
 *    because the stored token expired (never an invalid one). Every run that meets no chaos itself
 *    completes, whatever earlier runs left behind, so the first clean run heals it.
 * 4. No refresh token is spent twice except by design: a run calls `authorize` exactly when the
 *    previous renewal's pair was lost (renewed but never stored), and `refresh_token` otherwise.
 * 5. At the end of the week the stored token works for a fresh consumer.
 */
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  InternalServiceError,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PaytiaSimulator, startPaytiaSimulator } from '../../local/paytia-simulator/server.js';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../local/secrets-manager.js';
import { PaytiaClient } from '../../shared/paytia/client.js';
import { PaytiaAccessTokenExpiredError } from '../../shared/paytia/errors.js';
import { isRetryable } from '../../shared/paytia/retry.js';
import { secretsManagerCredentials } from '../../shared/paytia/secret-credentials.js';
import { parseTokenSecret } from '../../shared/paytia/token-secret.js';
import { type RotationResult, rotateToken } from '../../shared/rotation/rotate-token.js';
import { secretsManagerTokenStore } from '../../shared/rotation/token-store.js';
import {
  reliabilityScale,
  reliabilitySeed,
  type SeededRandom,
  scaled,
  seededRandom,
} from '../support/reliability.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SLOT_MS = 30 * MINUTE;
const DAYS = scaled({ small: 2, full: 7 });
const SLOTS = DAYS * 48;
/** ROTATION_MIN_AGE_SECONDS' default. */
const MIN_AGE_MS = 5 * MINUTE;
/** How often each kind of chaos is planned over the run. */
const EACH_CHAOS = scaled({ small: 2, full: 6 });
/** Pairs of consecutive slots that both crash after renewing, with no retry: the token dies. */
const DOUBLE_CRASHES = scaled({ small: 1, full: 3 });
const DUPLICATE_SHARE = 0.1;
const LAMBDA_RETRY_SHARE = 0.3;

const SECRET_ID = 'paytia-credentials';
const SEED = reliabilitySeed();
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

const CHAOS = [
  'crash_after_renewal',
  'write_fails',
  'write_flaky',
  'write_answer_lost',
  'write_answers_all_lost',
  'crash_during_write_landed',
  'crash_during_write_unlanded',
  'crash_between_retries',
  'paytia_down',
] as const;
type Chaos = 'normal' | (typeof CHAOS)[number];

interface PlannedRun {
  /** After the slot's start. */
  offsetMs: number;
  chaos: Chaos;
  why: 'schedule' | 'duplicate delivery' | 'lambda retry';
}

interface Slot {
  runs: PlannedRun[];
  doubleCrash: boolean;
}

function planWeek(random: SeededRandom): Slot[] {
  const kinds: Chaos[] = Array.from({ length: SLOTS }, () => 'normal');
  // The first slot starts the week from the portal's refresh token; the last two end it cleanly.
  const free = () => random.shuffle(Array.from({ length: SLOTS - 4 }, (_, i) => i + 1));
  const doubles = new Set<number>();
  for (const start of free()) {
    if (doubles.size >= DOUBLE_CRASHES * 2) break;
    if (
      [start - 1, start, start + 1, start + 2].some((i) => i < 1 || kinds[i] !== 'normal' || i >= SLOTS - 2)
    ) {
      continue;
    }
    kinds[start] = kinds[start + 1] = 'crash_after_renewal';
    doubles.add(start).add(start + 1);
  }
  const positions = free().filter((i) => kinds[i] === 'normal');
  for (const chaos of CHAOS) {
    for (let n = 0; n < EACH_CHAOS; n++) kinds[positions.pop() ?? 0] = chaos;
  }
  return kinds.map((chaos, i) => {
    const runs: PlannedRun[] = [{ offsetMs: 0, chaos, why: 'schedule' }];
    if (!doubles.has(i)) {
      if (chaos !== 'normal' && random.chance(LAMBDA_RETRY_SHARE)) {
        runs.push({ offsetMs: MINUTE, chaos: 'normal', why: 'lambda retry' });
      }
      if (random.chance(DUPLICATE_SHARE)) {
        runs.push({
          offsetMs: random.pick([20_000, 4 * MINUTE]),
          chaos: 'normal',
          why: 'duplicate delivery',
        });
      }
    }
    runs.sort((a, b) => a.offsetMs - b.offsetMs);
    return { runs, doubleCrash: doubles.has(i) };
  });
}

let simulatedNow = Date.parse('2026-11-23T00:00:00.000Z');
let simulator: PaytiaSimulator;
let secretsServer: LocalSecretsManager;
let secretsManager: SecretsManagerClient;

beforeAll(async () => {
  simulator = await startPaytiaSimulator({
    port: 0,
    host: '127.0.0.1',
    now: () => simulatedNow,
    seededPayments: 3,
  });
  secretsServer = await startLocalSecretsManager({ host: '127.0.0.1' });
  secretsManager = new SecretsManagerClient({
    endpoint: secretsServer.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // As an operator fills it in: client credentials and the portal's first refresh token.
  await secretsManager.send(
    new CreateSecretCommand({
      Name: SECRET_ID,
      SecretString: JSON.stringify({
        mode: 'access_token',
        client_id: simulator.credentials.clientId,
        client_secret: simulator.credentials.clientSecret,
        refresh_token: simulator.credentials.refreshToken,
      }),
    }),
  );
});

afterAll(async () => {
  secretsManager?.destroy();
  await secretsServer?.close();
  await simulator?.close();
});

type Outcome = 'rotated' | 'skipped' | 'failed' | 'crashed';

interface RunRecord {
  at: number;
  planned: PlannedRun;
  outcome: Outcome;
  result?: RotationResult;
  failedStage?: string;
  /** A token call answered with a new pair during the run. */
  renewed: boolean;
  /** Paytia rejected the stored refresh token during the run. */
  refreshRejected: boolean;
  /** A PutSecretValue of the run reached Secrets Manager. */
  landed: boolean;
}

/** The Paytia client the rotate-token function builds (3 retries), with no real waiting. */
const rotatorPaytia = () =>
  new PaytiaClient({
    baseUrl: simulator.url,
    timeoutMs: 2_000,
    retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => undefined,
  });

/** One invocation of the rotator, meeting `chaos`. A crash freezes it for good, as a killed process. */
async function invokeRotator(planned: PlannedRun): Promise<RunRecord> {
  const { chaos } = planned;
  const record: RunRecord = {
    at: simulatedNow,
    planned,
    outcome: 'failed',
    renewed: false,
    refreshRejected: false,
    landed: false,
  };
  let crashed!: () => void;
  const crash = new Promise<'crashed'>((resolve) => {
    crashed = () => resolve('crashed');
  });
  const die = <T>(): Promise<T> => {
    crashed();
    return new Promise<T>(() => undefined); // never continues
  };

  const paytia = rotatorPaytia();
  const renewal =
    <Args, Result>(call: 'refresh_token' | 'authorize', send: (args: Args) => Promise<Result>) =>
    async (args: Args) => {
      let tokens: Result;
      try {
        tokens = await send(args);
      } catch (error) {
        // Paytia refused the refresh token itself (spent), as opposed to being down.
        if (call === 'refresh_token' && !isRetryable(error)) record.refreshRejected = true;
        throw error;
      }
      record.renewed = true;
      return chaos === 'crash_after_renewal' ? die<Result>() : tokens;
    };
  const chaoticPaytia = {
    refreshToken: renewal('refresh_token', paytia.refreshToken.bind(paytia)),
    authorize: renewal('authorize', paytia.authorize.bind(paytia)),
  };

  let writeAttempts = 0;
  const chaoticSecrets: Pick<SecretsManagerClient, 'send'> = {
    send: (async (command: unknown) => {
      if (!(command instanceof PutSecretValueCommand)) {
        return secretsManager.send(command as GetSecretValueCommand);
      }
      writeAttempts++;
      const fail = () => {
        throw new InternalServiceError({ message: 'injected PutSecretValue failure', $metadata: {} });
      };
      const land = async () => {
        const answer = await secretsManager.send(command);
        record.landed = true;
        return answer;
      };
      const loseAnswer = () => {
        throw Object.assign(new Error('the PutSecretValue answer was lost (injected)'), {
          name: 'TimeoutError',
        });
      };
      switch (chaos) {
        case 'write_fails':
        case 'crash_between_retries':
          return fail();
        case 'write_flaky':
          return writeAttempts <= 2 ? fail() : land();
        case 'write_answer_lost':
          await land();
          return writeAttempts === 1 ? loseAnswer() : land();
        case 'write_answers_all_lost':
          await land();
          return loseAnswer();
        case 'crash_during_write_landed':
          await land();
          return die();
        case 'crash_during_write_unlanded':
          return die();
        default:
          return land();
      }
    }) as SecretsManagerClient['send'],
  };

  if (chaos === 'paytia_down') simulator.control.injectApiFault({ status: 503 });
  try {
    const run = rotateToken({
      store: secretsManagerTokenStore(chaoticSecrets, SECRET_ID),
      paytia: chaoticPaytia,
      clock: () => new Date(simulatedNow),
      minAgeMs: MIN_AGE_MS,
      sleep: (ms) => (chaos === 'crash_between_retries' ? die() : Promise.resolve(void ms)),
      logger: silent,
    });
    const result = await Promise.race([run, crash]);
    if (result === 'crashed') {
      record.outcome = 'crashed';
    } else {
      record.outcome = result.outcome;
      record.result = result;
    }
  } catch (error) {
    record.outcome = 'failed';
    record.failedStage = (error as { stage?: string }).stage ?? String(error);
  } finally {
    simulator.control.clearFaults();
  }
  return record;
}

interface Check {
  at: number;
  slot: number;
  when: string;
  ok: boolean;
  error?: string;
  expired?: boolean;
  guaranteed: boolean;
}

describe(`rotator chaos (${reliabilityScale()} scale, seed ${SEED})`, () => {
  it(
    `keeps a working token through ${DAYS} simulated days of crashes, lost writes and duplicate runs`,
    async () => {
      // Prepare
      const slots = planWeek(seededRandom(SEED));
      const consumer = new PaytiaClient({
        baseUrl: simulator.url,
        retry: { maxRetries: 0 },
        credentials: secretsManagerCredentials({
          client: secretsManager,
          secretId: SECRET_ID,
          maxAgeMs: MINUTE,
          now: () => simulatedNow,
        }),
      });
      const runs: RunRecord[] = [];
      const checks: Check[] = [];
      const methodMismatches: string[] = [];
      let pairLost = false;
      /** Until when the last completed run guarantees a working token (point 2). */
      let guaranteedUntil = 0;
      const start = simulatedNow;
      /** Slots in which a run completed (rotated or skipped). */
      const completedSlots = new Set<number>();
      const check = async (slot: number, when: string) => {
        const guaranteed = simulatedNow < guaranteedUntil;
        try {
          await consumer.paymentTaken({ limit_per_page: 10 });
          checks.push({ at: simulatedNow, slot, when, ok: true, guaranteed });
        } catch (error) {
          checks.push({
            at: simulatedNow,
            slot,
            when,
            ok: false,
            error: (error as Error).name,
            expired: error instanceof PaytiaAccessTokenExpiredError,
            guaranteed,
          });
        }
      };

      // Act
      for (const [index, slot] of slots.entries()) {
        const slotStart = start + index * SLOT_MS;
        for (const planned of slot.runs) {
          simulatedNow = slotStart + planned.offsetMs;
          const record = await invokeRotator(planned);
          runs.push(record);
          // Point 4: authorize exactly when the previous renewal's pair was lost.
          if (record.renewed || record.refreshRejected) {
            if (record.refreshRejected !== pairLost) {
              methodMismatches.push(
                `${new Date(record.at).toISOString()} ${planned.chaos}: refresh rejected ${record.refreshRejected}, pair lost ${pairLost}`,
              );
            }
            if (
              record.result?.outcome === 'rotated' &&
              record.result.method !== (pairLost ? 'authorize' : 'refresh')
            ) {
              methodMismatches.push(
                `${new Date(record.at).toISOString()}: rotated by ${record.result.method}`,
              );
            }
          }
          if (record.landed) pairLost = false;
          else if (record.renewed) pairLost = true;
          if (record.outcome === 'rotated' || record.outcome === 'skipped') {
            const validFor = record.outcome === 'rotated' ? HOUR : HOUR - MIN_AGE_MS;
            guaranteedUntil = Math.max(guaranteedUntil, simulatedNow + validFor);
            completedSlots.add(index);
            await check(index, `after a completed run (${planned.why}, ${planned.chaos})`);
          }
        }
        simulatedNow = slotStart + 2 * MINUTE;
        await check(index, `slot ${index} +2 min`);
        simulatedNow = slotStart + SLOT_MS - MINUTE;
        await check(index, `slot ${index} +29 min`);
      }
      simulatedNow += 2 * MINUTE;
      const stored = parseTokenSecret(
        (await secretsManager.send(new GetSecretValueCommand({ SecretId: SECRET_ID }))).SecretString,
      );
      const fresh = new PaytiaClient({
        baseUrl: simulator.url,
        retry: { maxRetries: 0 },
        credentials: secretsManagerCredentials({
          client: secretsManager,
          secretId: SECRET_ID,
          now: () => simulatedNow,
        }),
      });
      const finalCall = await fresh.paymentTaken({ limit_per_page: 10 }).then(
        () => 'ok',
        (error: Error) => error.name,
      );

      // Assess
      const context = `seed ${SEED}`;
      const outcomes = (chaos: Chaos) =>
        runs.filter((run) => run.planned.chaos === chaos).map((run) => run.outcome);
      // Points 1 and 2: every guaranteed check worked.
      const broken = checks.filter((entry) => entry.guaranteed && !entry.ok);
      expect(broken.slice(0, 5), `${broken.length} guaranteed checks failed, ${context}`).toEqual([]);
      // Point 3: failures only after two consecutive slots without a completed run, only as an
      // expired token, and they did happen, so this test can tell a dead token from a live one.
      const failures = checks.filter((entry) => !entry.ok);
      expect(
        failures.filter((entry) => !entry.expired),
        context,
      ).toEqual([]);
      expect(
        failures.filter((entry) => completedSlots.has(entry.slot) || completedSlots.has(entry.slot - 1)),
        context,
      ).toEqual([]);
      expect(failures.length, 'the double crashes let the token expire').toBeGreaterThan(0);
      // Healing within one period: every run that met no chaos itself completed, whatever the
      // runs before it left behind (a spent refresh token, a lost write, a dead access token).
      const unhealed = runs.filter(
        (run) => run.planned.chaos === 'normal' && run.outcome !== 'rotated' && run.outcome !== 'skipped',
      );
      expect(
        unhealed.slice(0, 5).map((run) => ({ ...run, at: new Date(run.at).toISOString() })),
        `${unhealed.length} clean runs did not complete, ${context}`,
      ).toEqual([]);
      const lastFailure = Math.max(...failures.map((entry) => entry.at));
      const healed = checks.find(
        (entry) => entry.at > lastFailure && entry.when.startsWith('after a completed run'),
      );
      expect(healed?.ok, 'the next completed run healed it').toBe(true);
      // Point 4.
      expect(methodMismatches, context).toEqual([]);
      const authorized = runs.filter(
        (run) => run.result?.outcome === 'rotated' && run.result.method === 'authorize',
      );
      expect(authorized.length, 'lost pairs were recovered through authorize').toBeGreaterThan(0);
      // Point 5.
      expect(stored).toMatchObject({ mode: 'access_token', access_token: expect.any(String) });
      expect(finalCall).toBe('ok');

      // The chaos happened as planned: every kind met, crashes crashed, failures failed.
      expect(slots).toHaveLength(SLOTS);
      for (const chaos of CHAOS) expect(outcomes(chaos).length, chaos).toBeGreaterThanOrEqual(EACH_CHAOS);
      for (const chaos of [
        'crash_after_renewal',
        'crash_during_write_landed',
        'crash_during_write_unlanded',
        'crash_between_retries',
      ] as const) {
        expect(new Set(outcomes(chaos)), chaos).toEqual(new Set(['crashed']));
      }
      for (const chaos of ['write_fails', 'write_answers_all_lost', 'paytia_down'] as const) {
        expect(new Set(outcomes(chaos)), chaos).toEqual(new Set(['failed']));
      }
      for (const chaos of ['write_flaky', 'write_answer_lost'] as const) {
        expect(new Set(outcomes(chaos)), chaos).toEqual(new Set(['rotated']));
      }
      expect(runs.filter((run) => run.planned.why === 'duplicate delivery').length).toBeGreaterThan(0);
      expect(runs.filter((run) => run.planned.why === 'lambda retry').length).toBeGreaterThan(0);
      expect(
        runs.filter((run) => run.outcome === 'skipped').length,
        'duplicates found a fresh token',
      ).toBeGreaterThan(0);

      const tally = (values: string[]) =>
        Object.entries(
          values.reduce<Record<string, number>>((counts, value) => {
            counts[value] = (counts[value] ?? 0) + 1;
            return counts;
          }, {}),
        );
      console.info(
        `rotator: ${DAYS} days, ${SLOTS} slots, ${runs.length} runs ${JSON.stringify(tally(runs.map((run) => run.outcome)))}, ` +
          `${authorized.length} recoveries by authorize, ${checks.length} consumer checks, ` +
          `${failures.length} failed (all after two dead slots), seed ${SEED}`,
      );
    },
    scaled({ small: 120_000, full: 900_000 }),
  );
});
