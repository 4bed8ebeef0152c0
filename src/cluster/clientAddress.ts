// Who is asking: the address a request came from, as a key for per-source limits. Behind a
// reverse proxy every request comes from the proxy, so a configured list of trusted proxies may
// name the client in X-Forwarded-For; from anyone else that header is ignored (it is trivially
// forged). IPv4-mapped IPv6 addresses count as IPv4, and an IPv6 client counts as its /64 (one
// subscriber's allocation: a single host can take any address in it).

import { BlockList, isIP } from 'node:net';

/** Parses a list of addresses or CIDR subnets ("10.0.0.0/8", "::1"); `what` names it in errors. */
export function addressList(entries: readonly string[], what: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits, extra] = entry.trim().split('/');
    const type = isIP(address ?? '');
    const prefix = bits === undefined ? undefined : Number(bits);
    const max = type === 4 ? 32 : 128;
    if (type === 0 || extra !== undefined || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))) {
      throw new RangeError(`${what} ${JSON.stringify(entry)} is not an IP address or CIDR subnet`);
    }
    const family = type === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, prefix, family);
  }
  return list;
}

/** The eight 16-bit groups of an IPv6 address (with a trailing dotted IPv4 part expanded). */
function ipv6Groups(address: string): number[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  let text = address;
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = part(head), t = part(tail);
  return tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/** The key a source is limited under: the IPv4 address, or the IPv6 /64; '' for non-addresses. */
export function sourceKey(address: string): string {
  const a = address.trim();
  const type = isIP(a);
  if (type === 4) return a;
  if (type !== 6) return '';
  const g = ipv6Groups(a.split('%')[0]);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
  return `${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}

/** True when a source key (an IPv4 address or an IPv6 /64) lies in `list`. */
export function listed(list: BlockList, source: string): boolean {
  if (source === '') return false;
  return source.endsWith('::/64') ? list.check(source.slice(0, -3), 'ipv6') : list.check(source, 'ipv4');
}

/**
 * The source of a request that came from `peer`: the last X-Forwarded-For entry (the one the
 * proxy itself appended) when `peer` is a trusted proxy and the header names an address, else
 * `peer` itself.
 */
export function clientSource(peer: string, forwardedFor: string, trusted: BlockList | undefined): string {
  const direct = sourceKey(peer);
  if (!trusted || forwardedFor === '' || direct === '') return direct;
  const v4 = isIP(direct) === 4;
  if (!trusted.check(v4 ? direct : peer.trim().split('%')[0], v4 ? 'ipv4' : 'ipv6')) return direct;
  const last = forwardedFor.split(',').pop()!;
  return sourceKey(last) || direct;
}
