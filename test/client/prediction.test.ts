import { describe, expect, it } from 'vitest';
import { Rng, rules } from '../../src/sim/index.js';
import { LinkSim, SMALL_ZONE } from './linkSim.js';

const { maxX } = SMALL_ZONE.bounds;

/** A random walk of `moves` targets inside the zone, one every 0.3–2 s. */
function randomMoves(sim: LinkSim, rng: Rng, moves: number): void {
  for (let i = 0; i < moves; i++) {
    sim.move(rng.range(20, maxX - 20), rng.range(20, maxX - 20));
    sim.run(300 + Math.floor(rng.next() * 34) * 50);
  }
  sim.run(1000); // everything acknowledged
}

describe('client-side prediction over a simulated link', () => {
  it('1,000 random move sequences at 0–300 ms RTT with jitter and 1 % loss: every rewound base equals the server exactly, and in-time moves are never corrected', () => {
    const rng = new Rng(2026);
    let runs = 0, exactRuns = 0, lateRuns = 0, acks = 0;
    for (let run = 0; run < 1000; run++) {
      const rttMs = Math.floor(rng.next() * 301);
      const sim = new LinkSim({ rttMs, jitterMs: rng.next() * 40, loss: 0.01 }, run + 1);
      randomMoves(sim, rng, 1 + rng.int(4));
      runs++;
      acks += sim.acks;
      expect(sim.baseMismatches).toBe(0);
      expect(sim.predictor.unacked).toBe(0);
      if (sim.late === 0) {
        // Nothing surprised the client: not a single correction, and every tick's first
        // prediction was exactly the server's position at that tick.
        expect(sim.predictor.corrections).toEqual([]);
        expect(sim.predictionMisses()).toBe(0);
        exactRuns++;
      } else {
        lateRuns++;
        // A late move shifts the path by at most the ticks it was late, at walking speed.
        for (const c of sim.predictor.corrections) expect(c.distance).toBeLessThanOrEqual(rules.PLAYER_SPEED * 0.05 * 20);
      }
    }
    expect(runs).toBe(1000);
    expect(acks).toBeGreaterThan(1000 * 10); // snapshots reconciled (a tick with nothing new sends none)
    // The loss and jitter really made some moves late, and most runs were exact.
    expect(lateRuns).toBeGreaterThan(0);
    expect(exactRuns).toBeGreaterThan(800);
  });

  it('a refused move (outside the world) is corrected, and the correction is smoothed on screen', () => {
    const smooth = new LinkSim({ rttMs: 200, jitterMs: 0, loss: 0 }, 7, 150);
    const snap = new LinkSim({ rttMs: 200, jitterMs: 0, loss: 0 }, 7, 0);
    for (const sim of [smooth, snap]) {
      sim.run(500);
      sim.move(maxX + 50, 200); // the server refuses: out_of_bounds
      sim.run(2000);
    }
    for (const sim of [smooth, snap]) {
      expect(sim.predictor.corrections.length).toBe(1);
      const c = sim.predictor.corrections[0];
      // It walked toward the refused target for about one round trip plus the lead.
      expect(c.distance).toBeGreaterThan(0.5);
      expect(c.distance).toBeLessThan(rules.PLAYER_SPEED * 1.0);
      expect(sim.baseMismatches).toBe(0);
    }
    const jump = snap.predictor.corrections[0].distance;
    expect(snap.maxDisplayedStep).toBeGreaterThanOrEqual(jump * 0.99);
    // Smoothed over 150 ms of 5 ms frames: no frame moves it by more than a fraction of the jump.
    expect(smooth.maxDisplayedStep).toBeLessThan(jump / 5);
  });

  it('a recall by the server (a failed handoff) is a bounded, smoothed correction', () => {
    const sim = new LinkSim({ rttMs: 100, jitterMs: 10, loss: 0 }, 9, 100);
    sim.move(390, 200);
    sim.run(1500);
    // Put back 3 units behind where the server has it, as a recall puts a player back inside.
    const at = sim.server.get(sim.world.tick)!;
    sim.inject({ type: 'recall', session: 1, x: at.x - 3, y: at.y });
    sim.run(1500);
    expect(sim.baseMismatches).toBe(0);
    expect(sim.predictor.corrections.length).toBeGreaterThanOrEqual(1);
    for (const c of sim.predictor.corrections) expect(c.distance).toBeLessThan(5);
    expect(sim.maxDisplayedStep).toBeLessThan(1);
  });
});
