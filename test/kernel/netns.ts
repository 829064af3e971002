/**
 * Network namespaces for the kernel differential harness, made safe to use on a developer's machine:
 * every namespace has a unique name (`pp-<pid>-<random>-<role>`), every command runs inside one of our
 * namespaces with a bounded timeout, and every namespace (and every helper process we started) is
 * removed on every path: `cleanup()` in `finally`/`afterAll`, process `exit`, SIGINT and SIGTERM.
 *
 * Nothing here changes the host namespace: commands are `ip -n NS …` or `ip netns exec NS …`; veth
 * pairs are created with both ends inside namespaces we created.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

const DEFAULT_TIMEOUT_MS = 20_000;

export class CommandError extends Error {
  constructor(message: string, readonly stderr: string) {
    super(message);
  }
}

/** Runs a command with a timeout; throws CommandError with stderr on failure. */
export function run(cmd: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args as string[], {
      input: opts.input,
      timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string | Buffer; message: string };
    const stderr = String(err.stderr ?? "");
    throw new CommandError(`${cmd} ${args.join(" ")}: ${stderr.trim() || err.message}`, stderr);
  }
}

function which(tool: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin", "/usr/bin"])) {
    try {
      execFileSync("test", ["-x", `${dir}/${tool}`], { timeout: 2000, stdio: "ignore" });
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Why the kernel tests cannot run here, or null when they can. Probed once. */
let supportCache: string | null | undefined;
export function kernelUnsupportedReason(): string | null {
  if (supportCache !== undefined) return supportCache;
  supportCache = probeSupport();
  return supportCache;
}

function probeSupport(): string | null {
  if (process.platform !== "linux") return "kernel tests need Linux network namespaces";
  const missing = ["ip", "iptables", "iptables-restore", "conntrack", "python3"].filter((t) => !which(t));
  if (missing.length > 0) {
    return `kernel tests skipped: missing ${missing.join(", ")} (apt-get install -y iptables iproute2 conntrack python3)`;
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "kernel tests skipped: they need root (ip netns add)";
  const probe = new Session("probe");
  try {
    const ns = probe.add("probe");
    probe.exec(ns, ["iptables", "-t", "nat", "-S"]);
    return null;
  } catch (e) {
    return `kernel tests skipped: cannot create a network namespace (${(e as Error).message.split("\n")[0]})`;
  } finally {
    probe.cleanup();
  }
}

const live = new Set<Session>();
let hooksInstalled = false;

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const cleanAll = (): void => {
    for (const s of [...live]) s.cleanup();
  };
  process.on("exit", cleanAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      cleanAll();
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    });
  }
}

/** A set of namespaces (and helper processes) that live and die together. */
export class Session {
  readonly prefix: string;
  readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  constructor(label = "h") {
    installHooks();
    this.prefix = `pp-${process.pid}-${randomBytes(3).toString("hex")}${label === "h" ? "" : ""}`;
    live.add(this);
  }

  /** Creates `pp-<pid>-<random>-<role>` with lo up. Role is shortened so the name stays readable. */
  add(role: string): string {
    const clean = role.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 24);
    const name = `${this.prefix}-${clean}`;
    if (this.namespaces.includes(name)) throw new Error(`namespace ${name} exists already`);
    run("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    run("ip", ["-n", name, "link", "set", "lo", "up"]);
    return name;
  }

  private check(ns: string): void {
    if (!this.namespaces.includes(ns)) throw new Error(`refusing to act on namespace ${ns}: not ours`);
  }

  /** `ip -n NS args…` */
  ip(ns: string, args: readonly string[], timeoutMs?: number): string {
    this.check(ns);
    return run("ip", ["-n", ns, ...args], { timeoutMs });
  }

  /** `ip -n NS -force -batch -`: returns stderr lines of failed commands (empty on success). */
  ipBatch(ns: string, lines: readonly string[]): string[] {
    this.check(ns);
    if (lines.length === 0) return [];
    try {
      run("ip", ["-n", ns, "-force", "-batch", "-"], { input: `${lines.join("\n")}\n`, timeoutMs: 60_000 });
      return [];
    } catch (e) {
      return ((e as CommandError).stderr ?? "").split("\n").filter((l) => l.trim() !== "");
    }
  }

  /** `ip netns exec NS cmd…` */
  exec(ns: string, cmd: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): string {
    this.check(ns);
    return run("ip", ["netns", "exec", ns, ...cmd], opts);
  }

  /** Starts a long-running helper inside NS; it is killed (by pid) on cleanup. */
  spawn(ns: string, cmd: readonly string[], stdoutFd?: number): ChildProcess {
    this.check(ns);
    const child = spawn("ip", ["netns", "exec", ns, ...cmd], { stdio: ["ignore", stdoutFd ?? "ignore", "pipe"], detached: false });
    child.stderr?.setEncoding("utf8");
    this.children.push(child);
    return child;
  }

  /** Kills our helpers and deletes our namespaces. Idempotent, never throws. */
  cleanup(): void {
    // SIGTERM first (`timeout` passes it on to its child), then SIGKILL whatever is left.
    const children = this.children.splice(0).filter((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null);
    const signal = (c: ChildProcess, sig: NodeJS.Signals): boolean => {
      try {
        process.kill(c.pid as number, sig);
        return true;
      } catch {
        return false;
      }
    };
    const alive = children.filter((c) => signal(c, "SIGTERM"));
    const wait = new Int32Array(new SharedArrayBuffer(4));
    const running = (c: ChildProcess): boolean => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${c.pid}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 20 && alive.some(running); i++) Atomics.wait(wait, 0, 0, 50);
    for (const c of alive) signal(c, "SIGKILL");
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        execFileSync("ip", ["netns", "del", ns], { timeout: 10_000, stdio: "ignore" });
      } catch {
        // best effort; reported by leftover check
      }
    }
    live.delete(this);
  }
}
