// The shared-memory ring between a zone's tick thread and an I/O thread: records come out in
// the order written, whole, across the wrap at the ring's end; a full ring keeps what does not
// fit waiting (in order, nothing lost) until the reader makes room; the doorbell rings once
// per batch until the reader answers it, and for a batch the reader may take on its own
// schedule only once the ring is more than a quarter full.

import { describe, expect, it } from 'vitest';
import { RingReader, RingWriter, ringBuffer } from '../../src/zone/io/ring.js';

type Rec = [number, number, number, number[]];

function drained(reader: RingReader): Rec[] {
  const out: Rec[] = [];
  reader.drain((kind, conn, arg, payload) => out.push([kind, conn, arg, [...payload]]));
  return out;
}

/** Payload i: i bytes (0..90), each the record's number modulo 256. */
const payload = (i: number) => new Uint8Array(i % 91).fill(i & 255);

describe('I/O ring', () => {
  it('hands records over in order and whole, across many wraps, with the reader keeping up', () => {
    const buf = ringBuffer(1024);
    const w = new RingWriter(buf), r = new RingReader(buf);
    const got: Rec[] = [], sent: Rec[] = [];
    for (let batch = 0; batch < 200; batch++) {
      for (let k = 0; k < 5; k++) {
        const i = batch * 5 + k;
        w.write(1 + (i % 3), i, i * 7, payload(i));
        sent.push([1 + (i % 3), i, i * 7, [...payload(i)]]);
      }
      w.publish(true);
      got.push(...drained(r));
    }
    expect(got).toEqual(sent);
    expect(w.waiting).toBe(0);
  });

  it('keeps what does not fit waiting, in order, until the reader makes room', () => {
    const buf = ringBuffer(1024);
    const w = new RingWriter(buf), r = new RingReader(buf);
    const sent: Rec[] = [];
    for (let i = 0; i < 40; i++) { // 40 × (16 + 60) bytes: about three rings' worth
      const p = new Uint8Array(60).fill(i);
      w.write(1, i, 0, p);
      p.fill(255); // the writer copied it: changing the caller's bytes changes nothing
      sent.push([1, i, 0, [...new Uint8Array(60).fill(i)]]);
    }
    expect(w.waiting).toBeGreaterThan(0);
    const got: Rec[] = [];
    for (let round = 0; round < 10 && got.length < sent.length; round++) {
      w.publish(true);
      got.push(...drained(r));
    }
    expect(got).toEqual(sent);
    expect(w.waiting).toBe(0);
  });

  it('keeps order while records wait and new ones arrive, the reader draining now and then', () => {
    const buf = ringBuffer(1024);
    const w = new RingWriter(buf), r = new RingReader(buf);
    const sent: Rec[] = [], got: Rec[] = [];
    let i = 0;
    for (let batch = 0; batch < 300; batch++) {
      // Bursts of 1..12 records of 0..90 bytes; the reader drains every third batch only.
      for (let k = 0, n = 1 + ((batch * 7) % 12); k < n; k++, i++) {
        w.write(1 + (i % 3), i, batch, payload(i));
        sent.push([1 + (i % 3), i, batch, [...payload(i)]]);
      }
      w.publish(false);
      if (batch % 3 === 2) got.push(...drained(r));
    }
    for (let round = 0; round < 100 && w.waiting > 0; round++) {
      w.publish(true);
      got.push(...drained(r));
    }
    got.push(...drained(r));
    expect(w.waiting).toBe(0);
    expect(got).toEqual(sent);
  });

  it('a second flood of the same size waits in the same buffer (nothing allocated per waiting record)', () => {
    const buf = ringBuffer(1024);
    const w = new RingWriter(buf), r = new RingReader(buf);
    const spill = () => (w as unknown as { spill: Uint8Array }).spill;
    const flood = () => {
      for (let i = 0; i < 100; i++) w.write(1, i, 0, new Uint8Array(60).fill(i));
      expect(w.waiting).toBeGreaterThan(80);
      let n = 0;
      for (let round = 0; round < 20 && w.waiting > 0; round++) {
        w.publish(true);
        n += r.drain(() => {});
      }
      n += r.drain(() => {});
      expect(n).toBe(100);
    };
    flood();
    const grown = spill();
    expect(grown.length).toBeGreaterThan(0);
    flood();
    expect(spill()).toBe(grown);
  });

  it('rings the doorbell once per batch until the reader answers it', () => {
    const buf = ringBuffer(1024);
    const w = new RingWriter(buf), r = new RingReader(buf);
    expect(w.publish(true)).toBe(false); // nothing written: nobody to wake
    w.write(1, 1, 0);
    expect(w.publish(true)).toBe(true);
    w.write(1, 2, 0);
    expect(w.publish(true)).toBe(false); // already rung, not yet answered
    r.hearBell();
    expect(drained(r).map((rec) => rec[1])).toEqual([1, 2]);
    w.write(1, 3, 0);
    expect(w.publish(true)).toBe(true);
  });

  it('leaves a reader that drains on its own schedule asleep until the ring is more than a quarter full', () => {
    const buf = ringBuffer(1024);
    const w = new RingWriter(buf), r = new RingReader(buf);
    for (let i = 0; i < 4; i++) w.write(1, i, 0, new Uint8Array(48)); // 4 × 64 bytes: a quarter
    expect(w.publish(false)).toBe(false);
    expect(drained(r).map((rec) => rec[1])).toEqual([0, 1, 2, 3]); // published all the same
    for (let i = 4; i < 9; i++) w.write(1, i, 0, new Uint8Array(48));
    expect(w.publish(false)).toBe(true); // 5 × 64 bytes waiting: past a quarter
    expect(w.publish(false)).toBe(false); // rung, not yet answered
    r.hearBell();
    expect(drained(r).map((rec) => rec[1])).toEqual([4, 5, 6, 7, 8]);
    w.write(1, 9, 0);
    expect(w.publish(false)).toBe(false);
    expect(w.publish(true)).toBe(false); // nothing new since: nobody to wake
    w.write(1, 10, 0);
    expect(w.publish(true)).toBe(true); // asked for: rung at once
  });

  it('refuses a ring size that is not a power of two and a record that could never fit', () => {
    expect(() => ringBuffer(1000)).toThrow(RangeError);
    const w = new RingWriter(ringBuffer(1024));
    expect(() => w.write(1, 1, 0, new Uint8Array(600))).toThrow(RangeError);
  });
});
