import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Paytia says a shared-secret signature header is "rolling out to new tenants" but publishes
 * neither its name nor its algorithm. This is the seam for it: an HMAC over the exact body bytes,
 * with header, secret, algorithm and encoding all configured, off unless configured. When Paytia
 * documents its scheme, a verifier for it implements the same interface.
 */
export interface SignatureVerifier {
  /** Resolves true when the request carries a valid signature for these exact bytes. */
  verify(body: Uint8Array, headers: Readonly<Record<string, string>>): Promise<boolean>;
}

export type HmacAlgorithm = 'sha256' | 'sha512' | 'sha1';
export type SignatureEncoding = 'hex' | 'base64';

export interface HmacSignatureOptions {
  /** Header carrying the signature, any case. */
  header: string;
  algorithm: HmacAlgorithm;
  encoding: SignatureEncoding;
  /** The accepted shared secrets (current, and previous during a rotation), read when needed. */
  secrets: () => Promise<readonly string[]>;
}

const DIGEST_FORMAT: Record<SignatureEncoding, RegExp> = {
  hex: /^(?:[0-9a-f]{2})+$/i,
  base64: /^[A-Za-z0-9+/]+={0,2}$/,
};

export function hmacSignatureVerifier(options: HmacSignatureOptions): SignatureVerifier {
  const header = options.header.toLowerCase();
  return {
    async verify(body, headers) {
      const presented = headers[header];
      if (presented === undefined || presented === '') return false;
      // Accept the common `sha256=<digest>` form as well as the bare digest.
      const value = presented.trim().replace(new RegExp(`^${options.algorithm}=`, 'i'), '');
      // Buffer decoding is lenient (it stops at the first bad character); insist on a clean digest.
      if (!DIGEST_FORMAT[options.encoding].test(value)) return false;
      const given = Buffer.from(value, options.encoding);
      let valid = false;
      for (const secret of await options.secrets()) {
        const expected = createHmac(options.algorithm, secret).update(body).digest();
        if (given.length === expected.length && timingSafeEqual(given, expected)) valid = true;
      }
      return valid;
    },
  };
}
