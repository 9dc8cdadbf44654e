/**
 * Masks what must not leave our store in a finding's evidence (SNS alert emails, CLI output, the
 * HTML report): the webhook path token that authenticates Paytia to our receiver, known secrets,
 * phone numbers and card data. Paytia echoes our `webhook_url` back in its delivery log and API
 * traces, often re-encoded (form-encoded, or JSON with PHP's escaped slashes), so the rules look for
 * every encoding Paytia is known to produce. Pure: no I/O, inputs never mutated.
 *
 * Rules, in order: known secrets, the webhook path token, key-aware masking (object properties and
 * key/value pairs inside text), then phone numbers and card numbers in free text.
 */
import { REDACTED, redact } from '../paytia/redact.js';

const PERCENT_ESCAPE = /%[0-9a-f]{2}/gi;
const DIGIT_OR_ESCAPE = /%[0-9a-f]{2}|\d/gi;

/** Every digit but the last `keep` becomes `*`; `%XX` escapes (the `%2B` of a phone) are left alone. */
function maskDigits(text: string, keep: number): string {
  const digits = text.replace(PERCENT_ESCAPE, '').replace(/\D/g, '').length;
  let seen = 0;
  return text.replace(DIGIT_OR_ESCAPE, (found) => {
    if (found.length > 1) return found;
    seen += 1;
    return seen > digits - keep ? found : '*';
  });
}

/** A phone number kept to its last 3 digits: `+441133206847` → `+*********847` (`%2B` kept too). */
export function maskPhone(text: string): string {
  return maskDigits(text, 3);
}

/** A card number kept to its last 4 digits: `4111 1111 1111 1111` → `**** **** **** 1111`. */
export function maskCard(text: string): string {
  return maskDigits(text, 4);
}

const redactAll = (): string => REDACTED;

// Rule 3: property names (and keys inside text) whose values are masked, case-insensitive.
const PHONE_KEYS = [
  'incli',
  'inddi',
  'outcli',
  'outddi',
  'call_from',
  'call_to',
  'call_to_paytia',
  'merchant_telephone',
  'telephone',
  'phone',
  'phone_number',
  'mobile',
  'msisdn',
  'cli',
  'ddi',
  'caller_id',
];
const CARD_SECRET_KEYS = [
  'cvv',
  'cvc',
  'cv2',
  'cvv2',
  'security_code',
  'expiry',
  'expiry_date',
  'exp_date',
  'card_expiry',
  'expiry_month',
  'expiry_year',
];
// card_last_four_digit and card_brand are not here: brand and last four are what a report may show.
const CARD_NUMBER_KEYS = ['card_number', 'pan', 'card_no', 'cardnumber'];

const KEY_MASKS = new Map<string, (value: string) => string>([
  ...PHONE_KEYS.map((key) => [key, maskPhone] as const),
  ...CARD_SECRET_KEYS.map((key) => [key, redactAll] as const),
  ...CARD_NUMBER_KEYS.map((key) => [key, maskCard] as const),
]);
const KEY_NAMES = [...KEY_MASKS.keys()].sort((a, b) => b.length - a.length).join('|');

// Rule 2: `webhooks/paytia/<token>`. A separator is `/`, JSON-escaped `\/` (PHP's json_encode, any
// depth of escaping), URL-encoded `%2F`, both (`%5C%2F`) or encoded twice (`%252F`). Token
// characters are base64url-ish plus `%` escapes other than those separators, so `/transaction`
// after the token is kept whichever way its slash is written.
const SEPARATOR = String.raw`(?:\\*\/|%(?:5C%)?2F|%252F)`;
const TOKEN_CHAR = String.raw`(?:[\w.~-]|%(?!2F|5C|252F)[0-9A-F]{2})`;
const WEBHOOK_PATH_TOKEN = new RegExp(`(webhooks${SEPARATOR}paytia${SEPARATOR})${TOKEN_CHAR}+`, 'gi');

// Rule 3 in text. `"key": value` in JSON; the quote before the key (`"`, `\"` inside a JSON string,
// `%22` URL-encoded) is the one expected around a string value. A number value is quoted once
// masked, so the text stays JSON.
const JSON_PAIR = new RegExp(
  String.raw`(\\*"|%22)(${KEY_NAMES})\1(\s*(?::|%3A)\s*)(?:\1([^"]*?)\1|(-?\d[\d.]*))`,
  'gi',
);
// `key=value` in form-encoded text, also as a bracketed name (`card[cvv]=`) or encoded once more
// (`%26key%3Dvalue`). The key must start a name, so `payment_stage=cvv` (cvv as a value) and
// `link_expiry=` are not matched.
const FORM_PAIR = new RegExp(
  String.raw`(?:(?<!\w)|(?<=%26|%3F|%5B))(${KEY_NAMES})((?:\]|%5D)?(?:=|%3D))((?:[^&\s"'\\%,;<>{}]|%(?!26))*)`,
  'gi',
);

// Rule 4: phone numbers in free text. E.164 allows single spaces between digits; a `+` straight
// after a time is a UTC offset (`12:00:00+01:00`, `12:00:00 +0100 2026`), not a phone.
const E164_PHONE = /(?<!\d:\d\d ?)\+\d(?: ?\d){6,14}(?!\d)/g;
const ENCODED_E164_PHONE = /%2B\d{7,15}(?!\d)/gi;
// A UK national number: not part of a word (txn_…, hex ids) or a decimal; a sentence's full stop
// may follow it.
const UK_NATIONAL_PHONE = /(?<![\w.])0\d{9,10}(?!\w|\.\d)/g;

// Rule 5: 13–19 digits, plain or in groups of 4 split by one kind of separator; kept unless Luhn-valid.
const CARD_CANDIDATE = /(?<!\w)(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?)(?!\w)/g;

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i]);
    const doubled = i % 2 === 1 ? digit * 2 : digit;
    sum += doubled > 9 ? doubled - 9 : doubled;
  }
  return sum % 10 === 0;
}

/** The ways a secret may be written in text we hold: raw, URL- or form-encoded, JSON-escaped. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    const json = JSON.stringify(secret).slice(1, -1);
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams([['', secret]]).toString().slice(1));
    forms.add(json);
    forms.add(json.replaceAll('/', '\\/'));
  }
  // Longest first, so a secret that contains another is removed whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

function sanitizeWith(text: string, forms: readonly string[]): string {
  let result = redact(text, forms); // rule 1
  result = result.replace(WEBHOOK_PATH_TOKEN, `$1${REDACTED}`); // rule 2
  result = result.replace(JSON_PAIR, maskJsonPair).replace(FORM_PAIR, maskFormPair); // rule 3
  result = result // rule 4
    .replace(E164_PHONE, maskPhone)
    .replace(ENCODED_E164_PHONE, maskPhone)
    .replace(UK_NATIONAL_PHONE, maskPhone);
  return maskCardNumbers(result); // rule 5
}

function maskJsonPair(
  _pair: string,
  quote: string,
  key: string,
  colon: string,
  string?: string,
  number?: string,
) {
  const mask = KEY_MASKS.get(key.toLowerCase()) ?? redactAll;
  return `${quote}${key}${quote}${colon}${quote}${mask(string ?? number ?? '')}${quote}`;
}

function maskFormPair(_pair: string, key: string, equals: string, value: string): string {
  const mask = KEY_MASKS.get(key.toLowerCase()) ?? redactAll;
  return `${key}${equals}${mask(value)}`;
}

/**
 * Masking a card number in a longer run of 4-digit groups can leave another Luhn-valid run of
 * groups beside it, so this repeats until nothing changes: sanitising twice then changes nothing
 * more. Each round masks digits, so it ends.
 */
function maskCardNumbers(text: string): string {
  let previous: string;
  let result = text;
  do {
    previous = result;
    result = previous.replace(CARD_CANDIDATE, (candidate) =>
      passesLuhn(candidate.replace(/\D/g, '')) ? maskCard(candidate) : candidate,
    );
  } while (result !== previous);
  return result;
}

/** The text with secrets, the webhook path token, phone numbers and card data masked. */
export function sanitizeText(text: string, secrets: readonly string[] = []): string {
  return sanitizeWith(text, secretForms(secrets));
}

/**
 * A deep copy of a JSON-like value with every string (property names too) sanitised, and the
 * values of phone, card-number and card-secret properties masked whatever their type: a masked
 * number becomes text; a card secret of any shape but null/undefined becomes `[redacted]`. Dates are
 * copied; other non-plain objects (class instances) are returned as they are.
 */
export function sanitize<T>(value: T, secrets: readonly string[] = []): T {
  const forms = secretForms(secrets);

  const copy = (item: unknown): unknown => {
    if (typeof item === 'string') return sanitizeWith(item, forms);
    if (Array.isArray(item)) return item.map(copy);
    if (item instanceof Date) return new Date(item.getTime());
    if (!isPlainObject(item)) return item;
    // fromEntries defines properties, so a `__proto__` key stays data and cannot swap the prototype.
    return Object.fromEntries(
      Object.entries(item).map(([key, property]) => [sanitizeWith(key, forms), copyProperty(key, property)]),
    );
  };

  const copyProperty = (key: string, property: unknown): unknown => {
    const mask = KEY_MASKS.get(key.toLowerCase());
    if (mask === undefined || property === null || property === undefined) return copy(property);
    if (Array.isArray(property)) return property.map((element) => copyProperty(key, element));
    if (typeof property === 'string' || typeof property === 'number') {
      return mask(sanitizeWith(String(property), forms));
    }
    return mask === redactAll ? REDACTED : copy(property);
  };

  return copy(value) as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
