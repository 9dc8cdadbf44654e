import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Paytia publishes the IP ranges it sends from; merchants who have the list can refuse anything
 * else at the edge. An empty list allows every source.
 */
export interface SourceAllowList {
  allows(sourceIp: string | undefined): boolean;
}

/** An entry of the allow-list could not be read; `position` counts from 1. */
export class SourceAllowListError extends Error {
  override readonly name = 'SourceAllowListError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/**
 * Parses `ALLOWED_SOURCE_CIDRS`: comma-separated IPv4/IPv6 CIDRs, or bare addresses (a /32 or
 * /128). Throws naming the first entry it cannot read, so a typo fails the deploy, not a payment.
 */
export function parseSourceAllowList(spec: string): SourceAllowList {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { allows: () => true };

  const list = new BlockList();
  for (const [index, entry] of entries.entries()) {
    const [address = '', prefixText, extra] = entry.split('/');
    const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const maxPrefix = family === 'ipv4' ? 32 : 128;
    const prefix =
      prefixText === undefined ? maxPrefix : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (family === undefined || extra !== undefined || !(prefix >= 0 && prefix <= maxPrefix)) {
      throw new SourceAllowListError(`"${entry}" is not an IPv4 or IPv6 address or CIDR`, index + 1);
    }
    list.addSubnet(address, prefix, family);
  }
  return {
    allows(sourceIp) {
      if (sourceIp === undefined) return false;
      const address = unmapIPv4(sourceIp);
      if (isIPv4(address)) return list.check(address, 'ipv4');
      if (isIPv6(address)) return list.check(address, 'ipv6');
      return false;
    },
  };
}

/** `::ffff:203.0.113.7` is IPv4 carried in IPv6; rules are written for the IPv4 form. */
function unmapIPv4(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}
