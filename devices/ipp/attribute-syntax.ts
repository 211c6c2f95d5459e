/**
 * The syntax of the attributes the gateway sends or reads (RFC 8011, PWG 5100.1/5100.7/5100.13 and the
 * IANA registry), so that a plain JS value can be given the right tag: keyword vs enum vs name vs
 * integer. The first type listed is the one a plain string or number gets. Attributes not listed here
 * still decode with their wire tags; to send one, give a typed value.
 */

export type SyntaxType =
  | 'integer'
  | 'boolean'
  | 'enum'
  | 'octetString'
  | 'dateTime'
  | 'resolution'
  | 'rangeOfInteger'
  | 'text'
  | 'name'
  | 'keyword'
  | 'uri'
  | 'uriScheme'
  | 'charset'
  | 'naturalLanguage'
  | 'mimeMediaType'
  | 'collection';

export interface AttributeSyntax {
  readonly types: readonly SyntaxType[];
  /** The member attributes of a collection. */
  readonly members?: ReadonlyMap<string, AttributeSyntax>;
}

type Spec = string | readonly [string, Specs];
type Specs = Readonly<Record<string, Spec>>;

function build(specs: Specs): ReadonlyMap<string, AttributeSyntax> {
  return new Map(
    Object.entries(specs).map(([name, spec]) => {
      if (typeof spec === 'string') return [name, { types: spec.split('|') as SyntaxType[] }];
      return [name, { types: ['collection'], members: build(spec[1]) }];
    }),
  );
}

/** Expands `[['keyword|name', ['media', 'output-bin']]]` into `{ media: 'keyword|name', ... }`. */
function bySyntax(groups: readonly (readonly [string, readonly string[]])[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [syntax, names] of groups) for (const name of names) out[name] = syntax;
  return out;
}

const MEDIA_SIZE: Specs = {
  'x-dimension': 'integer|rangeOfInteger',
  'y-dimension': 'integer|rangeOfInteger',
};

const MEDIA_COL: Specs = {
  ...bySyntax([
    ['integer', ['media-bottom-margin', 'media-left-margin', 'media-right-margin', 'media-top-margin']],
    ['integer', ['media-hole-count', 'media-order-count', 'media-thickness', 'media-weight-metric']],
    [
      'keyword|name',
      ['media-back-coating', 'media-color', 'media-front-coating', 'media-grain', 'media-key'],
    ],
    [
      'keyword|name',
      ['media-pre-printed', 'media-recycled', 'media-size-name', 'media-source', 'media-tooth'],
    ],
    ['keyword|name', ['media-type']],
    ['text', ['media-info']],
  ]),
  'media-size': ['collection', MEDIA_SIZE],
};

const FINISHINGS_COL: Specs = {
  'finishing-template': 'keyword|name',
  'imposition-template': 'keyword|name',
  'media-sheets-supported': 'rangeOfInteger',
  'media-size': ['collection', MEDIA_SIZE],
  'media-size-name': 'keyword|name',
  baling: ['collection', { 'baling-type': 'keyword|name', 'baling-when': 'keyword' }],
  binding: ['collection', { 'binding-reference-edge': 'keyword', 'binding-type': 'keyword' }],
  coating: ['collection', { 'coating-sides': 'keyword', 'coating-type': 'keyword|name' }],
  covering: ['collection', { 'covering-name': 'keyword|name' }],
  folding: [
    'collection',
    { 'folding-direction': 'keyword', 'folding-offset': 'integer', 'folding-reference-edge': 'keyword' },
  ],
  laminating: ['collection', { 'laminating-sides': 'keyword', 'laminating-type': 'keyword|name' }],
  punching: [
    'collection',
    { 'punching-locations': 'integer', 'punching-offset': 'integer', 'punching-reference-edge': 'keyword' },
  ],
  stitching: [
    'collection',
    {
      'stitching-angle': 'integer',
      'stitching-locations': 'integer',
      'stitching-method': 'keyword',
      'stitching-offset': 'integer',
      'stitching-reference-edge': 'keyword',
    },
  ],
  trimming: [
    'collection',
    {
      'trimming-offset': 'integer',
      'trimming-reference-edge': 'keyword',
      'trimming-type': 'keyword',
      'trimming-when': 'keyword',
    },
  ],
};

const COVER: Specs = {
  'cover-type': 'keyword',
  media: 'keyword|name',
  'media-col': ['collection', MEDIA_COL],
};

const TOP_LEVEL: Specs = {
  ...bySyntax([
    ['charset', ['attributes-charset', 'charset-configured', 'charset-supported']],
    [
      'naturalLanguage',
      [
        'attributes-natural-language',
        'document-natural-language',
        'natural-language-configured',
        'generated-natural-language-supported',
      ],
    ],
    [
      'uri',
      [
        'printer-uri',
        'job-uri',
        'document-uri',
        'job-printer-uri',
        'printer-uri-supported',
        'printer-more-info',
      ],
    ],
    [
      'uri',
      ['job-more-info', 'printer-uuid', 'printer-icons', 'printer-supply-info-uri', 'requesting-user-uri'],
    ],
    [
      'name',
      ['requesting-user-name', 'job-name', 'document-name', 'job-originating-user-name', 'printer-name'],
    ],
    [
      'name',
      ['job-account-id', 'job-accounting-user-id', 'marker-names', 'marker-colors', 'printer-dns-sd-name'],
    ],
    ['mimeMediaType', ['document-format', 'document-format-default', 'document-format-supported']],
    [
      'text',
      ['status-message', 'detailed-status-message', 'document-access-error', 'message', 'job-state-message'],
    ],
    ['text', ['printer-state-message', 'printer-location', 'printer-info', 'printer-make-and-model']],
    ['text', ['printer-device-id', 'printer-organization', 'printer-supply-description']],
    ['text', ['printer-alert-description']],
    ['boolean', ['ipp-attribute-fidelity', 'last-document', 'my-jobs', 'printer-is-accepting-jobs']],
    ['boolean', ['color-supported', 'page-ranges-supported', 'job-ids-supported']],
    [
      'integer',
      ['job-id', 'job-ids', 'limit', 'first-index', 'job-k-octets', 'job-impressions', 'job-media-sheets'],
    ],
    [
      'integer',
      ['copies', 'copies-default', 'number-up', 'job-priority', 'queued-job-count', 'printer-up-time'],
    ],
    ['integer', ['job-impressions-completed', 'job-media-sheets-completed', 'number-of-documents']],
    ['integer', ['time-at-creation', 'time-at-processing', 'time-at-completed', 'job-printer-up-time']],
    ['integer', ['marker-levels', 'pages-per-minute', 'pages-per-minute-color', 'job-pages-per-set']],
    ['integer|rangeOfInteger', ['punching-locations-supported']],
    ['rangeOfInteger', ['page-ranges', 'copies-supported']],
    ['resolution', ['printer-resolution', 'printer-resolution-default', 'printer-resolution-supported']],
    ['dateTime', ['printer-current-time', 'date-time-at-creation', 'date-time-at-processing']],
    ['dateTime', ['date-time-at-completed']],
    ['octetString', ['printer-supply', 'printer-alert', 'job-password', 'document-password']],
    [
      'enum',
      [
        'finishings',
        'finishings-default',
        'finishings-ready',
        'finishings-supported',
        'job-state',
        'printer-state',
        'operations-supported',
      ],
    ],
    [
      'enum',
      [
        'orientation-requested',
        'orientation-requested-default',
        'orientation-requested-supported',
        'landscape-orientation-requested-preferred',
        'print-quality',
        'print-quality-default',
        'print-quality-supported',
      ],
    ],
    [
      'keyword',
      [
        'requested-attributes',
        'which-jobs',
        'compression',
        'compression-supported',
        'job-state-reasons',
        'printer-state-reasons',
        'sides',
        'sides-default',
        'sides-supported',
        'print-color-mode',
        'print-color-mode-default',
        'print-color-mode-supported',
      ],
    ],
    [
      'keyword',
      [
        'multiple-document-handling',
        'multiple-document-handling-supported',
        'page-delivery',
        'print-scaling',
        'print-rendering-intent',
        'print-content-optimize',
        'ipp-versions-supported',
        'ipp-features-supported',
        'pdl-override-supported',
        'uri-security-supported',
        'uri-authentication-supported',
        'job-creation-attributes-supported',
      ],
    ],
    [
      'keyword',
      [
        'media-col-supported',
        'finishings-col-supported',
        'which-jobs-supported',
        'printer-kind',
        'marker-types',
        'binding-type-supported',
        'folding-direction-supported',
        'stitching-method-supported',
        'trimming-type-supported',
        'job-password-encryption',
        'presentation-direction-number-up',
      ],
    ],
    [
      'keyword|name',
      [
        'media',
        'media-default',
        'media-ready',
        'media-supported',
        'media-type-supported',
        'media-source-supported',
        'output-bin',
        'output-bin-default',
        'output-bin-supported',
        'job-hold-until',
        'job-hold-until-default',
        'job-hold-until-supported',
        'job-sheets',
        'finishing-template-supported',
        'coating-type-supported',
        'laminating-type-supported',
      ],
    ],
  ]),
  'media-col': ['collection', MEDIA_COL],
  'media-col-default': ['collection', MEDIA_COL],
  'media-col-ready': ['collection', MEDIA_COL],
  'media-col-database': ['collection', MEDIA_COL],
  'media-size-supported': ['collection', MEDIA_SIZE],
  'finishings-col': ['collection', FINISHINGS_COL],
  'finishings-col-default': ['collection', FINISHINGS_COL],
  'finishings-col-ready': ['collection', FINISHINGS_COL],
  'finishings-col-database': ['collection', FINISHINGS_COL],
  'cover-front': ['collection', COVER],
  'cover-back': ['collection', COVER],
};

const SYNTAX = build(TOP_LEVEL);

/** The syntax of a top-level attribute, or of a member of the collection `parent`. */
export function attributeSyntax(name: string, parent?: AttributeSyntax): AttributeSyntax | undefined {
  return (parent === undefined ? SYNTAX : parent.members)?.get(name);
}
