import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkFastPath, checkLine, defaultFiles } from "../../bench/check-fast-path.mjs";
import { BuiltItems, parseIptablesLine } from "../../src/parse/iptables.js";
import { parseCommonLine, readCommonAppend } from "../../src/parse/iptables-fast.js";

const parser = { parseCommonLine, readCommonAppend, parseIptablesLine, BuiltItems };

/** Words the grammar gives a meaning, and some it refuses, for lines made at random. */
const WORDS = [
  "-m", "--match", "-j", "--jump", "-g", "--goto", "!", "-s", "--source", "-d", "--dst", "-p", "--protocol", "-i", "-f", "-c",
  "tcp", "comment", "--comment", "--dport", "80", "10.0.0.0/8", "1.2.3.4/32", "ACCEPT", "KUBE-SVC-X", "3", "--to-destination",
  "10.1.2.3:8080", '"a b"', '""', "--x_y", "--", "-", "-x", "!x", "--bad!", "-5", "--set-counters", "--match=x", "a\"b",
];

describe("iptables fast path", () => {
  it("reads the fixtures' lines and their mutations as the grammar does, and answers lowering as the grammar's items do", () => {
    const { lines, fast, mismatches } = checkFastPath(parser, defaultFiles());
    expect(mismatches.slice(0, 3)).toEqual([]);
    expect(lines).toBeGreaterThan(10_000);
    // The fast path must be taken for most of them, or the check proves little.
    expect(fast / lines).toBeGreaterThan(0.3);
  });

  it("agrees with the grammar on lines made of random words", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }), (words) => {
        expect(checkLine(parser, `-A CHAIN ${words.join(" ")}`)).toEqual([]);
      }),
      { numRuns: 3000 },
    );
  });

  it("reads chain declarations as the grammar does", () => {
    const PARTS = ["KUBE-SEP-X", "-", "ACCEPT", "[0:0]", "[12:3456]", "[0:0]x", "[:0]", "[0:]", "[a:0]", "", " ", "\t", "x"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PARTS), { minLength: 1, maxLength: 4 }), fc.constantFrom(" ", ""), (parts, sep) => {
        expect(checkLine(parser, `:${parts.join(sep === "" ? " " : sep)}`)).toEqual([]);
      }),
      { numRuns: 2000 },
    );
    expect(parseCommonLine(":KUBE-SEP-X - [0:0]")).toEqual({ type: "chain-decl", name: "KUBE-SEP-X", policy: "-", counters: { packets: "0", bytes: "0" }, ignored: null, column: 1 });
    expect(parseCommonLine(":INPUT ACCEPT")).toMatchObject({ name: "INPUT", policy: "ACCEPT", counters: null });
  });

  it("answers what lowering asks of a line's items, and reads the next line in its place", () => {
    const first = readCommonAppend('-A KUBE-SEP-X -s 10.1.2.3/32 -m comment --comment "ns/a b" -j KUBE-MARK-MASQ');
    expect(first?.chain).toBe("KUBE-SEP-X");
    expect(first?.items.count).toBe(3);
    expect(first?.items.text(1)).toBe('-m comment --comment "ns/a b" ');
    expect(first?.items.textToOnlyValue(1)).toBe("-m comment --comment ");
    expect(first?.items.onlyValue(0)).toBe("10.1.2.3/32");
    expect(readCommonAppend("-A OTHER -j ACCEPT")?.chain).toBe("OTHER");
    // One reader serves every line: what it said of the first is gone (lowering takes lines one at a time).
    expect(first?.chain).toBe("OTHER");
    expect(readCommonAppend("-A X -j ACCEPT  ")).toBeNull();
  });
});
