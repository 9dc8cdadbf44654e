import { describe, expect, it } from 'vitest';
import * as paytia from '../../../shared/paytia/index.js';
import {
  PaytiaAccessTokenExpiredError,
  PaytiaAccessTokenMissingError,
  PaytiaApiError,
  PaytiaApiKeyMissingError,
  PaytiaAuthenticationError,
  PaytiaCdrIdMissingError,
  PaytiaDuplicateReferenceError,
  PaytiaError,
  PaytiaInvalidAccessTokenError,
  PaytiaInvalidApiKeyError,
  PaytiaMethodNotAllowedError,
  PaytiaNonJsonResponseError,
  PaytiaServerError,
  PaytiaUnauthorizedError,
  PaytiaUnexpectedResponseError,
  PaytiaValidationError,
} from '../../../shared/paytia/index.js';
import { envelope, fakeFetch, json, paytiaError, plainText, testClient } from './fake-paytia.js';

/** A client that does not retry, so each test sees exactly the first answer's error. */
function clientAnswering(answer: Response) {
  const fake = fakeFetch(answer);
  return { fake, ...testClient(fake, { retry: { maxRetries: 0 } }) };
}

async function failureOf(promise: Promise<unknown>): Promise<PaytiaError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof PaytiaError)) throw new Error(`expected a PaytiaError, got ${String(error)}`);
  return error;
}

describe("the seed's error table", () => {
  it.each([
    [400, 'API key is required.', PaytiaApiKeyMissingError],
    [401, 'Invalid API key.', PaytiaInvalidApiKeyError],
    [400, 'Access token is required.', PaytiaAccessTokenMissingError],
    [400, 'Invalid access token.', PaytiaInvalidAccessTokenError],
    [400, 'Access token expired, please generate again using refresh token.', PaytiaAccessTokenExpiredError],
    [400, 'Cdr id is Required', PaytiaCdrIdMissingError],
  ])('HTTP %i "%s" is %o', async (status, description, errorClass) => {
    // Prepare
    const { client } = clientAnswering(paytiaError(status, description));

    // Act
    const error = await failureOf(client.webhookRequestData({ cdr_id: 'cdr-1', reference_id: 'ref-7' }));

    // Assess
    expect(error).toBeInstanceOf(errorClass);
    expect(error.name).toBe(errorClass.name);
    expect(error).toMatchObject({ call: 'webhook_request_data', status, description, referenceId: 'ref-7' });
    expect(error.message).toBe(`webhook_request_data: Paytia answered HTTP ${status}: ${description}`);
  });

  it('groups the credential rows under PaytiaAuthenticationError and CDR id under validation', async () => {
    // Prepare
    const { client: expired } = clientAnswering(
      paytiaError(400, 'Access token expired, please generate again'),
    );
    const { client: cdr } = clientAnswering(paytiaError(400, 'Cdr id is Required'));

    // Act
    const expiredError = await failureOf(expired.paymentTaken());
    const cdrError = await failureOf(cdr.viewCdrLog({ cdr_id: 'x' }));

    // Assess
    expect(expiredError).toBeInstanceOf(PaytiaAuthenticationError);
    expect(cdrError).toBeInstanceOf(PaytiaValidationError);
  });

  it('recognises a documented description sent as plain text', async () => {
    // Prepare
    const { client } = clientAnswering(plainText(401, 'Invalid API key.\n'));

    // Act
    const error = await failureOf(client.paymentTaken());

    // Assess
    expect(error).toBeInstanceOf(PaytiaInvalidApiKeyError);
    expect(error).toMatchObject({ status: 401, description: 'Invalid API key.' });
  });
});

describe('No Data Found', () => {
  it('is an empty result, not an error', async () => {
    // Prepare
    const { client } = clientAnswering(
      json(400, {
        httpStatus: false,
        reference_id: 'ref-empty',
        status: { statusCode: 400, statusDescription: 'No Data Found' },
        data: [],
      }),
    );

    // Act
    const result = await client.paymentTaken({ reference_id: 'ref-empty' });

    // Assess
    expect(result.data).toEqual([]);
    expect(result.reference_id).toBe('ref-empty');
    expect(result.status.statusDescription).toBe('No Data Found');
  });

  it.each([
    ['plain text', plainText(400, 'No Data Found')],
    [
      'JSON without data',
      json(400, { httpStatus: false, status: { statusCode: 400, statusDescription: 'No data found' } }),
    ],
  ])('is empty in %s too', async (_form, answer) => {
    // Prepare
    const { client } = clientAnswering(answer);

    // Act
    const result = await client.webhookRequestData({ cdr_id: 'cdr-1', reference_id: 'ref-8' });

    // Assess
    expect(result.data).toEqual([]);
    expect(result.reference_id).toBe('ref-8');
  });

  it('is an error for payment_service, which has no records to be empty of', async () => {
    // Prepare
    const { client } = clientAnswering(paytiaError(400, 'No Data Found'));

    // Act
    const error = await failureOf(client.paymentService({ amount: '1.00' }));

    // Assess
    expect(error).toBeInstanceOf(PaytiaValidationError);
  });
});

describe('other failures', () => {
  it("a 400 naming a field is a validation error carrying Paytia's description", async () => {
    // Prepare
    const { client } = clientAnswering(
      paytiaError(400, 'The amount field must be a decimal with two places'),
    );

    // Act
    const error = await failureOf(client.paymentService({ amount: '1.00' }));

    // Assess
    expect(error).toBeInstanceOf(PaytiaValidationError);
    expect(error.name).toBe('PaytiaValidationError');
    expect(error).toMatchObject({
      status: 400,
      description: 'The amount field must be a decimal with two places',
    });
  });

  it.each([
    ['401 without a known description', paytiaError(401, 'Source IP not allowed'), PaytiaUnauthorizedError],
    ['401 with an empty body', plainText(401, ''), PaytiaUnauthorizedError],
    ['405', paytiaError(405, 'Method Not Allowed'), PaytiaMethodNotAllowedError],
    ['405 as plain text', plainText(405, 'Method Not Allowed'), PaytiaMethodNotAllowedError],
    ['500', paytiaError(500, 'Internal Server Error'), PaytiaServerError],
    [
      '502 as an HTML page',
      plainText(502, '<html><body><h1>502 Bad Gateway</h1></body></html>'),
      PaytiaServerError,
    ],
    ['503', plainText(503, 'Service Unavailable'), PaytiaServerError],
    ['504', plainText(504, ''), PaytiaServerError],
    [
      '208 duplicate reference_number',
      paytiaError(208, 'Duplicate reference number'),
      PaytiaDuplicateReferenceError,
    ],
    ['200 whose body says httpStatus false', paytiaError(200, 'Something failed'), PaytiaApiError],
    ['200 with an HTML body', plainText(200, '<html>maintenance</html>'), PaytiaNonJsonResponseError],
    ['404 as plain text', plainText(404, 'Not Found'), PaytiaNonJsonResponseError],
    ['403 as JSON', paytiaError(403, 'Forbidden'), PaytiaApiError],
  ])('%s', async (_case, answer, errorClass) => {
    // Prepare
    const { client } = clientAnswering(answer);

    // Act
    const error = await failureOf(client.paymentService({ amount: '1.00', reference_id: 'pay-1' }));

    // Assess
    expect(error.constructor).toBe(errorClass);
    expect(error.name).toBe(errorClass.name);
    expect(error).toMatchObject({ call: 'payment_service', status: answer.status, referenceId: 'pay-1' });
  });

  it('a 200 whose body says statusCode 500 is a server error', async () => {
    // Prepare
    const { client } = clientAnswering(
      json(200, { httpStatus: false, status: { statusCode: '500', statusDescription: 'Database down' } }),
    );

    // Act
    const error = await failureOf(client.paymentTaken());

    // Assess
    expect(error).toBeInstanceOf(PaytiaServerError);
  });

  it('quotes a plain-text body, whitespace collapsed and cut short', async () => {
    // Prepare
    const page = `<html>\n  <body>${'x'.repeat(1_000)}</body>\n</html>`;
    const { client } = clientAnswering(plainText(502, page));

    // Act
    const error = await failureOf(client.paymentTaken());

    // Assess
    expect(error).toBeInstanceOf(PaytiaApiError);
    const { description } = error as PaytiaApiError;
    expect(description?.startsWith('<html> <body>xxx')).toBe(true);
    expect(description).toHaveLength(300);
  });

  it('a JSON answer in the wrong shape is PaytiaUnexpectedResponseError, naming the path', async () => {
    // Prepare
    const { client } = clientAnswering(envelope([{ status: 'success' }]));

    // Act
    const error = await failureOf(client.paymentTaken());

    // Assess
    expect(error).toBeInstanceOf(PaytiaUnexpectedResponseError);
    expect((error as PaytiaUnexpectedResponseError).problems).toEqual(['data.0.unique_id: is missing']);
    expect(error.message).toContain('data.0.unique_id');
  });

  it("names a wrong type in zod's English, which zod/mini does not load by itself", async () => {
    // Prepare
    const { client } = clientAnswering(envelope(['not a record']));

    // Act
    const error = await failureOf(client.paymentTaken());

    // Assess
    expect((error as PaytiaUnexpectedResponseError).problems).toEqual([
      'data.0: Invalid input: expected object, received string',
    ]);
  });

  it('a JSON array body is in the wrong shape', async () => {
    // Prepare
    const { client } = clientAnswering(json(200, []));

    // Act
    const error = await failureOf(client.paymentTaken());

    // Assess
    expect(error).toBeInstanceOf(PaytiaNonJsonResponseError);
  });
});

describe('every error class', () => {
  const errorClasses = Object.entries(paytia).filter(
    ([exported, value]) => typeof value === 'function' && exported.endsWith('Error'),
  );

  it('covers the error table, transport, timeout, 401, 405, 5xx, plain text and shape failures', () => {
    // Prepare
    const names = errorClasses.map(([exported]) => exported);

    // Act
    const sorted = names.toSorted();

    // Assess
    expect(sorted).toEqual([
      'PaytiaAccessTokenExpiredError',
      'PaytiaAccessTokenMissingError',
      'PaytiaApiError',
      'PaytiaApiKeyMissingError',
      'PaytiaAuthenticationError',
      'PaytiaCdrIdMissingError',
      'PaytiaDuplicateReferenceError',
      'PaytiaError',
      'PaytiaInvalidAccessTokenError',
      'PaytiaInvalidApiKeyError',
      'PaytiaInvalidRequestError',
      'PaytiaMethodNotAllowedError',
      'PaytiaNonJsonResponseError',
      'PaytiaServerError',
      'PaytiaTimeoutError',
      'PaytiaTransportError',
      'PaytiaUnauthorizedError',
      'PaytiaUnexpectedResponseError',
      'PaytiaValidationError',
    ]);
  });

  it.each(errorClasses)(
    '%s sets name to its own class name and extends PaytiaError',
    (exported, errorClass) => {
      // Prepare
      const construct = errorClass as unknown as new (...args: unknown[]) => Error;
      const args: Record<string, unknown[]> = {
        PaytiaError: ['message'],
        PaytiaInvalidRequestError: ['payment_service', [{ field: 'amount', rule: 'is required' }]],
        PaytiaTransportError: ['payment_taken', 'fetch failed'],
        PaytiaTimeoutError: ['payment_taken', 100],
        PaytiaUnexpectedResponseError: [
          'payment_taken',
          { status: 200, description: undefined, referenceId: undefined },
          ['data: bad'],
        ],
      };

      // Act
      const error = new construct(
        ...(args[exported] ?? ['payment_taken', { status: 400, description: 'd', referenceId: undefined }]),
      );

      // Assess
      expect(error.name).toBe(exported);
      expect(error).toBeInstanceOf(PaytiaError);
    },
  );
});
