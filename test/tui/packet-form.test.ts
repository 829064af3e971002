import { describe, expect, it } from "vitest";
import { fieldView } from "../../src/tui/PacketForm.js";

describe("a form field's view", () => {
  it("marks the cursor where it is, not only at the end", () => {
    expect(fieldView("10.0.1.5", 0, 24)).toBe("10.0.1.5▏");
    expect(fieldView("10.0.1.5", 3, 24)).toBe("10.0.▏1.5");
    expect(fieldView("10.0.1.5", 99, 24)).toBe("▏10.0.1.5");
    expect(fieldView("10.0.1.5", null, 24)).toBe("10.0.1.5");
  });

  it("shows the part of a long value around the cursor, marking cut sides", () => {
    const v6 = "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff";
    // At the end: the tail, as before the cursor could move.
    expect(fieldView(v6, 0, 12)).toBe("…eeee:ffff▏");
    expect(fieldView(v6, null, 12)).toBe("…:eeee:ffff");
    // At the start: the head, cut at the right.
    expect(fieldView(v6, v6.length, 12)).toBe("▏2001:db8:…");
    const mid = fieldView(v6, 20, 12);
    expect(mid).toContain("▏");
    expect([...mid].length).toBe(11);
    expect(mid.startsWith("…") && mid.endsWith("…")).toBe(true);
  });
});
