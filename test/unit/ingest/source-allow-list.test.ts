import { describe, expect, it } from 'vitest';
import { parseSourceAllowList } from '../../../shared/ingest/source-allow-list.js';

describe('parseSourceAllowList: an empty list', () => {
  it.each([
    ['an empty string', ''],
    ['only whitespace', '   '],
    ['only commas and whitespace', ' , ,, '],
  ])('allows every IPv4 and IPv6 source for %s', (_case, spec) => {
    // Act
    const list = parseSourceAllowList(spec);

    // Assess
    expect(list.allows('203.0.113.7')).toBe(true);
    expect(list.allows('10.0.0.1')).toBe(true);
    expect(list.allows('2001:db8::1')).toBe(true);
  });
});

describe('parseSourceAllowList: CIDR ranges', () => {
  it('allows every address inside an IPv4 range and nothing outside it', () => {
    // Prepare
    const list = parseSourceAllowList('203.0.113.0/24');

    // Act
    const inside = ['203.0.113.0', '203.0.113.7', '203.0.113.255'].map((ip) => list.allows(ip));
    const outside = ['203.0.112.255', '203.0.114.0', '10.0.0.1'].map((ip) => list.allows(ip));

    // Assess
    expect(inside).toEqual([true, true, true]);
    expect(outside).toEqual([false, false, false]);
  });

  it('allows every address inside an IPv6 range and nothing outside it', () => {
    // Prepare
    const list = parseSourceAllowList('2001:db8::/32');

    // Act
    const inside = ['2001:db8::1', '2001:db8:ffff:ffff::1', '2001:0DB8:0000::abcd'].map((ip) =>
      list.allows(ip),
    );
    const outside = ['2001:db9::1', '2001:db7:ffff::1', '::1'].map((ip) => list.allows(ip));

    // Assess
    expect(inside).toEqual([true, true, true]);
    expect(outside).toEqual([false, false, false]);
  });

  it('reads several comma-separated entries with surrounding whitespace', () => {
    // Prepare
    const list = parseSourceAllowList(' 10.0.0.0/8 , 2001:db8::/32 ,192.0.2.10 ');

    // Act
    const answers = ['10.20.30.40', '2001:db8::5', '192.0.2.10', '192.0.2.11', '172.16.0.1'].map((ip) =>
      list.allows(ip),
    );

    // Assess
    expect(answers).toEqual([true, true, true, false, false]);
  });

  it('treats a range written from a host address as the whole network', () => {
    // Prepare
    const list = parseSourceAllowList('10.1.2.3/8');

    // Act
    const answers = [list.allows('10.200.0.1'), list.allows('11.0.0.1')];

    // Assess
    expect(answers).toEqual([true, false]);
  });

  it('allows every IPv4 source for 0.0.0.0/0 but no IPv6 source', () => {
    // Prepare
    const list = parseSourceAllowList('0.0.0.0/0');

    // Act
    const answers = [list.allows('1.1.1.1'), list.allows('255.255.255.255'), list.allows('2001:db8::1')];

    // Assess
    expect(answers).toEqual([true, true, false]);
  });

  it('does not let IPv6 rules match IPv4 sources', () => {
    // Prepare
    const list = parseSourceAllowList('2001:db8::/32');

    // Act
    const answers = [list.allows('2001:db8::1'), list.allows('203.0.113.7'), list.allows('32.1.13.184')];

    // Assess
    expect(answers).toEqual([true, false, false]);
  });
});

describe('parseSourceAllowList: bare addresses', () => {
  it('treats a bare IPv4 address as a /32', () => {
    // Prepare
    const list = parseSourceAllowList('198.51.100.7');

    // Act
    const answers = ['198.51.100.7', '198.51.100.6', '198.51.100.8'].map((ip) => list.allows(ip));

    // Assess
    expect(answers).toEqual([true, false, false]);
  });

  it('treats a bare IPv6 address as a /128, whatever notation the source uses', () => {
    // Prepare
    const list = parseSourceAllowList('2001:db8::7');

    // Act
    const answers = ['2001:db8::7', '2001:0db8:0:0:0:0:0:0007', '2001:db8::8'].map((ip) => list.allows(ip));

    // Assess
    expect(answers).toEqual([true, true, false]);
  });
});

describe('parseSourceAllowList: IPv4-mapped IPv6 sources', () => {
  it.each(['::ffff:203.0.113.7', '::FFFF:203.0.113.7'])('matches %s against IPv4 rules', (source) => {
    // Prepare
    const list = parseSourceAllowList('203.0.113.0/24');

    // Act
    const allowed = list.allows(source);

    // Assess
    expect(allowed).toBe(true);
  });

  it('refuses an IPv4-mapped source outside the IPv4 rules', () => {
    // Prepare
    const list = parseSourceAllowList('203.0.113.0/24');

    // Act
    const allowed = list.allows('::ffff:198.51.100.1');

    // Assess
    expect(allowed).toBe(false);
  });

  it('matches a bare IPv4 rule against its mapped form', () => {
    // Prepare
    const list = parseSourceAllowList('198.51.100.7');

    // Act
    const answers = [list.allows('::ffff:198.51.100.7'), list.allows('::ffff:198.51.100.8')];

    // Assess
    expect(answers).toEqual([true, false]);
  });
});

describe('parseSourceAllowList: sources it cannot read', () => {
  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['a word', 'unknown'],
    ['a host name', 'paytia.example'],
    ['an address with a port', '203.0.113.7:443'],
    ['an out-of-range octet', '203.0.113.256'],
    ['a mapped address with a bad octet', '::ffff:999.0.113.7'],
    ['a CIDR instead of an address', '203.0.113.7/32'],
  ])('refuses %s', (_case, source) => {
    // Prepare: a rule that would allow the source, were it readable.
    const list = parseSourceAllowList('0.0.0.0/0,::/0');

    // Act
    const allowed = list.allows(source);

    // Assess
    expect(allowed).toBe(false);
  });
});

describe('parseSourceAllowList: malformed entries', () => {
  it.each([
    ['an IPv4 prefix above 32', '10.0.0.0/33'],
    ['an IPv6 prefix above 128', '2001:db8::/129'],
    ['a negative prefix', '10.0.0.0/-1'],
    ['a four-digit prefix', '10.0.0.0/0008'],
    ['a prefix with letters', '10.0.0.0/8a'],
    ['an empty prefix', '10.0.0.0/'],
    ['a prefix with inner whitespace', '10.0.0.0/ 8'],
    ['two prefixes', '1.2.3.4/8/9'],
    ['letters', 'abc'],
    ['a letter in an octet', '10.0.0.x'],
    ['an octet above 255', '256.0.0.1'],
    ['three octets', '10.0.0'],
    ['a host name', 'paytia.example'],
    ['a prefix without an address', '/24'],
    ['a bad IPv6 address', '2001:db8:::1/64'],
  ])('throws naming the entry for %s', (_case, entry) => {
    // Act
    const parse = () => parseSourceAllowList(entry);

    // Assess
    expect(parse).toThrow(`"${entry}" is not an IPv4 or IPv6 address or CIDR`);
  });

  it('names the bad entry, not its good neighbours, in a list', () => {
    // Act
    let message = '';
    try {
      parseSourceAllowList('10.0.0.0/8, 192.0.2.0/33 ,2001:db8::/32');
    } catch (error) {
      message = (error as Error).message;
    }

    // Assess
    expect(message).toBe('"192.0.2.0/33" is not an IPv4 or IPv6 address or CIDR');
  });

  it('accepts the largest valid prefixes', () => {
    // Act
    const list = parseSourceAllowList('192.0.2.1/32,2001:db8::1/128');

    // Assess
    expect(list.allows('192.0.2.1')).toBe(true);
    expect(list.allows('2001:db8::1')).toBe(true);
    expect(list.allows('192.0.2.2')).toBe(false);
  });
});
