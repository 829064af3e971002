import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readArchive, safeEntryName } from "../../src/cli/archive.js";
import { runCli } from "../helpers.js";

/** A ustar header + data, built by hand so hostile entries can be made. */
function entry(name: string, data: string, type = "0", link = ""): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0);
  h.write("0000644\0", 100);
  h.write(`${Buffer.byteLength(data).toString(8).padStart(11, "0")}\0`, 124);
  h.write("00000000000\0", 136);
  h.write(type, 156);
  h.write(link, 157);
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(Buffer.byteLength(data) / 512) * 512);
  body.write(data);
  return Buffer.concat([h, body]);
}

const tar = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

describe("EKS log collector tarballs", () => {
  it("reads the bundle straight from the .tar.gz as one node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podpath-tar-"));
    const top = "eks_i-0123456789abcdef0_2025-06-03_0915-UTC_0.8.5";
    cpSync("fixtures/eks-log-collector", join(dir, top), { recursive: true });
    execFileSync("tar", ["czf", join(dir, "bundle.tar.gz"), "-C", dir, top]);
    const r = await runCli(["trace", join(dir, "bundle.tar.gz"), "--src", "192.168.1.141", "--dst", "10.20.30.40", "--proto", "udp", "--dport", "8125", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ node: top, snat: false, egress: { interface: "eth1", eni: "eni-07b6d5c4e3f2a1b90" } });
  });

  it("refuses entry names that leave the archive, and follows no links", () => {
    const raw = gzipSync(tar(
      entry("../../etc/passwd", "root:x:0:0"),
      entry("/abs/iprule.txt", "0:\tfrom all lookup local"),
      entry("bundle/networking/link.txt", "", "2", "/etc/shadow"),
      entry("bundle/networking/iprule.txt", "0:\tfrom all lookup local\n"),
    ));
    const r = readArchive(raw, 1 << 20, () => true);
    expect(r.files.map((f) => f.name)).toEqual(["bundle/networking/iprule.txt"]);
    expect(r.skipped).toEqual([
      "../../etc/passwd: unsafe entry name (absolute or ..), not read",
      "/abs/iprule.txt: unsafe entry name (absolute or ..), not read",
      "bundle/networking/link.txt: not a regular file (links are not followed)",
    ]);
    expect(safeEntryName("a/./b//c")).toBe("a/b/c");
    expect(safeEntryName("a/../../b")).toBeNull();
  });

  it("refuses archives that unpack beyond --max-bytes, and truncated or foreign files, with exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "podpath-tar-"));
    const big = join(dir, "big.tar.gz");
    writeFileSync(big, gzipSync(tar(entry("b/iptables-save.txt", "#".repeat(300_000)))));
    const r = await runCli(["parse", big, "--max-bytes", "100000"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/big\.tar\.gz: unpacks to more than --max-bytes 100000/);
    const cut = join(dir, "cut.tar");
    writeFileSync(cut, tar(entry("b/iprule.txt", "0:\tfrom all lookup local\n".repeat(100))).subarray(0, 700));
    expect((await runCli(["parse", cut])).stderr).toMatch(/the archive ends inside this entry \(truncated\)/);
    const junk = join(dir, "junk.tgz");
    writeFileSync(junk, Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect((await runCli(["parse", junk])).stderr).toMatch(/junk\.tgz: not a valid gzip file/);
  });
});
