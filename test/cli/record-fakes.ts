/** Fake inputs for the `memhp record` tests that must not boot anything. */

/** Bytes with an x86 boot header ("HdrS", protocol 2.15) whose version text is `version`. */
export function fakeBzImage(version: string): Uint8Array {
  const img = new Uint8Array(0x1000);
  const view = new DataView(img.buffer);
  view.setUint16(0x1fe, 0xaa55, true);
  img.set(new TextEncoder().encode('HdrS'), 0x202);
  view.setUint16(0x206, 0x020f, true);
  const at = 0x400;
  view.setUint16(0x20e, at - 0x200, true);
  img.set(new TextEncoder().encode(version + '\0'), at);
  return img;
}
