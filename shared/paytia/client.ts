import { type PaytiaCallOptions, PaytiaCoreClient } from './core-client.js';
import {
  type PaymentServiceRequest,
  paymentServiceForm,
  paymentServiceRequestSchema,
} from './payment-service.js';
import { validateRequest } from './requests.js';
import { type PaymentServiceResponse, paymentServiceResponseSchema } from './schemas.js';

export {
  PAYTIA_PRODUCTION_URL,
  PAYTIA_SANDBOX_URL,
  type PaytiaCallOptions,
  type PaytiaClientOptions,
  type PaytiaFetch,
  type PaytiaLogger,
} from './core-client.js';

/** Typed client for Paytia's API: the five reporting calls, the two token calls and payment_service. */
export class PaytiaClient extends PaytiaCoreClient {
  /** `POST /api/payment_service`: starts a payment flow; the request is checked field by field first. */
  async paymentService(
    request: PaymentServiceRequest,
    options?: PaytiaCallOptions,
  ): Promise<PaymentServiceResponse> {
    const fields = validateRequest('payment_service', paymentServiceRequestSchema, request);
    return this.execute(
      {
        call: 'payment_service',
        body: paymentServiceForm(fields),
        responseSchema: paymentServiceResponseSchema,
        authenticated: true,
        referenceId: fields.reference_id,
        bodySecrets: [],
      },
      options,
    );
  }
}
