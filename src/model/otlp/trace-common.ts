/**
 * Types and helpers shared by the OTLP/protobuf and OTLP/JSON trace codecs, so both report
 * invalid spans with the same paths and the same lenient result shape.
 */
import type { TracesData } from '../trace.js';

/** A request decoded leniently: the valid spans, how many were dropped, and why. */
export interface LenientTraces {
  data: TracesData;
  rejected: number;
  errors: string[];
}

/** OTLP ExportTracePartialSuccess, as told to the sender. */
export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** The request path of a span, as used in error messages. */
export function spanPath(rsIndex: number, ssIndex: number, spanIndex: number): string {
  return `resourceSpans[${rsIndex}].scopeSpans[${ssIndex}].spans[${spanIndex}]`;
}
