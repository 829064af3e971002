/** The TUI's colours, by meaning. With NO_COLOR set every colour is undefined; symbols (✓ ✗ ◆) still carry the meaning. */

export interface Theme {
  color: boolean;
  /** A rule that matched, a step taken. */
  matched: string | undefined;
  /** A rule that did not match, skipped text. */
  skipped: string | undefined;
  /** The rule, ip rule or route that decided. */
  deciding: string | undefined;
  accent: string | undefined;
  error: string | undefined;
  warning: string | undefined;
  info: string | undefined;
  /** Search hits. */
  hit: string | undefined;
}

export function makeTheme(env: Readonly<Record<string, string | undefined>>): Theme {
  // https://no-color.org: any non-empty value disables colour.
  const color = !(env.NO_COLOR !== undefined && env.NO_COLOR !== "");
  const c = (name: string) => (color ? name : undefined);
  return {
    color,
    matched: c("green"),
    skipped: c("gray"),
    deciding: c("yellow"),
    accent: c("cyan"),
    error: c("red"),
    warning: c("yellow"),
    info: c("blue"),
    hit: c("magenta"),
  };
}
