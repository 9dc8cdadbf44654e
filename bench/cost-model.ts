/**
 * Dollars per million webhooks received, from the measured ingest figures and the stack's settings,
 * at AWS list prices. Computed, not measured against AWS.
 */
import { writeUnits } from './dynamodb-item-size.js';
import type { BenchmarkResult, Figure } from './report.js';

/**
 * AWS public list prices for us-east-1 (N. Virginia), on-demand, as published on each service's
 * pricing page and known in 2025; free tiers left out. List prices to be checked against
 * https://aws.amazon.com/<service>/pricing/ before anyone relies on them: they change (DynamoDB
 * on-demand halved in November 2024) and differ by region.
 */
export const PRICES = {
  /** API Gateway HTTP API: per million requests, first 300 million a month; each 512 KB is a request. */
  apiGatewayHttpPerMillionRequests: 1.0,
  /** Lambda: per million requests. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda on arm64 (Graviton): per GB-second, first 7.5 billion GB-s a month; billed per 1 ms. */
  lambdaArm64PerGbSecond: 0.0000133334,
  /** DynamoDB on-demand: per million write request units (one per 1 KB written, each index too). */
  dynamoDbPerMillionWriteUnits: 0.625,
  /** Secrets Manager: per 10,000 API calls (and $0.40 per secret a month, not per webhook). */
  secretsManagerPer10kCalls: 0.05,
  /** CloudWatch Logs: per GB ingested (standard class). */
  cloudWatchLogsPerGbIngested: 0.5,
  /** X-Ray: per million traces recorded (first 100,000 a month free). */
  xrayPerMillionTracesRecorded: 5.0,
} as const;

export interface CostInputs {
  /** Mean billed duration of one invocation (each rounded up to 1 ms), measured here. */
  billedMs: number;
  memoryMb: number;
  /** The stored item of a first receipt, in bytes (DynamoDB's measure). */
  itemBytes: number;
  /**
   * The entry each secondary index holds of a first receipt, in bytes (its keys and what it
   * projects): each index write costs one unit per started kilobyte of its entry.
   */
  indexEntryBytes: Record<string, number>;
  /** Bytes the function writes to its log per invocation, measured here. */
  logBytesPerInvocation: number;
  /** `WEBHOOK_TOKEN_CACHE_SECONDS`: one GetSecretValue per warm container per this many seconds. */
  tokenCacheSeconds: number;
  /** The steady webhook rate one warm container serves, for the Secrets Manager line. */
  webhooksPerSecond: number;
}

export interface CostLine {
  service: string;
  unit: string;
  price: number;
  /** Units per webhook. */
  quantity: number;
  perMillion: number;
  basis: string;
}

const MILLION = 1_000_000;
const GB = 1024 ** 3;

/** The table's units for the item, and each index's for the entry it holds. */
export function firstReceiptWriteUnits(inputs: Pick<CostInputs, 'itemBytes' | 'indexEntryBytes'>): number {
  return Object.values(inputs.indexEntryBytes).reduce(
    (total, bytes) => total + writeUnits(bytes),
    writeUnits(inputs.itemBytes),
  );
}

export function costLines(inputs: CostInputs): { listed: CostLine[]; alsoIncurred: CostLine[] } {
  const gbSeconds = (inputs.memoryMb / 1024) * (inputs.billedMs / 1000);
  const writes = firstReceiptWriteUnits(inputs);
  const indexBasis = Object.entries(inputs.indexEntryBytes)
    .map(([name, bytes]) => `${writeUnits(bytes)} for ${name} (${bytes} bytes)`)
    .join(', ');
  const secretCalls = 1 / (inputs.tokenCacheSeconds * inputs.webhooksPerSecond);
  const line = (
    service: string,
    unit: string,
    price: number,
    perUnit: number,
    quantity: number,
    basis: string,
  ) => ({
    service,
    unit,
    price,
    quantity,
    perMillion: quantity * perUnit * MILLION,
    basis,
  });
  return {
    listed: [
      line(
        'API Gateway HTTP API',
        'per million requests',
        PRICES.apiGatewayHttpPerMillionRequests,
        PRICES.apiGatewayHttpPerMillionRequests / MILLION,
        1,
        'one request per webhook (bodies under 512 KB)',
      ),
      line(
        'Lambda requests',
        'per million requests',
        PRICES.lambdaPerMillionRequests,
        PRICES.lambdaPerMillionRequests / MILLION,
        1,
        'one invocation per webhook',
      ),
      line(
        'Lambda duration (arm64)',
        'per GB-second',
        PRICES.lambdaArm64PerGbSecond,
        PRICES.lambdaArm64PerGbSecond,
        gbSeconds,
        `${inputs.memoryMb} MB x ${inputs.billedMs.toFixed(2)} ms billed (measured here: a lower bound)`,
      ),
      line(
        'DynamoDB on-demand writes',
        'per million write units',
        PRICES.dynamoDbPerMillionWriteUnits,
        PRICES.dynamoDbPerMillionWriteUnits / MILLION,
        writes,
        `${writeUnits(inputs.itemBytes)} for the ${inputs.itemBytes}-byte item, ${indexBasis}`,
      ),
      line(
        'Secrets Manager GetSecretValue',
        'per 10,000 calls',
        PRICES.secretsManagerPer10kCalls,
        PRICES.secretsManagerPer10kCalls / 10_000,
        secretCalls,
        `one call per warm container per ${inputs.tokenCacheSeconds} s, at ${inputs.webhooksPerSecond} webhook/s on one container`,
      ),
    ],
    alsoIncurred: [
      line(
        'CloudWatch Logs ingestion',
        'per GB',
        PRICES.cloudWatchLogsPerGbIngested,
        PRICES.cloudWatchLogsPerGbIngested / GB,
        inputs.logBytesPerInvocation,
        `${Math.round(inputs.logBytesPerInvocation)} bytes of log and EMF lines per webhook (measured), plus Lambda's own START/REPORT lines (not counted)`,
      ),
      line(
        'X-Ray traces, only with tracing=all (off by default)',
        'per million traces',
        PRICES.xrayPerMillionTracesRecorded,
        PRICES.xrayPerMillionTracesRecorded / MILLION,
        1,
        "every webhook traced: the default sampling rule keeps the first request each second and 5% of the rest, so at a merchant's rate (under 1/s) it keeps all",
      ),
    ],
  };
}

export function runCostModel(inputs: CostInputs): BenchmarkResult {
  const { listed, alsoIncurred } = costLines(inputs);
  const total = listed.reduce((sum, line) => sum + line.perMillion, 0);
  const dollars = (metric: string, value: number): Figure => ({ metric, value, unit: '$', digits: 3 });
  const perTenMs = (inputs.memoryMb / 1024) * 0.01 * PRICES.lambdaArm64PerGbSecond * MILLION;
  return {
    name: 'cost',
    title: 'Cost model: dollars per million webhooks at AWS list prices (us-east-1)',
    figures: [
      {
        metric: 'billed Lambda duration per webhook (measured mean)',
        value: inputs.billedMs,
        unit: 'ms',
        digits: 2,
      },
      { metric: 'stored item, first receipt', value: inputs.itemBytes, unit: 'bytes', digits: 0 },
      {
        metric: 'DynamoDB write units per webhook',
        value: firstReceiptWriteUnits(inputs),
        unit: '',
        digits: 0,
      },
      dollars('per million webhooks: the four services', total),
      ...listed.map((line) => dollars(`  ${line.service}`, line.perMillion)),
      ...alsoIncurred.map((line) => dollars(`  also: ${line.service}`, line.perMillion)),
      dollars('  each further 10 ms of Lambda duration', perTenMs),
    ],
    details: { inputs, prices: PRICES, listed, alsoIncurred, totalPerMillion: total },
    notes: [
      'list prices (us-east-1, 2025) to be checked; duration is the handler measured here against local dynalite, a lower bound for Lambda',
    ],
  };
}
