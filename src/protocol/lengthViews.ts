// Views of a scratch buffer kept per length: handing out its first n bytes (or values) then
// allocates nothing once n has been seen, where a new view per frame would be garbage for every
// client in every tick. The cache is kept dense: an array assigned far past its end turns into a
// dictionary, whose every read is a slow megamorphic keyed load (one keyframe of a few kilobytes
// among frames of a hundred bytes did that to the frame writer's cache, for good).

export class LengthViews<T extends { subarray(begin: number, end: number): T }> {
  private views: (T | undefined)[] = [];

  /** The first `length` values of `buffer`, cached under `key` (the length, or a multiple of it). */
  of(buffer: T, key: number, length: number): T {
    const views = this.views;
    while (views.length <= key) views.push(undefined);
    return views[key] ??= buffer.subarray(0, length);
  }

  /** Forgets every view: the buffer was replaced. */
  clear(): void {
    this.views = [];
  }
}
