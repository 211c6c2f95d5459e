import type { LabelMetadata } from '../../src/capability/result-schema.js';
import type { ZebraConfig } from './config.js';
import type { ZebraPrinter } from './printer.js';

/**
 * The loaded media as LabelMetadata: width from SGD `ezpl.print_width`, length from SGD
 * `zpl.label_length` (else `~HS` label length), both in dots divided by the printer's dots per mm
 * (`~HI`, else config, else 8); sensing from `media.sense_mode`. Config values win where set (an
 * operator knows the material; a printer cannot report it). Undefined when width or length is unknown.
 */
export function mediaInfo(printer: ZebraPrinter, config: ZebraConfig): LabelMetadata | undefined {
  const dpmm = printer.identity?.dpmm ?? config.media.dpmm ?? 8;
  const dots = (name: string): number | undefined => {
    const v = printer.sgd(name);
    return v !== undefined && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined;
  };
  const widthDots = dots('ezpl.print_width');
  const lengthDots = dots('zpl.label_length') ?? printer.snapshot.host?.labelLengthDots;
  const width = config.media.width_mm ?? (widthDots === undefined ? undefined : round(widthDots / dpmm));
  const height =
    config.media.height_mm ??
    (lengthDots === undefined || lengthDots === 0 ? undefined : round(lengthDots / dpmm));
  if (width === undefined || height === undefined) return undefined;
  const sensor = sensorType(printer.sgd('media.sense_mode'));
  return {
    width_mm: width,
    height_mm: height,
    ...(config.media.material === undefined ? {} : { material: config.media.material }),
    ...(sensor === undefined ? {} : { sensor_type: sensor }),
  };
}

/** Dots per mm for previews. */
export function dpmmOf(printer: ZebraPrinter, config: ZebraConfig): 6 | 8 | 12 | 24 {
  const d = printer.identity?.dpmm ?? config.media.dpmm;
  return d === 6 || d === 12 || d === 24 ? d : 8;
}

function sensorType(mode: string | undefined): string | undefined {
  switch (mode) {
    case 'gap':
    case 'web':
      return 'gap';
    case 'bar':
    case 'mark':
      return 'black_mark';
    case 'continuous':
      return 'continuous';
    default:
      return undefined;
  }
}

function round(mm: number): number {
  return Math.round(mm * 10) / 10;
}
