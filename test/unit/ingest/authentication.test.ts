import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { HmacAlgorithm, SignatureEncoding } from '../../../shared/ingest/signature.js';
import { hmacSignatureVerifier } from '../../../shared/ingest/signature.js';
import { matchesAnyToken } from '../../../shared/ingest/tokens.js';

describe('matchesAnyToken', () => {
  it('matches a token equal to the only accepted token', () => {
    // Act
    const matched = matchesAnyToken('tok_5f2a9c', ['tok_5f2a9c']);

    // Assess
    expect(matched).toBe(true);
  });

  it.each([
    ['the first', ['current-token', 'previous-token']],
    ['the last', ['previous-token', 'current-token']],
    ['a middle', ['a', 'current-token', 'b']],
  ])('matches a token equal to %s of several accepted tokens', (_case, accepted) => {
    // Act
    const matched = matchesAnyToken('current-token', accepted);

    // Assess
    expect(matched).toBe(true);
  });

  it.each([
    ['a different token of the same length', 'tok_5f2a9d'],
    ['a different case', 'TOK_5F2A9C'],
    ['a prefix of the token', 'tok_5f2a'],
    ['the token with a suffix', 'tok_5f2a9c0'],
    ['the token with trailing whitespace', 'tok_5f2a9c '],
    ['an empty candidate', ''],
  ])('refuses %s', (_case, candidate) => {
    // Act
    const matched = matchesAnyToken(candidate, ['tok_5f2a9c', 'other-token']);

    // Assess
    expect(matched).toBe(false);
  });

  it('refuses every candidate when no token is accepted', () => {
    // Act
    const matched = [matchesAnyToken('tok_5f2a9c', []), matchesAnyToken('', [])];

    // Assess
    expect(matched).toEqual([false, false]);
  });

  it('compares non-ASCII tokens by their characters', () => {
    // Act
    const matched = [matchesAnyToken('clé-€', ['clé-€']), matchesAnyToken('cle-€', ['clé-€'])];

    // Assess
    expect(matched).toEqual([true, false]);
  });
});

const HEADER = 'x-paytia-signature';
const SECRET = 'whsec_current_0f1e2d';
const PREVIOUS_SECRET = 'whsec_previous_9a8b7c';
const BODY = new TextEncoder().encode('{"transaction_id":"T1","status":"PAID"}');

function sign(
  body: Uint8Array,
  secret: string,
  algorithm: HmacAlgorithm = 'sha256',
  encoding: SignatureEncoding = 'hex',
): string {
  return createHmac(algorithm, secret).update(body).digest(encoding);
}

function verifier(
  options: {
    header?: string;
    algorithm?: HmacAlgorithm;
    encoding?: SignatureEncoding;
    secrets?: string[];
  } = {},
) {
  const secrets = vi.fn(async () => options.secrets ?? [SECRET]);
  const verifier = hmacSignatureVerifier({
    header: options.header ?? HEADER,
    algorithm: options.algorithm ?? 'sha256',
    encoding: options.encoding ?? 'hex',
    secrets,
  });
  return { verifier, secrets };
}

describe('hmacSignatureVerifier: valid signatures', () => {
  it.each([
    ['sha256', 'hex'],
    ['sha256', 'base64'],
    ['sha512', 'hex'],
    ['sha512', 'base64'],
    ['sha1', 'hex'],
    ['sha1', 'base64'],
  ] as Array<[HmacAlgorithm, SignatureEncoding]>)(
    'accepts a valid %s signature in %s',
    async (algorithm, encoding) => {
      // Prepare
      const { verifier: check } = verifier({ algorithm, encoding });
      const signature = sign(BODY, SECRET, algorithm, encoding);

      // Act
      const valid = await check.verify(BODY, { [HEADER]: signature });

      // Assess
      expect(valid).toBe(true);
    },
  );

  it('checks the exact bytes, including bytes that are not valid UTF-8', async () => {
    // Prepare
    const body = Uint8Array.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    const lossy = new TextEncoder().encode(new TextDecoder().decode(body));
    const { verifier: check } = verifier();

    // Act
    const overExactBytes = await check.verify(body, { [HEADER]: sign(body, SECRET) });
    const overDecodedText = await check.verify(body, { [HEADER]: sign(lossy, SECRET) });

    // Assess
    expect(overExactBytes).toBe(true);
    expect(overDecodedText).toBe(false);
  });

  it.each([
    ['sha256', 'sha256='],
    ['sha256', 'SHA256='],
    ['sha512', 'sha512='],
    ['sha1', 'sha1='],
  ] as Array<[HmacAlgorithm, string]>)(
    'accepts a %s signature written with a "%s" prefix',
    async (algorithm, prefix) => {
      // Prepare
      const { verifier: check } = verifier({ algorithm });

      // Act
      const valid = await check.verify(BODY, { [HEADER]: `${prefix}${sign(BODY, SECRET, algorithm)}` });

      // Assess
      expect(valid).toBe(true);
    },
  );

  it('accepts a signature in upper-case hex', async () => {
    // Prepare
    const { verifier: check } = verifier();

    // Act
    const valid = await check.verify(BODY, { [HEADER]: sign(BODY, SECRET).toUpperCase() });

    // Assess
    expect(valid).toBe(true);
  });

  it('finds the header whatever the case of the configured name', async () => {
    // Prepare: request headers arrive lower-cased; the configuration may not be.
    const { verifier: check } = verifier({ header: 'X-Paytia-SIGNATURE' });

    // Act
    const valid = await check.verify(BODY, { 'x-paytia-signature': sign(BODY, SECRET) });

    // Assess
    expect(valid).toBe(true);
  });

  it('accepts the previous secret during a rotation, as well as the current one', async () => {
    // Prepare
    const { verifier: check, secrets } = verifier({ secrets: [SECRET, PREVIOUS_SECRET] });

    // Act
    const withCurrent = await check.verify(BODY, { [HEADER]: sign(BODY, SECRET) });
    const withPrevious = await check.verify(BODY, { [HEADER]: sign(BODY, PREVIOUS_SECRET) });
    const withRetired = await check.verify(BODY, { [HEADER]: sign(BODY, 'whsec_retired') });

    // Assess
    expect([withCurrent, withPrevious, withRetired]).toEqual([true, true, false]);
    expect(secrets).toHaveBeenCalledTimes(3);
  });
});

describe('hmacSignatureVerifier: refused requests', () => {
  it('refuses a request without the signature header', async () => {
    // Prepare
    const { verifier: check } = verifier();

    // Act
    const valid = await check.verify(BODY, { 'x-other-signature': sign(BODY, SECRET) });

    // Assess
    expect(valid).toBe(false);
  });

  it('refuses an empty signature header', async () => {
    // Prepare
    const { verifier: check } = verifier();

    // Act
    const valid = await check.verify(BODY, { [HEADER]: '' });

    // Assess
    expect(valid).toBe(false);
  });

  it('refuses a signature with one character changed', async () => {
    // Prepare
    const { verifier: check } = verifier();
    const signature = sign(BODY, SECRET);
    const tampered = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;

    // Act
    const valid = await check.verify(BODY, { [HEADER]: tampered });

    // Assess
    expect(valid).toBe(false);
  });

  it.each([
    ['a signature made with another secret', () => sign(BODY, 'whsec_attacker')],
    ['a truncated signature', () => sign(BODY, SECRET).slice(0, 32)],
    ['the right digest in the wrong encoding', () => sign(BODY, SECRET, 'sha256', 'base64')],
    ['a digest made with another algorithm', () => sign(BODY, SECRET, 'sha1')],
    ['a value that is not a digest', () => 'not-a-signature'],
  ])('refuses %s', async (_case, signature) => {
    // Prepare
    const { verifier: check } = verifier();

    // Act
    const valid = await check.verify(BODY, { [HEADER]: signature() });

    // Assess
    expect(valid).toBe(false);
  });

  it('refuses a valid signature over different bytes', async () => {
    // Prepare
    const { verifier: check } = verifier();
    const signedBody = new TextEncoder().encode('{"transaction_id":"T1","status":"PAID"}');
    const sentBody = new TextEncoder().encode('{"transaction_id":"T1","status":"PAID" }');

    // Act
    const valid = await check.verify(sentBody, { [HEADER]: sign(signedBody, SECRET) });

    // Assess
    expect(valid).toBe(false);
  });

  it('refuses every signature when no secret is available', async () => {
    // Prepare
    const { verifier: check } = verifier({ secrets: [] });

    // Act
    const valid = await check.verify(BODY, { [HEADER]: sign(BODY, SECRET) });

    // Assess
    expect(valid).toBe(false);
  });
});
