import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseBundle } from "../../src/model/bundle.js";
import { lowerIptables, readParsed } from "../../src/model/lower-iptables.js";
import { forEachIptablesLine, parseIptablesLine, type ParsedIptLine } from "../../src/parse/iptables.js";
import { splitLines } from "../../src/parse/source.js";
import { formatPrefix } from "../../src/model/address.js";
import { renumbered, ruleComment, ruleSpec, type Match, type Rule } from "../../src/model/netfilter.js";
import { printAppend } from "../../src/parse/print-iptables.js";

function lower(text: string) {
  const b = parseBundle(text, "dump.txt");
  const rs = b.nodes[0]?.rulesets[0];
  const rule = (table: string, chain: string, pos: number): Rule | undefined =>
    rs?.tables.get(table as "nat")?.chains.get(chain)?.rules[pos - 1];
  return { b, rs, rule, errors: b.diagnostics.filter((d) => d.severity === "error"), warnings: b.diagnostics.filter((d) => d.severity === "warning") };
}

const SAVE = (body: string, table = "nat") => `*${table}\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${body}\nCOMMIT\n`;

describe("lowering iptables to the netfilter model", () => {
  it("types the CNI's SNAT rule: negated interface wildcard, addrtype, SNAT with flags", () => {
    const { rule, errors } = lower(SAVE(':AWS-SNAT-CHAIN-0 - [0:0]\n-A POSTROUTING -j AWS-SNAT-CHAIN-0\n-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 192.168.1.251 --random-fully'));
    expect(errors).toEqual([]);
    const r = rule("nat", "AWS-SNAT-CHAIN-0", 1);
    expect(r?.matches).toEqual([
      { type: "out-interface", pattern: { name: "vlan", wildcard: true }, negated: true },
      { type: "addrtype", src: null, dst: { types: ["LOCAL"], negated: true }, limitIfaceIn: false, limitIfaceOut: false },
    ]);
    expect(r && ruleComment(r)).toBe("AWS, SNAT");
    expect(r?.target).toMatchObject({ type: "snat", random: false, randomFully: true, to: { addrLo: { family: 4, value: 0xc0a801fbn } } });
    expect(rule("nat", "POSTROUTING", 1)?.target).toEqual({ type: "jump", chain: "AWS-SNAT-CHAIN-0" });
  });

  it("normalises MARK and CONNMARK forms to the kernel's xset", () => {
    const { rule } = lower(SAVE([
      "-A PREROUTING -j MARK --set-xmark 0x4000/0x4000",
      "-A PREROUTING -j MARK --or-mark 0x10",
      "-A PREROUTING -j MARK --and-mark 0xff",
      "-A PREROUTING -j CONNMARK --restore-mark --nfmask 0x80 --ctmask 0x80",
      "-A PREROUTING -j CONNMARK --save-mark",
    ].join("\n"), "mangle").replace(":INPUT ACCEPT [0:0]\n", ":INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n"));
    expect(rule("mangle", "PREROUTING", 1)?.target).toEqual({ type: "mark", value: 0x4000, mask: 0x4000 });
    expect(rule("mangle", "PREROUTING", 2)?.target).toEqual({ type: "mark", value: 0x10, mask: 0x10 });
    expect(rule("mangle", "PREROUTING", 3)?.target).toEqual({ type: "mark", value: 0, mask: 0xffffff00 });
    expect(rule("mangle", "PREROUTING", 4)?.target).toEqual({ type: "connmark-restore", nfmask: 0x80, ctmask: 0x80 });
    expect(rule("mangle", "PREROUTING", 5)?.target).toEqual({ type: "connmark-save", nfmask: 0xffffffff, ctmask: 0xffffffff });
  });

  it("turns what a dump cannot decide into opaque matches, and statistic into a probability", () => {
    const { rule } = lower(SAVE(":X - [0:0]\n-A X -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT\n-A X -m statistic --mode random --probability 0.33333333349 -j ACCEPT"));
    expect(rule("nat", "X", 1)?.matches[0]).toMatchObject({ type: "opaque", module: "set" });
    expect(rule("nat", "X", 2)?.matches[0]).toEqual({ type: "random", probability: 0.33333333349, negated: false });
  });

  it("reads implicit protocol modules (-p tcp --dport 80) like iptables-restore does", () => {
    const { rule, errors } = lower(SAVE(":X - [0:0]\n-A X -p tcp --dport 80 -j ACCEPT"));
    expect(errors).toEqual([]);
    expect(rule("nat", "X", 1)?.matches).toContainEqual({ type: "port", which: "dst", range: { lo: 80, hi: 80 }, negated: false });
  });

  it("names a -S listing's table from its policies, or from a header", () => {
    const mangle = lower("-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n-P POSTROUTING ACCEPT\n-A PREROUTING -j MARK --set-xmark 0x1/0x1\n");
    expect([...(mangle.rs?.tables.keys() ?? [])]).toEqual(["mangle"]);
    const nat = lower("$ iptables -t nat -S\n-P PREROUTING ACCEPT\n-N FOO\n-A FOO -j RETURN\n");
    expect([...(nat.rs?.tables.keys() ?? [])]).toEqual(["nat"]);
  });
});

describe("what iptables-restore would refuse is an error at the right place", () => {
  const cases: [string, string, RegExp, number][] = [
    ["-A to an undeclared chain", SAVE("-A NOPE -j ACCEPT"), /undeclared chain NOPE/, 6],
    ["jump to a missing chain", SAVE("-A PREROUTING -j MISSING-chain"), /undefined chain "MISSING-chain"/, 6],
    ["jump cycle", SAVE(":A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -j A"), /rule loop in table nat: .*A → B → A|B → A → B/, 9],
    ["missing COMMIT", "*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j ACCEPT\n", /missing COMMIT/, 1],
    ["rule before any table", "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n-A INPUT -j ACCEPT\n", /rule after COMMIT|before any table/, 4],
    ["bad CIDR", SAVE("-A PREROUTING -d 10.0.0.0/33 -j ACCEPT"), /prefix length 33/, 6],
    ["IPv6 address in an IPv4 dump", SAVE("-A PREROUTING -s 10.0.0.0/8 -j ACCEPT\n-A PREROUTING -d fd00::/8 -j ACCEPT"), /IPv6 address "fd00::\/8" in an IPv4 ruleset/, 7],
    ["port out of range", SAVE("-A PREROUTING -p tcp -m tcp --dport 70000 -j ACCEPT"), /port 70000 is out of range/, 6],
    ["unknown table", "*natt\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n", /unknown table "natt"/, 1],
    ["unknown option of a known module", SAVE("-A PREROUTING -p tcp -m tcp --dprot 80 -j ACCEPT"), /-m tcp has no option --dprot/, 6],
    ["chain defined twice", SAVE(":X - [0:0]\n:X - [0:0]"), /defined twice/, 7],
  ];
  for (const [what, text, message, line] of cases) {
    it(what, () => {
      const { errors } = lower(text);
      const hit = errors.find((d) => message.test(d.message));
      expect(hit, JSON.stringify(errors)).toBeDefined();
      expect(hit?.line).toBe(line);
      expect(hit?.column).toBeGreaterThanOrEqual(1);
      expect(hit?.column).toBeLessThanOrEqual((text.split("\n")[line - 1]?.length ?? 0) + 1);
    });
  }

  it("reports a module iptables does not have as an error, and keeps the rule as undecidable", () => {
    const { errors, rule } = lower(SAVE("-A PREROUTING -m frobnicate --level 3 -j ACCEPT"));
    expect(errors.map((e) => e.message)).toEqual(['no iptables match extension is called "frobnicate": iptables-restore would refuse this rule (podpath explores both answers)']);
    expect(rule("nat", "PREROUTING", 1)?.matches[0]).toMatchObject({ type: "opaque", module: "frobnicate" });
  });

  it("warns about a real module podpath does not decode, and keeps the rule as undecidable", () => {
    const { errors, warnings, rule } = lower(SAVE("-A PREROUTING -m time --timestart 08:00 -j ACCEPT"));
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual(['podpath does not decode match module "time": it cannot tell whether it matches and will explore both answers']);
    expect(rule("nat", "PREROUTING", 1)?.matches[0]).toMatchObject({ type: "opaque", module: "time" });
  });

  it("reports what iptables-restore refuses in a rule's modules and options (checked against it: test/kernel/restore.test.ts)", () => {
    const { errors } = lower(SAVE([
      "-A PREROUTING -m comment -j ACCEPT",
      "-A PREROUTING -m statistic --mode random -j ACCEPT",
      "-A PREROUTING -m multiport -j ACCEPT",
      "-A PREROUTING -m addrtype --dst-type eth0 -j ACCEPT",
      "-A PREROUTING -j CONNMARK --restore-mark 0x80 --nfmask 0x80 --ctmask 0x80",
      "-A",
    ].join("\n")));
    expect(errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      "6:15 -m comment needs --comment: iptables-restore refuses it without",
      "7:15 -m statistic --mode random needs --probability: iptables-restore refuses it without",
      "8:15 -m multiport needs one of --sports, --dports, --ports, --source-ports, --destination-ports: iptables-restore refuses it without",
      "8:15 -m multiport needs -p tcp, udp, udplite, dccp or sctp, found no -p: iptables-restore refuses the rule",
      expect.stringMatching(/^9:38 --dst-type: unknown address type "eth0"/),
      '10:42 --restore-mark takes no value, found "0x80": iptables-restore refuses it',
      "11:1 -A needs a chain name: iptables-restore refuses the line",
    ]);
  });

  it("reports a ! where iptables-restore takes none: after an option, or before one that cannot be inverted", () => {
    const { errors, rule } = lower(SAVE([
      "-A PREROUTING -p tcp -m tcp ! --dport 80 -m statistic --mode random ! --probability 0.5 -j ACCEPT",
      "-A PREROUTING -m comment ! --comment x -j ACCEPT",
      "-A PREROUTING -p tcp -m tcp --dport ! 80 -j ACCEPT",
      "-A PREROUTING -s ! 10.0.0.1 -j ACCEPT",
      "-A PREROUTING -p tcp -j DNAT ! --to-destination 10.0.0.1:80",
      "-A PREROUTING ! -d ! 10.0.0.0/8 -j ACCEPT",
    ].join("\n")));
    expect(errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      '7:26 --comment cannot be inverted: iptables-restore refuses "! --comment"',
      '8:29 "--dport !" puts "!" where iptables before 1.4.3 took it: iptables-restore refuses it (write "! --dport")',
      '9:15 "-s !" puts "!" where iptables before 1.4.3 took it: iptables-restore refuses it (write "! -s")',
      '10:30 --to-destination cannot be inverted: iptables-restore refuses "! --to-destination"',
      '11:15 "-d !" puts "!" where iptables before 1.4.3 took it: iptables-restore refuses it (write "! -d")',
    ]);
    // The meaning is kept all the same.
    expect(rule("nat", "PREROUTING", 3)?.matches).toContainEqual(expect.objectContaining({ type: "port", negated: true }));
  });

  it("reports an option a module needs with another, as iptables-restore does", () => {
    const { errors } = lower(SAVE([
      "-A OUTPUT -m connbytes --connbytes 10:20 --connbytes-dir both -j ACCEPT",
      "-A OUTPUT -m string --string abc -j ACCEPT",
      "-A OUTPUT -m owner --uid-owner 0 --suppl-groups -j ACCEPT",
      "-A OUTPUT -m owner --gid-owner 0 --suppl-groups -m hashlimit --hashlimit-upto 5/sec --hashlimit-name x -j ACCEPT",
    ].join("\n")));
    expect(errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      "6:11 -m connbytes needs --connbytes-mode: iptables-restore refuses it without",
      "7:11 -m string needs --algo: iptables-restore refuses it without",
      "8:34 --suppl-groups needs --gid-owner before it: iptables-restore refuses it",
    ]);
  });

  it("reports an extension used where the kernel refuses it: another table, or a chain reached from a hook it does not work in", () => {
    const { b } = lower(SAVE([
      ":X - [0:0]",
      ":Y - [0:0]",
      "-A POSTROUTING -g X",
      "-A X -j Y",
      "-A Y -p tcp -j DNAT --to-destination 10.0.0.1:80",
      "-A OUTPUT -m owner --uid-owner 0 -j MASQUERADE",
      "-A PREROUTING -j Y",
      ":UNREACHED - [0:0]",
      "-A UNREACHED -m owner --uid-owner 0 -j ACCEPT",
    ].join("\n")) + SAVE([":Z - [0:0]", "-A PREROUTING -j Z", "-A Z -m addrtype --src-type LOCAL --limit-iface-out -j RETURN", "-A INPUT -j REJECT"].join("\n"), "mangle"));
    expect(b.diagnostics.filter((d) => d.severity !== "info").map((d) => `${d.line} ${d.severity} ${d.message}`)).toEqual([
      "10 error DNAT works only in PREROUTING, OUTPUT, and this rule is reached from POSTROUTING: the kernel refuses the table (iptables-restore fails at COMMIT)",
      "11 error MASQUERADE works only in POSTROUTING, and this rule is reached from OUTPUT: the kernel refuses the table (iptables-restore fails at COMMIT)",
      "23 warning -m addrtype --limit-iface-out works only in FORWARD, OUTPUT, POSTROUTING, and this rule is reached from PREROUTING: on an iptables-legacy node the kernel refuses the table (iptables-nft loads it in a user chain)",
      "24 error REJECT works only in table filter, not mangle: the kernel refuses the table (iptables-restore fails at COMMIT)",
    ]);
  });

  it("reports a module or NAT port under a protocol iptables-restore refuses it with", () => {
    const { errors, warnings } = lower(SAVE([
      "-A PREROUTING -p tcp -m tcp --dport 80 -m multiport --dports 80,443 -j ACCEPT",
      "-A PREROUTING -p 6 -m tcp --dport 80 -j DNAT --to-destination 10.0.0.1:8080",
      "-A PREROUTING -m tcp --dport 80 -j ACCEPT",
      "-A PREROUTING -p udp -m tcp --dport 80 -j ACCEPT",
      "-A PREROUTING -p all -m icmp --icmp-type 8 -j ACCEPT",
      "-A PREROUTING ! -p tcp -m multiport --dports 80 -j ACCEPT",
      "-A PREROUTING -j DNAT --to-destination 10.0.0.1:80",
      "-A PREROUTING ! -p tcp -m tcp --dport 80 -j ACCEPT",
      // The implicit module (`--dport` after `-s`) is checked after the written one.
      "-A PREROUTING ! -p tcp -m tcp --sport 9 -s 10.0.0.1 --dport 3 -j ACCEPT",
    ].join("\n")));
    expect(errors.map((e) => `${e.line}:${e.column} ${e.message}`)).toEqual([
      "8:15 -m tcp needs -p tcp, found no -p: iptables-restore refuses the rule",
      "9:22 -m tcp needs -p tcp, found -p udp: iptables-restore refuses the rule",
      "10:22 -m icmp needs -p icmp, found -p all: iptables-restore refuses the rule",
      "11:24 -m multiport under ! -p tcp: iptables-restore refuses the rule",
      "12:15 NAT to a port needs -p tcp, udp, sctp or dccp, found no -p: iptables-restore refuses the rule",
    ]);
    expect(warnings.map((w) => `${w.line}:${w.column} ${w.message}`)).toEqual([
      "13:24 -m tcp under ! -p tcp: an iptables-legacy node's kernel refuses the rule (iptables-nft may load it)",
      "14:24 -m tcp under ! -p tcp: an iptables-legacy node's kernel refuses the rule (iptables-nft may load it)",
      "14:53 -m tcp under ! -p tcp: an iptables-legacy node's kernel refuses the rule (iptables-nft may load it)",
    ]);
  });

  it("hands a malformed `:` or `-` line inside a dump to the iptables parser, which reports it, not skips it", () => {
    const { b } = lower(SAVE(":INP\n-\n-A PREROUTING -j ACCEPT") + "- a note written after the paste\n");
    expect(b.diagnostics.filter((d) => d.line === 6 || d.line === 7).map((d) => [d.line, d.severity])).toEqual([[6, "error"], [7, "error"]]);
    expect(b.diagnostics.filter((d) => d.line === 10).map((d) => [d.severity, d.message])).toEqual([["info", "skipped: not part of any dump podpath reads"]]);
  });

  it("reads an IPv4 address written short as iptables does, with a warning", () => {
    const { errors, warnings, rule } = lower(SAVE("-A PREROUTING -s 192.1 -d 10.0/8 -j ACCEPT"));
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual(['-s: iptables reads "192.1" as 192.1.0.0', '-d: iptables reads "10.0/8" as 10.0.0.0/8']);
    expect(rule("nat", "PREROUTING", 1)?.matches.map((m) => m.type)).toEqual(["source", "destination"]);
  });

  it("keeps the good rules of a table that has bad ones", () => {
    const { rule } = lower(SAVE("-A PREROUTING -d 10.0.0.0/33 -j ACCEPT\n-A PREROUTING -d 10.0.0.0/8 -j RETURN"));
    expect(rule("nat", "PREROUTING", 2)?.target).toEqual({ type: "return" });
  });

  it("keeps a condition it reported an error in as undecidable, not dropped (a dropped one would match more than was written)", () => {
    const { rule, errors } = lower(SAVE([
      "-A PREROUTING -d 10.0.0.0/33 -j ACCEPT",
      "-A PREROUTING -p tcp -m tcp --dport 70000 -j ACCEPT",
      "-A PREROUTING -p tcp -s 10.0.0.1 --bogus 1 -j ACCEPT",
      "-A PREROUTING -p 50 --dport 80 -j ACCEPT",
      "-A PREROUTING -m constructor -j ACCEPT",
    ].join("\n")));
    expect(errors).toHaveLength(5);
    const opaque = (n: number) => rule("nat", "PREROUTING", n)?.matches.filter((m) => m.type === "opaque").map((m) => m.type === "opaque" && m.module);
    expect([1, 2, 3, 4, 5].map(opaque)).toEqual([["-d"], ["-m tcp"], ["tcp"], ["--dport"], ["constructor"]]);
    // What it did read is kept beside it.
    expect(rule("nat", "PREROUTING", 2)?.matches[0]).toMatchObject({ type: "protocol", protocol: 6 });
  });
});

describe("each family's own extensions, names and address forms (checked against ip6tables-restore: test/kernel/restore.test.ts)", () => {
  /** A filter table's text; FILTER lowers it as IPv4, lower6 (as an ip6tables-save file) as IPv6. */
  const FILTER_TABLE = (body: string) => `*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n${body}\nCOMMIT\n`;
  const FILTER = (body: string) => lower(FILTER_TABLE(body));
  const lower6 = (text: string) => {
    const b = parseBundle(text, "ip6tables-save.txt");
    return { b, errors: b.diagnostics.filter((d) => d.severity === "error"), warnings: b.diagnostics.filter((d) => d.severity === "warning") };
  };

  it("reports IPv4's modules, targets and -f in an ip6tables dump, and IPv6's in an iptables one", () => {
    const v6 = lower6(FILTER_TABLE("-A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT\n-A INPUT -m ttl --ttl-eq 5 -j ACCEPT\n-A INPUT -f -j ACCEPT\n-A OUTPUT -j TTL --ttl-set 5"));
    expect(v6.errors.map((e) => [e.line, e.column])).toEqual([[5, 18], [6, 10], [7, 10], [8, 11]]);
    expect(v6.errors[0]?.message).toBe("-m icmp is iptables's: ip6tables has no such match (its own is -m icmp6): iptables-restore would refuse this rule (podpath explores both answers)");
    expect(v6.errors[2]?.message).toBe("-f is IPv4's: ip6tables refuses it (its own is -m frag)");
    const v4 = lower(SAVE("-A PREROUTING -p ipv6-icmp -m icmp6 --icmpv6-type 1 -j ACCEPT\n-A PREROUTING -m hl --hl-eq 5 -j ACCEPT\n-A PREROUTING -m frag --fragid 5 -j ACCEPT", "mangle"));
    expect(v4.errors.map((e) => e.column)).toEqual([28, 15, 15]);
    const good = lower6(FILTER_TABLE("-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 1 -j ACCEPT\n-A INPUT -m hl --hl-eq 5 -j ACCEPT\n-A INPUT -m frag --fragid 5 -j ACCEPT"));
    expect(good.errors).toEqual([]);
  });

  it("reads protocol names from /etc/protocols as iptables-save prints them, and warns where ip6tables never matches", () => {
    const v4 = FILTER("-A INPUT -p vrrp -j ACCEPT\n-A INPUT -p OSPF -j ACCEPT\n-A INPUT -p pim -j ACCEPT\n-A INPUT -p bogus -j ACCEPT");
    expect(v4.errors.map((e) => [e.line, e.message])).toEqual([[8, '-p: unknown protocol "bogus"']]);
    expect(v4.rule("filter", "INPUT", 1)?.matches).toEqual([{ type: "protocol", protocol: 112, name: "vrrp", negated: false }]);
    expect(v4.rule("filter", "INPUT", 2)?.matches).toMatchObject([{ protocol: 89 }]);
    const v6 = lower6(FILTER_TABLE("-A INPUT -p ipv6-frag -j ACCEPT\n-A INPUT ! -p ah -j ACCEPT"));
    expect(v6.errors).toEqual([]);
    expect(v6.warnings.map((w) => w.line)).toEqual([5]);
    expect(v6.warnings[0]?.message).toMatch(/^-p ipv6-frag never matches/);
  });

  it("checks REJECT's reply type for the family, and takes a TCP reset only under -p tcp", () => {
    const v4 = FILTER("-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n-A INPUT -j REJECT --reject-with port-unr\n-A INPUT -j REJECT --reject-with icmp6-no-route\n-A INPUT -p udp -j REJECT --reject-with tcp-rst\n-A INPUT ! -p tcp -j REJECT --reject-with tcp-reset");
    expect(v4.errors.map((e) => [e.line, e.column])).toEqual([[7, 34], [8, 17], [9, 19]]);
    expect(v4.errors[0]?.message).toMatch(/^--reject-with: iptables has no reject type "icmp6-no-route"/);
    expect(v4.errors[1]?.message).toBe("REJECT --reject-with tcp-reset needs -p tcp, found -p udp: the kernel refuses the table (iptables-restore fails at COMMIT)");
    const v6 = lower6(FILTER_TABLE("-A INPUT -j REJECT --reject-with icmp6-adm-prohibited\n-A INPUT -j REJECT --reject-with icmp-port-unreachable\n-A INPUT -j REJECT --reject-with tcp-rst"));
    expect(v6.errors.map((e) => e.line)).toEqual([6, 7]);
  });

  it("reads IPv6 masks, refuses an address with a zone, and keeps a mask that is no prefix as undecidable", () => {
    const v6 = lower6(FILTER_TABLE("-A INPUT -s fd00::/ffff:ffff:: -j ACCEPT\n-A INPUT -s fe80::1%eth0 -j ACCEPT"));
    expect(v6.errors.map((e) => [e.line, e.message])).toEqual([[6, '-s: "fe80::1%eth0" is not an address iptables reads (no %zone)']]);
    const input = v6.b.nodes[0]?.rulesets[0]?.tables.get("filter")?.chains.get("INPUT");
    expect(input?.rules[0]?.matches).toEqual([{ type: "source", prefix: { family: 6, value: 0xfd00n << 112n, len: 32 }, negated: false }]);
    const v4 = FILTER("-A INPUT ! -s 10.0.0.0/255.0.255.0 -j ACCEPT");
    expect(v4.errors).toEqual([]);
    expect(v4.warnings[0]?.message).toBe("-s 10.0.0.0/255.0.255.0: its mask is not a prefix; podpath cannot evaluate this match and explores both answers");
    expect(v4.rule("filter", "INPUT", 1)?.matches).toEqual([{ type: "opaque", module: "-s", what: "! -s 10.0.0.0/255.0.255.0" }]);
  });

  it("reads ICMP type names as iptables does: any prefix of one name, in any case; IPv6 has no any", () => {
    const v4 = FILTER("-A INPUT -p icmp -m icmp --icmp-type echo-req -j ACCEPT\n-A INPUT -p icmp -m icmp --icmp-type HOST-PROHIBITED -j ACCEPT\n-A INPUT -p icmp -m icmp --icmp-type echo-re -j ACCEPT");
    expect(v4.rule("filter", "INPUT", 1)?.matches).toContainEqual({ type: "icmp", icmpType: 8, code: null, family: 4, negated: false });
    expect(v4.rule("filter", "INPUT", 2)?.matches).toContainEqual({ type: "icmp", icmpType: 3, code: 10, family: 4, negated: false });
    expect(v4.errors.map((e) => [e.line, e.message])).toEqual([[7, '--icmp-type: ICMP type "echo-re" is ambiguous: echo-reply or echo-request?']]);
    const v6 = lower6(FILTER_TABLE("-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-sol -j ACCEPT\n-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type any -j ACCEPT"));
    expect(v6.errors.map((e) => [e.line, e.message])).toEqual([[6, '--icmpv6-type: unknown ICMPv6 type "any"']]);
  });

  it("reports what the kernel holds no room or no meaning for: long interface names, 16 multiport places, IPv6 address types it has not", () => {
    const v4 = FILTER("-A INPUT -i abcdefghijklmno+ -j ACCEPT\n-A INPUT -i abcdefghijklmn+ -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:20 -j ACCEPT\n-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16 -j ACCEPT");
    expect(v4.errors.map((e) => e.line)).toEqual([5, 8]);
    expect(v4.errors[1]?.message).toBe("--dports: too many ports (16 of 15 places, a range taking two): iptables refuses it");
    const v6 = lower6(FILTER_TABLE("-A INPUT -m addrtype --dst-type LOCAL,ANYCAST -j ACCEPT\n-A INPUT -m addrtype ! --src-type BROADCAST -j ACCEPT"));
    expect(v6.errors.map((e) => e.line)).toEqual([6]);
  });

  it("takes -m esp, -m dccp, -m mh (and IPv4's -m ah) only under their -p", () => {
    const v4 = FILTER("-A INPUT -m esp --espspi 5 -j ACCEPT\n-A INPUT -m ah --ahspi 5 -j ACCEPT\n-A INPUT -p dccp -m dccp --dport 5 -j ACCEPT");
    expect(v4.errors.map((e) => [e.line, e.message])).toEqual([
      [5, "-m esp needs -p esp, found no -p: iptables-restore refuses the rule"],
      [6, "-m ah needs -p ah, found no -p: iptables-restore refuses the rule"],
    ]);
    const v6 = lower6(FILTER_TABLE("-A INPUT -m mh --mh-type 5 -j ACCEPT\n-A INPUT -m ah --ahspi 5 -j ACCEPT"));
    expect(v6.errors.map((e) => e.line)).toEqual([5]);
  });

  it("reads an unbracketed IPv6 NAT address as ip6tables does: a port only after a lone colon", () => {
    const v6 = lower6("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j DNAT --to-destination fd00::1-fd00::5\n-A PREROUTING -p tcp -j DNAT --to-destination :80\nCOMMIT\n");
    expect(v6.errors).toEqual([]);
    const rules = v6.b.nodes[0]?.rulesets[0]?.tables.get("nat")?.chains.get("PREROUTING")?.rules;
    expect(rules?.[0]?.target).toMatchObject({ type: "dnat", to: { addrLo: { value: 0xfd00n << 112n | 1n }, addrHi: { value: 0xfd00n << 112n | 5n }, ports: null } });
    expect(rules?.[1]?.target).toMatchObject({ type: "dnat", to: { addrLo: null, ports: { lo: 80, hi: 80 } } });
  });

  it("warns about a target whose outcome is decided elsewhere (NFQUEUE, SYNPROXY's own replies), and keeps what each may do", () => {
    const { rule, errors, warnings } = lower("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NFQUEUE --queue-num 1\n-A INPUT -p tcp -j SYNPROXY --mss 1460\nCOMMIT\n");
    expect(errors).toEqual([]);
    expect(warnings.map((w) => w.message)).toEqual([
      "target NFQUEUE hands the packet elsewhere (userspace, a cluster peer): podpath cannot tell what happens to it",
      "target SYNPROXY hands the packet elsewhere (userspace, a cluster peer): podpath cannot tell what happens to it",
    ]);
    // The queue's reader accepts or drops; an unmodelled target may also let the packet go on.
    expect(rule("filter", "INPUT", 1)?.target).toEqual({ type: "unknown", name: "NFQUEUE", why: "queue", may: ["accept", "drop"] });
    expect(rule("filter", "INPUT", 2)?.target).toEqual({ type: "unknown", name: "SYNPROXY", why: "unmodelled", may: ["continue", "accept", "drop"] });
  });

  it("keeps a target it found an error in as one of unknown effect, not as written and not as none", () => {
    const { rule, errors } = lower([
      "*nat", ":PREROUTING ACCEPT [0:0]",
      "-A PREROUTING -p tcp -j DNAT --to-destination bogus",
      "-A PREROUTING -j SNAT --to-source 10.0.0.1 --bogus",
      "-A PREROUTING -j DNAT --to-destination 10.0.0.2",
      "COMMIT", "",
    ].join("\n"));
    expect(errors.map((e) => e.line)).toEqual([3, 4]);
    const refused = { type: "unknown", why: "refused", may: ["continue", "accept", "drop"] };
    expect(rule("nat", "PREROUTING", 1)?.target).toEqual({ ...refused, name: "DNAT" });
    expect(rule("nat", "PREROUTING", 2)?.target).toEqual({ ...refused, name: "SNAT" });
    expect(rule("nat", "PREROUTING", 3)?.target).toMatchObject({ type: "dnat" });
  });

  it("makes a rule per address of an address list, sources outer, as iptables-restore does (-I puts them in reverse)", () => {
    const { rs, errors } = lower(SAVE("-A PREROUTING -j ACCEPT\n-A PREROUTING -d 192.0.2.1,192.0.2.2 -s 10.0.0.1,10.0.0.2/31 -p tcp -j DROP\n-I PREROUTING 1 -s 10.9.0.1,10.9.0.2 -j RETURN\n-A OUTPUT ! -s 10.0.0.5,10.0.0.6 -j ACCEPT\n-A OUTPUT -s 10.0.0.1, -j ACCEPT", "nat"));
    const text = (m: Match) => (m.type === "source" || m.type === "destination" ? `${m.type[0]} ${formatPrefix(m.prefix, true)}` : m.type);
    expect(rs?.tables.get("nat")?.chains.get("PREROUTING")?.rules.map((r) => [r.position, r.origin.line, r.matches.map(text).join(" ")])).toEqual([
      [1, 8, "s 10.9.0.2/32"], [2, 8, "s 10.9.0.1/32"], [3, 6, ""],
      [4, 7, "d 192.0.2.1/32 s 10.0.0.1/32 protocol"], [5, 7, "d 192.0.2.2/32 s 10.0.0.1/32 protocol"],
      [6, 7, "d 192.0.2.1/32 s 10.0.0.2/31 protocol"], [7, 7, "d 192.0.2.2/32 s 10.0.0.2/31 protocol"],
    ]);
    expect(errors.map((e) => [e.line, e.column, e.message])).toEqual([
      [9, 11, "-s: iptables takes no ! with several addresses"],
      [10, 23, '-s: "" is not an IPv4 or IPv6 address'],
    ]);
  });

  it("checks what libxt reads itself: packet type names, log levels, limit rates, MAC addresses", () => {
    const { rule, errors } = FILTER([
      "-A INPUT -m pkttype --pkt-type host -j ACCEPT", "-A INPUT -m pkttype --pkt-type OtherHost -j ACCEPT", "-A INPUT -m pkttype --pkt-type uni -j ACCEPT",
      "-A INPUT -j LOG --log-level panic", "-A INPUT -j LOG --log-level warn",
      "-A INPUT -m limit --limit 5/mi -j ACCEPT", "-A INPUT -m limit --limit 10001/s -j ACCEPT", "-A INPUT -m limit --limit 5/ -j ACCEPT",
      "-A INPUT -m mac --mac-source 02:00:0A:00:00:ff -j ACCEPT", "-A INPUT -m mac --mac-source 02:00:00:00:00 -j ACCEPT",
    ].join("\n"));
    expect(rule("filter", "INPUT", 1)?.matches).toEqual([{ type: "pkttype", pktType: "unicast", negated: false }]);
    expect(rule("filter", "INPUT", 2)?.matches).toEqual([{ type: "pkttype", pktType: "otherhost", negated: false }]);
    expect(errors.map((e) => e.line)).toEqual([7, 9, 11, 12, 14]);
    expect(errors[2]?.message).toBe("--limit: rate 10001/s is too fast (at most 10000/second)");
  });

  it("takes -g only to a chain, and no jump to a built-in chain", () => {
    const { rule, errors } = FILTER("-A INPUT -g ACCEPT\n-A INPUT -g NOPE\n-A INPUT -j OUTPUT\n-A FORWARD -g INPUT");
    expect(errors.map((e) => [e.line, e.column])).toEqual([[5, 10], [6, 10], [7, 10], [8, 12]]);
    expect(errors[0]?.message).toBe("-g ACCEPT: goto needs a chain of this table, and ACCEPT is none (iptables-restore refuses the rule)");
    expect(errors[2]?.message).toBe("-j OUTPUT: a rule cannot jump to a built-in chain (iptables-restore refuses the table)");
    // The kernel has no such jump: the trace explores every effect rather than entering OUTPUT.
    const refused = { type: "unknown", why: "refused", may: ["continue", "accept", "drop"] };
    expect(rule("filter", "INPUT", 3)?.target).toEqual({ ...refused, name: "OUTPUT" });
    expect(rule("filter", "FORWARD", 1)?.target).toEqual({ ...refused, name: "INPUT" });
  });

  it("takes --physdev-out without --physdev-is-bridged only where routing has not decided the way out", () => {
    const { errors, warnings } = FILTER(":X - [0:0]\n-A OUTPUT -m physdev --physdev-out eth0 -j ACCEPT\n-A INPUT -m physdev --physdev-out eth0 -j ACCEPT\n-A FORWARD -m physdev --physdev-out eth0 --physdev-is-bridged -j ACCEPT\n-A FORWARD -j X\n-A X -m physdev --physdev-is-out -j ACCEPT");
    expect(errors.map((e) => e.line)).toEqual([6]);
    expect(warnings.map((w) => w.line)).toEqual([10]);
  });

  it("takes each target where the kernel does: TCPMSS clamping after routing only, DSCP/TOS/TTL/CHECKSUM in mangle, CLASSIFY after routing, SYNPROXY in INPUT/FORWARD, TRACE in raw", () => {
    const mangle = lower(SAVE([
      "-A PREROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400",
      "-A PREROUTING -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
      "-A PREROUTING -j TTL --ttl-set 5", "-A INPUT -j CLASSIFY --set-class 1:1", "-A POSTROUTING -j CLASSIFY --set-class 1:1",
    ].join("\n"), "mangle"));
    expect(mangle.errors.map((e) => [e.line, e.message])).toEqual([
      [7, "TCPMSS --clamp-mss-to-pmtu works only in FORWARD, OUTPUT, POSTROUTING, and this rule is reached from PREROUTING: the kernel refuses the table (iptables-restore fails at COMMIT)"],
      [9, "CLASSIFY works only in FORWARD, OUTPUT, POSTROUTING, and this rule is reached from INPUT: the kernel refuses the table (iptables-restore fails at COMMIT)"],
    ]);
    const filter = FILTER("-A FORWARD -j DSCP --set-dscp 1\n-A INPUT -p tcp -j SYNPROXY --mss 1460\n-A OUTPUT -p tcp -j SYNPROXY --mss 1460\n-A INPUT -p tcp -j TRACE");
    expect(filter.errors.map((e) => e.line)).toEqual([5, 7]);
    // iptables-nft takes TRACE in any table.
    expect(filter.warnings.map((w) => [w.line, w.message])).toContainEqual([8, "TRACE works only in table raw, not filter: on an iptables-legacy node the kernel refuses the table (iptables-nft loads it)"]);
  });

  it("takes a condition on the way in only where the packet arrived, and on the way out only where its way out is known", () => {
    const { errors } = FILTER([
      "-A INPUT -m mac --mac-source 02:00:00:00:00:01 -j ACCEPT", "-A OUTPUT -m mac --mac-source 02:00:00:00:00:01 -j ACCEPT",
      "-A FORWARD -m devgroup --src-group 1 --dst-group 2 -j ACCEPT", "-A INPUT -m devgroup --dst-group 2 -j ACCEPT",
      "-A OUTPUT -m policy --dir out --pol none -j ACCEPT", "-A OUTPUT -m policy --dir in --pol none -j ACCEPT",
    ].join("\n"));
    expect(errors.map((e) => [e.line, e.message.split(":")[0]])).toEqual([
      [6, "-m mac works only in PREROUTING, INPUT, FORWARD, and this rule is reached from OUTPUT"],
      [8, "-m devgroup --dst-group works only in FORWARD, OUTPUT, POSTROUTING, and this rule is reached from INPUT"],
      [10, "-m policy --dir in works only in PREROUTING, INPUT, FORWARD, and this rule is reached from OUTPUT"],
    ]);
  });

  it("reads numbers as iptables does (strtoul in base 0): 010 is 8, 0x50 is 80, 08 is none", () => {
    const { rule, errors } = lower(SAVE("-A PREROUTING -p 010 -j ACCEPT\n-A PREROUTING -p tcp -m tcp --dport 0x50 -j ACCEPT\n-A PREROUTING -m mark --mark 010 -j ACCEPT\n-A PREROUTING -p tcp -m tcp --dport 08 -j ACCEPT", "mangle"));
    expect(rule("mangle", "PREROUTING", 1)?.matches).toMatchObject([{ type: "protocol", protocol: 8 }]);
    expect(rule("mangle", "PREROUTING", 2)?.matches).toMatchObject([{ type: "protocol" }, { type: "port", range: { lo: 80, hi: 80 } }]);
    expect(rule("mangle", "PREROUTING", 3)?.matches).toMatchObject([{ type: "mark", value: 8 }]);
    expect(errors.map((e) => [e.line, e.message])).toEqual([[9, '--dport: "08" is not a port number']]);
  });

  it("reads ports by their /etc/services names, as iptables does", () => {
    const { rule, errors } = FILTER("-A INPUT -p tcp -m tcp --dport smtp -j ACCEPT\n-A INPUT -p tcp -m tcp --dport www:https -j ACCEPT\n-A INPUT -p tcp -m tcp --dport smtpx -j ACCEPT");
    expect(rule("filter", "INPUT", 1)?.matches).toContainEqual({ type: "port", which: "dst", range: { lo: 25, hi: 25 }, negated: false });
    expect(rule("filter", "INPUT", 2)?.matches).toContainEqual({ type: "port", which: "dst", range: { lo: 80, hi: 443 }, negated: false });
    expect(errors.map((e) => [e.line, e.message])).toEqual([[7, '--dport: "smtpx" is not a port number']]);
  });

  it("lowers NETMAP to the network it maps into, in nat only", () => {
    const { rule, errors } = lower(SAVE("-A PREROUTING -d 198.51.100.0/24 -j NETMAP --to 192.0.2.0/24\n-A POSTROUTING -j NETMAP"));
    expect(rule("nat", "PREROUTING", 1)?.target).toEqual({ type: "netmap", to: { family: 4, value: 0xc0000200n, len: 24 } });
    expect(errors.map((e) => e.message)).toEqual(["NETMAP needs --to"]);
    expect(lower(SAVE("-A PREROUTING -j NETMAP --to 192.0.2.0/24", "mangle")).errors[0]?.message).toMatch(/^NETMAP works only in table nat, not mangle/);
  });

  it("checks TPROXY's address for the family", () => {
    const v6 = lower6("*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j TPROXY --on-port 80 --on-ip 10.0.0.1\n-A PREROUTING -p tcp -j TPROXY --on-port 80 --on-ip fd00::1\nCOMMIT\n");
    expect(v6.errors.map((e) => e.line)).toEqual([3]);
  });
});

describe("a table is read in order, and judged as a whole", () => {
  it("reports a jump to, or a rule for, a chain declared after it, and still reads every chain's rules in command order", () => {
    const { rule, errors } = lower(SAVE("-A PREROUTING -j LATER\n-A EARLY -j RETURN\n:LATER - [0:0]\n:EARLY - [0:0]\n-A EARLY -j ACCEPT\n-I EARLY 1 -j DROP\n-A LATER -j ACCEPT"));
    // iptables-restore refuses both (legacy and nft alike).
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [6, "jump to LATER before its declaration on line 8: iptables-restore rejects a jump to a chain not declared yet"],
      [7, "-A to chain EARLY before its declaration on line 9: iptables-restore rejects a rule for a chain not declared yet"],
    ]);
    expect(rule("nat", "PREROUTING", 1)?.target).toEqual({ type: "jump", chain: "LATER" });
    // -A EARLY (line 7, before its declaration), -A EARLY (line 10), then -I EARLY 1 puts DROP first.
    expect([1, 2, 3].map((p) => [rule("nat", "EARLY", p)?.target?.type, rule("nat", "EARLY", p)?.position, rule("nat", "EARLY", p)?.origin.line])).toEqual([
      ["drop", 1, 11], ["return", 2, 7], ["accept", 3, 10],
    ]);
  });

  it("reports a chain that is never declared once, and keeps its rules", () => {
    const { rule, errors } = lower(SAVE("-A GHOST -j RETURN\n-A PREROUTING -j GHOST\n-A GHOST -j ACCEPT"));
    expect(errors.map((e) => [e.line, e.message])).toEqual([[6, "-A to undeclared chain GHOST: expected a :GHOST - [0:0] line before it"]]);
    expect(rule("nat", "PREROUTING", 1)?.target).toEqual({ type: "jump", chain: "GHOST" });
    expect([rule("nat", "GHOST", 1)?.target, rule("nat", "GHOST", 2)?.target]).toEqual([{ type: "return" }, { type: "accept" }]);
  });

  it("does not resolve a jump to an undeclared chain that only a later rule brings into being", () => {
    const { errors } = lower(SAVE("-A PREROUTING -j GHOST\n-A GHOST -j ACCEPT"));
    expect(errors.map((e) => e.message)).toEqual([
      'jump to undefined chain "GHOST" (no chain of that name in this table, and no iptables target)',
      "-A to undeclared chain GHOST: expected a :GHOST - [0:0] line before it",
    ]);
  });
});

describe("dump words that name JavaScript's own object members are ordinary words", () => {
  it("reads -m constructor, --toString, -j toString, -p __proto__ as unknown, not as built-ins", () => {
    const { b, rule } = lower(SAVE([
      "-A PREROUTING -m constructor --x 1 -j ACCEPT",
      "-A PREROUTING -p tcp -m tcp --toString 1 -j ACCEPT",
      "-A PREROUTING -j toString",
      "-A PREROUTING -p constructor -j ACCEPT",
      "-A PREROUTING -p tcp -m tcp --dport hasOwnProperty -j ACCEPT",
      "-A PREROUTING -p icmp -m icmp --icmp-type constructor -j ACCEPT",
    ].join("\n")));
    const messages = b.diagnostics.map((d) => `${d.line}: ${d.message}`);
    expect(messages).toEqual([
      '6: no iptables match extension is called "constructor": iptables-restore would refuse this rule (podpath explores both answers)',
      expect.stringMatching(/^7: -m tcp has no option --toString/),
      '8: jump to undefined chain "toString" (no chain of that name in this table, and no iptables target)',
      '9: -p: unknown protocol "constructor"',
      '10: --dport: "hasOwnProperty" is not a port number',
      '11: --icmp-type: unknown ICMP type "constructor"',
    ]);
    expect(rule("nat", "PREROUTING", 1)?.matches).toEqual([{ type: "opaque", module: "constructor", what: "-m constructor matches" }]);
  });

  it("reads ip rule and route words the same way", () => {
    const b = parseBundle("$ ip rule\n0:\tfrom all lookup local\n100:\tfrom all ipproto constructor lookup main\n101:\tfrom all tos toString lookup main\n$ ip route show table all\ndefault via 10.0.0.1 dev eth0 table constructor\n", "dump.txt");
    expect(b.nodes[0]?.routing.routes[0]?.table).toBe("constructor");
    expect(b.diagnostics.filter((d) => d.severity === "error").map((d) => d.line)).toEqual([3, 4]);
  });
});

describe("groups a dump repeats are lowered once", () => {
  it("shares the lowered objects between rules, and still reports every bad line", () => {
    const { rule, errors } = lower(SAVE([
      ":KUBE-MARK-MASQ - [0:0]",
      "-A PREROUTING ! -s 10.0.0.0/16 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ",
      "-A PREROUTING ! -s 10.0.0.0/16 -p tcp -m tcp --dport 443 -j KUBE-MARK-MASQ",
      "-A PREROUTING -p tcp -m tcp --dport 70000 -j ACCEPT",
      "-A PREROUTING -p tcp -m tcp --dport 70000 -j ACCEPT",
    ].join("\n")));
    const [a, b] = [rule("nat", "PREROUTING", 1), rule("nat", "PREROUTING", 2)];
    expect(a?.matches).toEqual(b?.matches);
    a?.matches.forEach((m, i) => expect(m).toBe(b?.matches[i]));
    expect(a?.target).toBe(b?.target);
    expect(errors.map((e) => [e.line, e.message])).toEqual([[9, "--dport: port 70000 is out of range (0-65535)"], [10, "--dport: port 70000 is out of range (0-65535)"]]);
  });
});

describe("a dump is lowered the same however its lines were read", () => {
  it("gives the same model and diagnostics from the fast path's lazily read lines as from the grammar's trees", () => {
    const dumps = readdirSync("fixtures").map((d) => `fixtures/${d}/iptables-save.txt`).filter((f) => existsSync(f));
    expect(dumps.length).toBeGreaterThan(3);
    for (const file of dumps) {
      const lines = splitLines(readFileSync(file, "utf8"), file);
      // Every line through the grammar alone (the fixtures have no bad lines for it to drop).
      const trees: ParsedIptLine[] = [];
      for (const source of lines) {
        const node = parseIptablesLine(source.raw);
        if (node !== null && node.type !== "blank") trees.push({ source, node });
      }
      const fast = lowerIptables([{ family: 4, tableHint: null, reparsable: true, read: (visit) => forEachIptablesLine([lines], [], visit) }]);
      const grammar = lowerIptables([{ family: 4, tableHint: null, reparsable: true, read: readParsed(trees) }]);
      expect(fast.rulesets.flatMap((r) => [...r.tables.values()]).length, file).toBeGreaterThan(0);
      expect(fast, file).toEqual(grammar);
    }
  });
});

describe("what a jump resolves to depends on its own table", () => {
  it("reports a jump to a chain that exists only in another table of the same dump", () => {
    const text = [
      "*nat", ":PREROUTING ACCEPT [0:0]", ":INPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ":POSTROUTING ACCEPT [0:0]",
      "-A GHOST -j RETURN", "-A PREROUTING -j GHOST", "COMMIT",
      "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]",
      "-A INPUT -j GHOST", "COMMIT", "",
    ].join("\n");
    const { b, errors } = lower(text);
    const filter = b.nodes[0]?.rulesets[0]?.tables.get("filter");
    expect(filter?.chains.get("INPUT")?.rules[0]?.target).toEqual({ type: "unknown", name: "GHOST", why: "refused", may: ["continue", "accept", "drop"] });
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [6, "-A to undeclared chain GHOST: expected a :GHOST - [0:0] line before it"],
      [13, 'jump to undefined chain "GHOST" (no chain of that name in this table, and no iptables target)'],
    ]);
  });
});

describe("a rule's comment and syntax", () => {
  const LIST = [
    "# iptables -t nat -L -n -v",
    "Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)",
    " pkts bytes target     prot opt in     out     source               destination",
    "    2    93 RETURN     0    --  *      *       0.0.0.0/0            172.20.0.0/16        /* AWS SNAT CHAIN EXCLUSION */",
  ].join("\n");

  it("reads the comment of an iptables -L row, and keeps it (and the syntax) on a renumbered copy", () => {
    const b = parseBundle(LIST, "iptables-L.txt");
    const rule = b.nodes[0]?.rulesets[0]?.tables.get("nat")?.chains.get("POSTROUTING")?.rules[0] as Rule;
    expect(ruleComment(rule)).toBe("AWS SNAT CHAIN EXCLUSION");
    const copy = renumbered(rule, 4);
    expect(copy.position).toBe(4);
    expect(ruleComment(copy)).toBe("AWS SNAT CHAIN EXCLUSION");
    expect(printAppend(copy.chain, ruleSpec(copy))).toBe('-A POSTROUTING -d 172.20.0.0/16 -m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN');
  });

  it("is lowered once per shape, yet a comment written wrongly is reported on every rule that has it", () => {
    const { b } = lower(SAVE([
      '-A PREROUTING -m comment --comment "a" -j ACCEPT',
      '-A PREROUTING -m comment --comment "a" "b" -j ACCEPT',
      '-A PREROUTING -m comment --comm "c" -j ACCEPT',
      '-A PREROUTING -m comment --comm "d" -j ACCEPT',
      '-A PREROUTING -m comment --comment "e" "f" -j ACCEPT',
    ].join("\n")));
    expect(b.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`)).toEqual([
      '7:40 --comment takes one value, found "b" after it too: iptables-restore refuses the stray argument',
      "8:26 iptables reads --comm as --comment",
      "9:26 iptables reads --comm as --comment",
      '10:40 --comment takes one value, found "f" after it too: iptables-restore refuses the stray argument',
    ]);
  });

  it("is not a match: it decides nothing", () => {
    const { rule } = lower(SAVE('-A POSTROUTING -m comment --comment "only a note" -j RETURN'));
    const r = rule("nat", "POSTROUTING", 1) as Rule;
    expect(r.matches).toEqual([]);
    expect(ruleComment(r)).toBe("only a note");
  });
});
