import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Validator } from "ip-num";
import { familyOf, formatAddress, maskOf, parseAddress, parsePrefix, prefixContains, type Family, type IpAddr, type Prefix } from "../../src/model/address.js";

const WIDTH = { 4: 32, 6: 128 } as const;
const addrOf = (family: Family) => fc.bigInt({ min: 0n, max: (1n << BigInt(WIDTH[family])) - 1n }).map((value): IpAddr => ({ family, value }));
const prefixOf = (family: Family) =>
  fc.tuple(addrOf(family), fc.oneof(fc.constantFrom(0, WIDTH[family]), fc.integer({ min: 0, max: WIDTH[family] })))
    .map(([a, len]): Prefix => ({ family, value: a.value & maskOf(family, len), len }));

describe("prefixContains", () => {
  it("agrees with the mask definition for every length, the host and default prefixes included", () => {
    for (const family of [4, 6] as const) {
      fc.assert(fc.property(prefixOf(family), addrOf(family), fc.boolean(), (p, a, inside) => {
        // Half the cases pick an address inside the prefix, so both answers are exercised.
        const addr = inside ? { family, value: p.value | (a.value & ~maskOf(family, p.len) & maskOf(family, WIDTH[family])) } : a;
        expect(prefixContains(p, addr)).toBe((addr.value & maskOf(family, p.len)) === p.value);
      }), { seed: 7, numRuns: 3000 });
    }
  });

  it("never matches across families", () => {
    const v4 = parsePrefix("0.0.0.0/0") as Prefix;
    expect(prefixContains(v4, { family: 6, value: 0n })).toBe(false);
    expect(prefixContains(parsePrefix("10.0.0.1") as Prefix, { family: 4, value: 0x0a000001n })).toBe(true);
    expect(prefixContains(parsePrefix("10.0.0.1") as Prefix, { family: 4, value: 0x0a000002n })).toBe(false);
  });
});

describe("familyOf", () => {
  // It refuses text with characters no address has before asking ip-num: it must still answer as ip-num does.
  const ipNumFamily = (s: string) => (Validator.isValidIPv4String(s)[0] ? 4 : Validator.isValidIPv6String(s)[0] ? 6 : null);

  it("answers as ip-num does, for addresses, near-addresses and other words", () => {
    const text = fc.oneof(
      addrOf(4).map(formatAddress),
      addrOf(6).map(formatAddress),
      addrOf(6).map((a) => `${formatAddress(a)}%eth0`),
      fc.stringMatching(/^[0-9a-fA-F:.%x -]{0,24}$/),
      fc.string(),
      fc.constantFrom("COMMIT", "*nat", "::", "::ffff:10.1.2.3", "fe80::1%eni1", "1.2.3", "default"),
    );
    fc.assert(fc.property(text, (s) => {
      expect(familyOf(s)).toBe(ipNumFamily(s));
    }), { seed: 11, numRuns: 5000 });
  });
});

describe("formatAddress", () => {
  it("writes IPv6 compressed, and an IPv4-mapped address with its IPv4 part dotted (RFC 5952 §5, as ip does)", () => {
    const v6 = (s: string) => formatAddress(parseAddress(s) as IpAddr);
    expect(v6("2001:0db8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1");
    expect(v6("::ffff:a00:132")).toBe("::ffff:10.0.1.50");
    expect(v6("::a00:132")).toBe("::a00:132");
  });

  it("reads back every address it writes", () => {
    fc.assert(fc.property(fc.oneof(addrOf(4), addrOf(6)), (a) => {
      expect(parseAddress(formatAddress(a))).toEqual(a);
    }), { seed: 12, numRuns: 2000 });
  });
});
