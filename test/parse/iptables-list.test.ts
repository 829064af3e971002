import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics.js";
import { lowerIptables, readParsed } from "../../src/model/lower-iptables.js";
import { ruleComment, type Match, type Ruleset, type TableName } from "../../src/model/netfilter.js";
import { parseIptablesSection } from "../../src/parse/iptables.js";
import { parseIptablesListSection } from "../../src/parse/iptables-list.js";
import { printAppend } from "../../src/parse/print-iptables.js";
import { splitLines } from "../../src/parse/source.js";

// Captured with iptables v1.8.9 (nf_tables) in throw-away network namespaces: the rules in
// samples/list/rules.restore.txt and misc-rules.restore.txt were loaded with iptables-restore, then
// each table was dumped with -S and listed with -L in the forms named by the file (see README.md there).
const dir = join(import.meta.dirname, "samples", "list");
const read = (name: string) => readFileSync(join(dir, name), "utf8");

function fromList(name: string, family: 4 | 6 = 4) {
  const parsed = parseIptablesListSection(splitLines(read(name), name), null);
  const lowered = lowerIptables(parsed.listings.map((l) => ({ family, tableHint: l.tableHint, read: readParsed(l.lines) })));
  return { parsed, lowered };
}

function fromS(name: string, table: TableName, family: 4 | 6 = 4): Ruleset {
  const parsed = parseIptablesSection(splitLines(read(name), name));
  expect(parsed.diagnostics).toEqual([]);
  const [ruleset] = lowerIptables([{ family, tableHint: table, read: readParsed(parsed.lines) }]).rulesets;
  return ruleset as Ruleset;
}

const isInterface = (m: Match) => m.type === "in-interface" || m.type === "out-interface";

/**
 * Compares the lowered -L listing with the lowered -S dump of the same rules, chain by chain and
 * rule by rule. A rule whose row got a warning is compared only if `lossy` does not name its line;
 * without -v the interfaces are missing, and the listing must have said so.
 */
function expectSameRules(list: Ruleset, save: Ruleset, table: TableName, diagnostics: Diagnostic[], opts: { interfaces: boolean }) {
  const l = list.tables.get(table);
  const s = save.tables.get(table);
  expect(l, `table ${table} from -L`).toBeDefined();
  expect(s, `table ${table} from -S`).toBeDefined();
  if (!l || !s) return { compared: 0, lossy: [] as string[] };
  expect([...l.chains.keys()].sort()).toEqual([...s.chains.keys()].sort());
  const warned = new Set(diagnostics.filter((d) => d.severity === "warning").map((d) => d.line));
  let compared = 0;
  const lossy: string[] = [];
  for (const [name, sc] of s.chains) {
    const lc = l.chains.get(name);
    expect(lc?.policy, `policy of ${name}`).toBe(sc.policy);
    expect(lc?.rules.length, `rules in ${name}`).toBe(sc.rules.length);
    sc.rules.forEach((sr, i) => {
      const lr = lc?.rules[i];
      if (!lr) return;
      expect(lr.position).toBe(sr.position);
      if (warned.has(lr.origin.line)) {
        lossy.push(sr.origin.raw);
        return;
      }
      const expected = opts.interfaces ? sr.matches : sr.matches.filter((m) => !isInterface(m));
      expect({ rule: sr.origin.raw, matches: lr.matches, target: lr.target, comment: ruleComment(lr) }).toEqual({ rule: sr.origin.raw, matches: expected, target: sr.target, comment: ruleComment(sr) });
      compared++;
    });
  }
  return { compared, lossy };
}

const TABLE_NAMES = ["nat", "mangle", "filter", "raw"] as const;

describe("iptables -L listings lower to the same rules as iptables -S", () => {
  for (const table of TABLE_NAMES) {
    for (const form of ["L-n-v", "L-n-v-x-line-numbers"]) {
      it(`${table} ${form}`, () => {
        const { parsed, lowered } = fromList(`${table}.${form}.txt`);
        expect(parsed.listings.map((l) => l.tableHint)).toEqual([table]);
        expect(parsed.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
        expect(lowered.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        const r = expectSameRules(lowered.rulesets[0] as Ruleset, fromS(`${table}.S.txt`, table), table, parsed.diagnostics, { interfaces: true });
        expect(r.lossy).toEqual([]);
        expect(r.compared).toBeGreaterThan(0);
      });
    }
    for (const form of ["L-n", "L-line-numbers"]) {
      it(`${table} ${form} (no -v: interfaces are reported missing)`, () => {
        const { parsed, lowered } = fromList(`${table}.${form}.txt`);
        expect(parsed.listings.map((l) => l.tableHint)).toEqual([table]);
        const noIfaces = parsed.diagnostics.filter((d) => d.message.startsWith("iptables -L without -v does not show interfaces"));
        expect(noIfaces).toHaveLength(1);
        expect(noIfaces[0]?.severity).toBe("warning");
        expect(noIfaces[0]?.line).toBe(2);
        const r = expectSameRules(lowered.rulesets[0] as Ruleset, fromS(`${table}.S.txt`, table), table, parsed.diagnostics.filter((d) => d !== noIfaces[0]), { interfaces: false });
        expect(r.compared).toBeGreaterThan(0);
        // Without -n only the owner names (uid/gid) cannot be turned back into numbers.
        expect(r.lossy.every((raw) => raw.includes("-m owner"))).toBe(true);
      });
    }
  }

  for (const table of TABLE_NAMES) {
    it(`misc ${table} L-n-v: what -L cannot express is reported on its line`, () => {
      const { parsed, lowered } = fromList(`misc-${table}.L-n-v.txt`);
      expect(parsed.listings.map((l) => l.tableHint)).toEqual([table]);
      expect(parsed.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      const r = expectSameRules(lowered.rulesets[0] as Ruleset, fromS(`misc-${table}.S.txt`, table), table, parsed.diagnostics, { interfaces: true });
      // Modules whose -L text podpath does not read; all are opaque to the evaluator anyway.
      const unread = ["hashlimit", "recent", "dscp", "ttl", "tos", "helper", "devgroup", "connbytes", "cpu"];
      expect(r.lossy.map((raw) => /-m (\S+)/.exec(raw)?.[1])).toEqual(table === "mangle" ? unread : []);
      for (const d of parsed.diagnostics.filter((x) => x.severity === "warning")) {
        expect(d.message).toMatch(/^cannot read ".*" from iptables -L text: the rule keeps it as a condition podpath cannot decide/);
        expect(d.column).toBeGreaterThan(1);
        expect(d.column).toBeLessThanOrEqual(d.excerpt.length);
      }
    });
  }

  for (const table of ["nat", "filter"] as const) {
    it(`ip6tables ${table} L-n-v`, () => {
      const { parsed, lowered } = fromList(`ip6-${table}.L-n-v.txt`, 6);
      expect(parsed.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
      const r = expectSameRules(lowered.rulesets[0] as Ruleset, fromS(`ip6-${table}.S.txt`, table, 6), table, parsed.diagnostics, { interfaces: true });
      expect(r.compared).toBe(table === "nat" ? 1 : 1);
    });
  }

  it("the EKS log collector's concatenated files: one listing per table, footers recognised", () => {
    const name = "eks-collector-concatenated.txt";
    const { parsed, lowered } = fromList(name);
    expect(parsed.listings.map((l) => l.tableHint)).toEqual(["mangle", "filter", "nat", "filter"]);
    expect(parsed.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    const infos = parsed.diagnostics.filter((d) => d.severity === "info");
    expect(infos.map((d) => d.message.slice(0, 45))).toEqual(Array(4).fill("iptables -L cannot show the table name: podpa"));
    // lowerIptables keeps the first listing of a table (the second filter listing is iptables -L without -t).
    const ruleset = lowered.rulesets[0] as Ruleset;
    for (const table of ["mangle", "filter", "nat"] as const) {
      expectSameRules(ruleset, fromS(`${table}.S.txt`, table), table, parsed.diagnostics, { interfaces: true });
    }
  });
});

describe("rows rebuilt as -S items", () => {
  const one = (text: string, table: TableName | null = "nat") => {
    const src = `Chain X (1 references)\n pkts bytes target     prot opt in     out     source               destination\n${text}\n`;
    const r = parseIptablesListSection(splitLines(src, "t"), table);
    const rule = r.listings[0]?.lines.find((l) => l.node.type === "command" && l.node.command === "A");
    return { r, node: rule?.node, printed: rule?.node.type === "command" ? printAppend("X", rule.node.spec) : null };
  };

  it.each([
    ["    0     0 MARK       0    --  *      *       0.0.0.0/0            0.0.0.0/0            MARK or 0x4000", "-A X -j MARK --or-mark 0x4000"],
    ["    0     0 CONNMARK   0    --  *      *       0.0.0.0/0            0.0.0.0/0            CONNMARK restore ctmask 0xf0 nfmask ~0xff", "-A X -j CONNMARK --restore-mark --ctmask 0xf0 --nfmask 0xff"],
    ["    0     0 SNAT       0    --  *      !vlan+  0.0.0.0/0            0.0.0.0/0            /* AWS, SNAT */ ADDRTYPE match dst-type !LOCAL to:192.168.1.251 random-fully", "-A X ! -o vlan+ -m comment --comment \"AWS, SNAT\" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 192.168.1.251 --random-fully"],
    ["    0     0 KUBE-EMPTY  0    --  !eth0  *       0.0.0.0/0            0.0.0.0/0           [goto] ", "-A X ! -i eth0 -g KUBE-EMPTY"],
    ["    0     0            0    --  *      *       0.0.0.0/0            0.0.0.0/0            statistic mode random ! probability 0.25000000000", "-A X -m statistic --mode random ! --probability 0.25000000000"],
    ["    0     0 ACCEPT     6    --  *      *       0.0.0.0/0            0.0.0.0/0            tcp flags:!0x3F/0x00 option=2", "-A X -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,PSH,ACK,URG NONE --tcp-option 2 -j ACCEPT"],
    ["    0     0 ACCEPT     0    --  *      *      !10.0.0.0/8           10.1.2.3             /* single */ mark match ! 0x4000/0x4000", "-A X ! -s 10.0.0.0/8 -d 10.1.2.3/32 -m comment --comment single -m mark ! --mark 0x4000/0x4000 -j ACCEPT"],
  ])("%s", (row, expected) => {
    const { r, printed } = one(row);
    expect(r.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(printed).toBe(expected);
  });

  it("marks values unquoted as the -S parser does", () => {
    const { node } = one("    0     0 MARK       0    --  *      *       0.0.0.0/0            0.0.0.0/0            MARK or 0x4000");
    const parsedS = parseIptablesSection(splitLines("-A X -j MARK --or-mark 0x4000\n", "s")).lines[0]?.node;
    const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === "column" ? undefined : v)));
    expect(node?.type === "command" && strip(node.spec)).toEqual(parsedS?.type === "command" && strip(parsedS.spec));
  });

  it("keeps unreadable extension text as an undecidable condition, with a warning at its column", () => {
    const row = "    0     0 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0            limit: up to 5/sec burst 10 mode srcip /* c */";
    const { r, node } = one(row);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ severity: "warning", line: 3, column: row.indexOf("limit:") + 1 });
    const items = node?.type === "command" ? node.spec.items : [];
    expect(items.map((i) => (i.type === "match" ? i.module : i.type))).toEqual(["limit: up to 5/sec burst 10 mode srcip", "comment", "target"]);
  });

  it("treats target text after a target that does not print it as one unread chunk", () => {
    const row = "    0     0 RETURN     0    --  *      *       0.0.0.0/0            0.0.0.0/0            foo  bar random to:1.2.3.4";
    const { r, node } = one(row);
    expect(r.diagnostics.map((d) => [d.severity, d.column])).toEqual([["warning", row.indexOf("foo") + 1]]);
    const items = node?.type === "command" ? node.spec.items : [];
    expect(items.map((i) => (i.type === "match" ? i.module : i.type))).toEqual(["foo  bar random to:1.2.3.4", "target"]);
  });

  it("does not lose target text when the target column is empty", () => {
    const { r, node } = one("    0     0            0    --  *      *       cafe                 0.0.0.0/0            MARK or 0x1");
    expect(r.diagnostics.map((d) => d.severity)).toEqual(["warning", "warning"]);
    const items = node?.type === "command" ? node.spec.items : [];
    expect(items.map((i) => (i.type === "match" ? i.module : i.type))).toEqual(["source cafe", "MARK or 0x1"]);
  });
});

describe("bad input", () => {
  const listing = read("nat.L-n-v.txt").split("\n");

  it("gives one diagnostic per bad line, inside it, and reads the rest", () => {
    const bad = ["    0     0 ACCEPT     0    ??  *      *       0.0.0.0/0", "Chain (policy", "garbage here", "    x"];
    const lines = [...listing.slice(0, 3), ...bad, ...listing.slice(3)];
    const src = splitLines(lines.join("\n"), "bad");
    const r = parseIptablesListSection(src, "nat");
    const errors = r.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => d.line)).toEqual([4, 5, 6, 7]);
    for (const d of errors) {
      expect(d.column).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeLessThanOrEqual((src[d.line - 1]?.raw.length ?? 0) + 1);
    }
    const good = parseIptablesListSection(splitLines(listing.join("\n"), "good"), "nat");
    expect(r.listings[0]?.lines.length).toBe(good.listings[0]?.lines.length);
  });

  it("reads counters as -v and -x print them, and the one-line footer", () => {
    const text = [
      "Chain INPUT (policy ACCEPT 3386K packets, 2827M bytes)",
      " pkts bytes target     prot opt in     out     source               destination",
      " 167M  113G KUBE-NODEPORTS  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes health check service ports */",
      "Chain FORWARD (policy DROP 175 packets, 12889 bytes)",
      " pkts bytes target     prot opt in     out     source               destination",
      "11502  673K ACCEPT     all  --  docker0 !docker0  0.0.0.0/0            0.0.0.0/0",
      "Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)",
      " pkts bytes target     prot opt in     out     source               destination",
      "======== Total Number of Rules: 2",
      "# Warning: iptables-legacy tables present, use iptables-legacy to see them",
    ].join("\n");
    const r = parseIptablesListSection(splitLines(text, "v"), null);
    expect(r.diagnostics.map((d) => [d.line, d.severity])).toEqual([[1, "info"], [10, "warning"]]);
    expect(r.listings).toHaveLength(1);
    const printed = r.listings[0]?.lines.map((l) => (l.node.type === "command" && l.node.command === "A" ? printAppend(l.node.chain ?? "", l.node.spec) : l.node.type === "command" ? `-${l.node.command} ${l.node.chain} ${l.node.policy ?? ""}`.trim() : ""));
    expect(printed).toEqual([
      "-P INPUT ACCEPT", "-P FORWARD DROP", "-P OUTPUT ACCEPT",
      "-A INPUT -m comment --comment \"kubernetes health check service ports\" -j KUBE-NODEPORTS",
      "-A FORWARD -i docker0 ! -o docker0 -j ACCEPT",
    ]);
  });

  it("warns when the footer counts more rules than were read", () => {
    const text = `${listing.slice(0, 5).join("\n")}\n=======\nTotal Number of Rules: 9\n`;
    const r = parseIptablesListSection(splitLines(text, "cut"), "nat");
    expect(r.diagnostics.filter((d) => d.severity === "warning").map((d) => d.line)).toEqual([7]);
  });

  it("never throws on random or mutated input", () => {
    const samples = ["nat.L-n-v.txt", "filter.L-line-numbers.txt", "misc-mangle.L-n-v.txt", "eks-collector-concatenated.txt"].flatMap((n) => read(n).split("\n"));
    const mutated = fc.tuple(fc.constantFrom(...samples), fc.nat(), fc.string({ maxLength: 8 }), fc.nat({ max: 6 })).map(([line, at, insert, cut]) => {
      const i = at % (line.length + 1);
      return line.slice(0, i) + insert + line.slice(i + cut);
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(mutated, fc.string(), fc.constantFrom(...samples)), { maxLength: 30 }), fc.constantFrom<TableName | null>(null, "nat", "filter"), (lines, hint) => {
        const r = parseIptablesListSection(splitLines(lines.join("\n"), "fuzz"), hint);
        lowerIptables(r.listings.map((l) => ({ family: 4, tableHint: l.tableHint, read: readParsed(l.lines) })));
        for (const d of r.diagnostics) expect(d.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });
});
