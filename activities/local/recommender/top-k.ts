/**
 * Keeps the k best (highest score, then lowest index) of the candidates it is offered. A binary
 * min-heap: offering m candidates costs O(m log k).
 */
export class TopK {
  private readonly idx: Int32Array;
  private readonly score: Float64Array;
  size = 0;

  constructor(private readonly k: number) {
    this.idx = new Int32Array(k);
    this.score = new Float64Array(k);
  }

  /** a is worse than b. */
  private worse(ai: number, as: number, bi: number, bs: number): boolean {
    return as < bs || (as === bs && ai > bi);
  }

  offer(i: number, s: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.worse(i, s, this.idx[p]!, this.score[p]!)) break;
        this.idx[c] = this.idx[p]!;
        this.score[c] = this.score[p]!;
        c = p;
      }
      this.idx[c] = i;
      this.score[c] = s;
      return;
    }
    if (!this.worse(this.idx[0]!, this.score[0]!, i, s)) return;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const m = r < this.size && this.worse(this.idx[r]!, this.score[r]!, this.idx[l]!, this.score[l]!) ? r : l;
      if (!this.worse(this.idx[m]!, this.score[m]!, i, s)) break;
      this.idx[c] = this.idx[m]!;
      this.score[c] = this.score[m]!;
      c = m;
    }
    this.idx[c] = i;
    this.score[c] = s;
  }

  /** Best first; empties the heap. */
  drain(): { index: number; score: number }[] {
    const out = Array.from({ length: this.size }, (_, n) => ({ index: this.idx[n]!, score: this.score[n]! }));
    this.size = 0;
    return out.sort((a, b) => b.score - a.score || a.index - b.index);
  }
}
