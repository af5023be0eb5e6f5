/**
 * Pure decisions of RealtimeDeliveryWorkflow: which segment references it keeps (bounded by bytes,
 * so its state and its continue-as-new input stay small whatever the traffic), which it hands to
 * one delivery activity, and when it hands over to a fresh run.
 */
import type { SegmentRef } from '../activities/ports';

/** Bytes of references the workflow holds; beyond that they are dropped and found again in the log. */
export const MAX_PENDING_REF_BYTES = 256 * 1024;
/** One delivery activity: at most this many segments and this many bytes of segment data. */
export const MAX_SEGMENTS_PER_DELIVERY = 64;
export const MAX_SEGMENT_BYTES_PER_DELIVERY = 8 * 1024 * 1024;
/** History length after which a run hands over even when the server does not suggest it yet. */
export const HISTORY_LIMIT = 4_000;
/** Signals per run before handing over (the server refuses more than 10,000 per run). */
export const SIGNAL_LIMIT = 5_000;
/** Segments one sweep looks up. */
export const SWEEP_LIMIT = 500;

export interface DeliveryTotals {
  segments: number;
  skipped: number;
  calls: number;
  delivered: number;
  deadLettered: number;
  /** References dropped because the workflow held enough (their segments are found by a sweep). */
  dropped: number;
}

export interface DeliveryStatus extends DeliveryTotals {
  pending: number;
  sweepWanted: boolean;
}

export const NO_TOTALS: DeliveryTotals = { segments: 0, skipped: 0, calls: 0, delivered: 0, deadLettered: 0, dropped: 0 };

/** Bytes a reference costs in the workflow's state (its JSON). */
export function refBytes(r: SegmentRef): number {
  return r.uri.length + 48;
}

/** Only well-formed references are kept; anything else in a signal is ignored, never fatal. */
export function wellFormedRefs(refs: unknown): SegmentRef[] {
  if (!Array.isArray(refs)) return [];
  return refs.filter(
    (r): r is SegmentRef => typeof r === 'object' && r !== null && typeof (r as SegmentRef).uri === 'string' && (r as SegmentRef).uri.length > 0 && (r as SegmentRef).uri.length <= 2048
  ).map((r) => ({ uri: r.uri, count: Number(r.count) || 0, bytes: Number(r.bytes) || 0 }));
}

/** The queue of references: no URI twice, bounded by bytes; what does not fit is counted as dropped. */
export class PendingRefs {
  private readonly refs: SegmentRef[] = [];
  private readonly uris = new Set<string>();
  private bytes = 0;

  constructor(initial: readonly SegmentRef[] = [], private readonly maxBytes = MAX_PENDING_REF_BYTES) {
    this.add(initial);
  }

  /** Returns how many were dropped for lack of room. */
  add(refs: readonly SegmentRef[]): number {
    let dropped = 0;
    for (const r of refs) {
      if (this.uris.has(r.uri)) continue;
      if (this.bytes + refBytes(r) > this.maxBytes) {
        dropped++;
        continue;
      }
      this.refs.push(r);
      this.uris.add(r.uri);
      this.bytes += refBytes(r);
    }
    return dropped;
  }

  get size(): number {
    return this.refs.length;
  }

  /** The next delivery's segments, in order: at most MAX_SEGMENTS_PER_DELIVERY and about MAX_SEGMENT_BYTES_PER_DELIVERY. */
  take(maxSegments = MAX_SEGMENTS_PER_DELIVERY, maxBytes = MAX_SEGMENT_BYTES_PER_DELIVERY): SegmentRef[] {
    let n = 0;
    let bytes = 0;
    while (n < this.refs.length && n < maxSegments && (n === 0 || bytes + this.refs[n]!.bytes <= maxBytes)) bytes += this.refs[n++]!.bytes;
    const out = this.refs.splice(0, n);
    for (const r of out) {
      this.uris.delete(r.uri);
      this.bytes -= refBytes(r);
    }
    return out;
  }

  toArray(): SegmentRef[] {
    return [...this.refs];
  }
}

/** Whether this run should hand over to a fresh one. */
export function shouldHandOver(s: { historyLength: number; suggested: boolean; signals: number }): boolean {
  return s.suggested || s.historyLength > HISTORY_LIMIT || s.signals >= SIGNAL_LIMIT;
}

export function addTotals(a: DeliveryTotals, b: Partial<DeliveryTotals>): DeliveryTotals {
  return {
    segments: a.segments + (b.segments ?? 0),
    skipped: a.skipped + (b.skipped ?? 0),
    calls: a.calls + (b.calls ?? 0),
    delivered: a.delivered + (b.delivered ?? 0),
    deadLettered: a.deadLettered + (b.deadLettered ?? 0),
    dropped: a.dropped + (b.dropped ?? 0),
  };
}
