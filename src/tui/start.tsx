/** Opens the TUI on the real terminal: alternate screen, bracketed paste on, and both restored on exit. */
import { render } from "ink";
import { App } from "./App.js";
import { initialState, type InitialOptions } from "./state.js";
import { makeTheme } from "./theme.js";

const ENTER = "\x1b[?1049h\x1b[?2004h";
const LEAVE = "\x1b[?2004l\x1b[?1049l";

export async function startTui(options: InitialOptions): Promise<void> {
  const out = process.stdout;
  const initial = initialState({ ...options, columns: out.columns ?? 80, rows: out.rows ?? 24 });
  out.write(ENTER);
  const restore = () => out.write(LEAVE);
  process.once("exit", restore);
  try {
    const app = render(<App initial={initial} theme={makeTheme(process.env)} />, { exitOnCtrlC: false, patchConsole: false });
    await app.waitUntilExit();
  } finally {
    process.removeListener("exit", restore);
    restore();
  }
}
