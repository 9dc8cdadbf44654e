import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DELIVERY_ID, deliveryItem, fakeTarget, runCli } from './harness.js';

const dynamodb = mockClient(DynamoDBClient);
const FORM_ID = 'f'.repeat(64);
const FORM_BYTES = new TextEncoder().encode('payment_stage=amount_verify&reference_id=R1&note=caf%C3%A9');
const FORM = deliveryItem({
  deliveryId: { S: FORM_ID },
  body: { B: FORM_BYTES },
  contentType: { S: 'application/x-www-form-urlencoded; charset=utf-8' },
  firstReceivedAt: { S: '2026-11-21T09:00:00.000Z' },
});
const JSON_ITEM = deliveryItem();

beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(GetItemCommand).callsFake((input) => {
    const pk = input.Key.pk.S as string;
    return { Item: [FORM, JSON_ITEM].find((item) => item.pk?.S === pk) };
  });
});

type Sent = { url: string; body: Uint8Array; headers: Record<string, string>; redirect?: string };

function answering(...statuses: number[]) {
  const sent: Sent[] = [];
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(url),
      body: new Uint8Array(init?.body as Uint8Array),
      headers: init?.headers as Record<string, string>,
      redirect: init?.redirect,
    });
    const status = statuses[sent.length - 1] ?? 200;
    return new Response(status === 204 ? null : 'ok', { status });
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, sent };
}

describe('replay', () => {
  it('POSTs the exact stored bytes with the stored content type', async () => {
    const { fetch, sent } = answering(200);
    const { code, stdout, stderr } = await runCli(
      ['replay', FORM_ID, '--to', 'https://downstream.test/hook'],
      {
        ...fakeTarget(),
        fetch,
      },
    );

    expect(code).toBe(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe('https://downstream.test/hook');
    expect(Buffer.from(sent[0]?.body ?? []).equals(Buffer.from(FORM_BYTES))).toBe(true);
    expect(sent[0]?.headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'paytia-auditor',
      'x-paytia-replay-of': FORM_ID,
    });
    expect(sent[0]?.redirect).toBe('manual');
    expect(stdout).toMatch(/\nffffffffffff +58 +application\/x-www-form-urlencoded; .* +HTTP 200 +\d+\n$/);
    expect(stderr).toBe('replay 1/1 ffffffffffff: HTTP 200\n');
  });

  it('replays several ids, and exits 1 when any answer is not 2xx', async () => {
    const { fetch } = answering(204, 500);
    const { code, stdout, stderr } = await runCli(
      ['replay', FORM_ID, DELIVERY_ID, '--to', 'http://localhost:8080/', '--json'],
      { ...fakeTarget(), fetch },
    );

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual([
      {
        deliveryId: FORM_ID,
        bytes: 58,
        contentType: 'application/x-www-form-urlencoded; charset=utf-8',
        ok: true,
        status: 204,
        ms: expect.any(Number),
      },
      {
        deliveryId: DELIVERY_ID,
        bytes: 47,
        contentType: 'application/json',
        ok: false,
        status: 500,
        ms: expect.any(Number),
      },
    ]);
    expect(stderr).toContain('1 of 2 replays failed.\n');
  });

  it('checks every id before sending anything', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [] });
    const { fetch, sent } = answering();
    const { code, stderr } = await runCli(['replay', FORM_ID, 'deadbeef00', '--to', 'http://localhost/'], {
      ...fakeTarget(),
      fetch,
    });

    expect(code).toBe(2);
    expect(stderr).toContain('no delivery deadbeef00');
    expect(sent).toEqual([]);
  });

  it('replays what a filter matches, oldest last as listed', async () => {
    dynamodb.on(ScanCommand).resolves({ Items: [FORM, JSON_ITEM] });
    const { fetch, sent } = answering();
    const { code } = await runCli(['replay', '--since', '24h', '--to', 'http://localhost/'], {
      ...fakeTarget(),
      fetch,
    });

    expect(code).toBe(0);
    expect(sent.map((request) => request.headers['x-paytia-replay-of'])).toEqual([DELIVERY_ID, FORM_ID]);
  });

  it('sends nothing with --dry-run', async () => {
    const { fetch, sent } = answering();
    const { code, stdout } = await runCli(['replay', FORM_ID, '--to', 'http://localhost/', '--dry-run'], {
      ...fakeTarget(),
      fetch,
    });
    expect(code).toBe(0);
    expect(sent).toEqual([]);
    expect(stdout).toContain('would send');
  });

  it('names why there was no answer: refused, or too slow', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9999'), { code: 'ECONNREFUSED' }),
    });
    const fetch = vi
      .fn()
      .mockRejectedValueOnce(refused)
      .mockRejectedValueOnce(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    const { code, stdout } = await runCli(
      ['replay', FORM_ID, DELIVERY_ID, '--to', 'http://localhost:9999/', '--timeout', '2', '--json'],
      { ...fakeTarget(), fetch: fetch as unknown as typeof globalThis.fetch },
    );

    expect(code).toBe(1);
    expect(JSON.parse(stdout).map((result: { error: string }) => result.error)).toEqual([
      'could not connect (ECONNREFUSED)',
      'no answer within 2 s',
    ]);
  });
});
