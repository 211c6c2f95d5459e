// Byte-exact fixtures written by hand from the RFC 8010 §3 layouts: each line is one field
// (tag, name-length, name, value-length, value); 'text' is ASCII, the rest hex, '#' starts a comment.
import { describe, expect, it } from 'vitest';
import {
  buildRequest,
  decodeMessage,
  encodeRequest,
  encodeResponse,
  groupsOf,
  toPlain,
  type IppAttribute,
  type IppMessage,
} from './codec.js';
import { dateTimeToDate } from './date-time.js';

function bytes(layout: string): Buffer {
  const out: number[] = [];
  for (const line of layout.split('\n')) {
    for (const token of line.replace(/#.*/, '').match(/'[^']*'|[0-9a-f]{2}/gi) ?? []) {
      if (token.startsWith("'")) out.push(...Buffer.from(token.slice(1, -1), 'latin1'));
      else out.push(parseInt(token, 16));
    }
  }
  return Buffer.from(out);
}

function decoded(buf: Buffer): IppMessage {
  const result = decodeMessage(buf);
  if (!result.ok) throw result.error;
  return result.value;
}

const OPERATION_HEAD = `
  01                                              # operation-attributes-tag
  47 00 12 'attributes-charset' 00 05 'utf-8'
  48 00 1b 'attributes-natural-language' 00 02 'en'
  45 00 0b 'printer-uri' 00 1e 'ipp://localhost:8631/ipp/print'`;

const GET_PRINTER_ATTRIBUTES = bytes(`
  02 00  00 0b  00 00 00 01                       # IPP/2.0, Get-Printer-Attributes, request-id 1
  ${OPERATION_HEAD}
  44 00 14 'requested-attributes' 00 0d 'printer-state'
  44 00 00 00 15 'printer-state-reasons'          # additional values: empty name
  44 00 00 00 14 'finishings-supported'
  03                                              # end-of-attributes-tag
`);

const PRINT_JOB = bytes(`
  02 00  00 02  00 00 00 02                       # IPP/2.0, Print-Job, request-id 2
  ${OPERATION_HEAD}
  42 00 14 'requesting-user-name' 00 07 'gateway'
  42 00 08 'job-name' 00 04 'demo'
  49 00 0f 'document-format' 00 0f 'application/pdf'
  02                                              # job-attributes-tag
  21 00 06 'copies' 00 04 00 00 00 02
  23 00 0a 'finishings' 00 04 00 00 00 64         # fold-z = 100
  23 00 00 00 04 00 00 00 32                      # bind-left = 50
  34 00 09 'media-col' 00 00                      # begCollection
  4a 00 00 00 0a 'media-size'                     #   memberAttrName
  34 00 00 00 00                                  #   begCollection (nested, no name)
  4a 00 00 00 0b 'x-dimension'
  21 00 00 00 04 00 00 52 08                      #     21000 (1/100 mm)
  4a 00 00 00 0b 'y-dimension'
  21 00 00 00 04 00 00 74 04                      #     29700
  37 00 00 00 00                                  #   endCollection
  4a 00 00 00 0a 'media-type'
  44 00 00 00 11 'stationery-coated'
  37 00 00 00 00                                  # endCollection
  03
  '%PDF-1.4 test'                                 # document data
`);

const RESPONSE = bytes(`
  01 01  00 01  00 00 00 07                       # IPP/1.1, successful-ok-ignored-or-substituted, id 7
  01
  47 00 12 'attributes-charset' 00 05 'utf-8'
  48 00 1b 'attributes-natural-language' 00 02 'en'
  41 00 0e 'status-message' 00 13 'Ignored: finishings'
  05                                              # unsupported-attributes-tag
  23 00 0a 'finishings' 00 04 00 00 00 5a         # fold-accordion = 90
  10 00 0d 'x-vendor-mode' 00 00                  # out-of-band unsupported
  04                                              # printer-attributes-tag
  23 00 0d 'printer-state' 00 04 00 00 00 05      # stopped
  13 00 15 'printer-state-message' 00 00          # out-of-band no-value
  31 00 14 'printer-current-time' 00 0b 07 e8 03 0f 0e 1e 2d 07 2b 01 00   # 2024-03-15 14:30:45.7 +01:00
  32 00 1c 'printer-resolution-supported' 00 09 00 00 02 58 00 00 02 58 03  # 600x600 dpi
  32 00 00 00 09 00 00 00 76 00 00 00 76 04       # 118x118 dpcm
  33 00 10 'copies-supported' 00 08 00 00 00 01 00 00 27 0f                 # 1..9999
  35 00 0c 'printer-info' 00 13 00 05 'de-DE' 00 0a 'Halle S' c3 bc 'd'     # textWithLanguage
  30 00 0d 'printer-alert' 00 04 'a=b;'           # octetString
  02                                              # job-attributes-tag
  21 00 06 'job-id' 00 04 00 00 00 2a
  23 00 09 'job-state' 00 04 00 00 00 09          # completed
  44 00 11 'job-state-reasons' 00 1a 'job-completed-successfully'
  12 00 16 'date-time-at-completed' 00 00         # out-of-band unknown
  03
`);

const charsetAndLanguage: IppAttribute[] = [
  { name: 'attributes-charset', values: [{ tag: 'charset', value: 'utf-8' }] },
  { name: 'attributes-natural-language', values: [{ tag: 'naturalLanguage', value: 'en' }] },
];
const printerUri: IppAttribute = {
  name: 'printer-uri',
  values: [{ tag: 'uri', value: 'ipp://localhost:8631/ipp/print' }],
};

describe('Get-Printer-Attributes request', () => {
  const groups = [
    {
      tag: 'operation' as const,
      attributes: [
        ...charsetAndLanguage,
        printerUri,
        {
          name: 'requested-attributes',
          values: ['printer-state', 'printer-state-reasons', 'finishings-supported'].map((value) => ({
            tag: 'keyword' as const,
            value,
          })),
        },
      ],
    },
  ];

  it('encodes byte for byte, a 1setOf keyword as additional values', () => {
    const result = encodeRequest({ operation: 'Get-Printer-Attributes', requestId: 1, groups });
    expect(result.ok && result.value.toString('hex')).toBe(GET_PRINTER_ATTRIBUTES.toString('hex'));
  });

  it('decodes to the same typed message', () => {
    expect(decoded(GET_PRINTER_ATTRIBUTES)).toEqual({
      version: { major: 2, minor: 0 },
      code: 0x000b,
      requestId: 1,
      groups,
      data: Buffer.alloc(0),
    });
  });

  it('is what buildRequest makes from plain JS', () => {
    const request = buildRequest({
      operation: 'Get-Printer-Attributes',
      requestId: 1,
      operationAttributes: {
        'printer-uri': 'ipp://localhost:8631/ipp/print',
        'requested-attributes': ['printer-state', 'printer-state-reasons', 'finishings-supported'],
      },
    });
    expect(request.ok).toBe(true);
    const encoded = request.ok ? encodeRequest(request.value) : request;
    expect(encoded.ok && encoded.value.equals(GET_PRINTER_ATTRIBUTES)).toBe(true);
  });
});

describe('Print-Job request with finishings and media-col', () => {
  const plain = {
    operation: 'Print-Job' as const,
    requestId: 2,
    operationAttributes: {
      'printer-uri': 'ipp://localhost:8631/ipp/print',
      'requesting-user-name': 'gateway',
      'job-name': 'demo',
      'document-format': 'application/pdf',
    },
    jobAttributes: {
      copies: 2,
      finishings: ['fold-z', 'bind-left'],
      'media-col': {
        'media-size': { 'x-dimension': 21000, 'y-dimension': 29700 },
        'media-type': 'stationery-coated',
      },
    },
    data: Buffer.from('%PDF-1.4 test'),
  };

  it('plain JS gets enum, keyword, name, mimeMediaType and integer tags and nested collections', () => {
    const request = buildRequest(plain);
    const encoded = request.ok ? encodeRequest(request.value) : request;
    expect(encoded.ok && encoded.value.toString('hex')).toBe(PRINT_JOB.toString('hex'));
  });

  it('decodes: fold-z is 100, the collection nests, the document data follows', () => {
    const message = decoded(PRINT_JOB);
    expect(message.code).toBe(0x0002);
    const job = message.groups[1]!;
    expect(job.tag).toBe('job');
    expect(job.attributes[1]).toEqual({
      name: 'finishings',
      values: [
        { tag: 'enum', value: 100 },
        { tag: 'enum', value: 50 },
      ],
    });
    expect(job.attributes[2]).toEqual({
      name: 'media-col',
      values: [
        {
          tag: 'collection',
          value: [
            {
              name: 'media-size',
              values: [
                {
                  tag: 'collection',
                  value: [
                    { name: 'x-dimension', values: [{ tag: 'integer', value: 21000 }] },
                    { name: 'y-dimension', values: [{ tag: 'integer', value: 29700 }] },
                  ],
                },
              ],
            },
            { name: 'media-type', values: [{ tag: 'keyword', value: 'stationery-coated' }] },
          ],
        },
      ],
    });
    expect(message.data.toString()).toBe('%PDF-1.4 test');
    expect(toPlain(job.attributes)).toEqual({
      copies: [2],
      finishings: ['fold-z', 'bind-left'],
      'media-col': [
        {
          'media-size': [{ 'x-dimension': [21000], 'y-dimension': [29700] }],
          'media-type': ['stationery-coated'],
        },
      ],
    });
  });
});

describe('a response', () => {
  it('decodes status, groups in order, out-of-band values, dateTime, resolution, range, textWithLanguage', () => {
    const message = decoded(RESPONSE);
    expect(message.version).toEqual({ major: 1, minor: 1 });
    expect(message.code).toBe(0x0001);
    expect(message.requestId).toBe(7);
    expect(message.groups.map((g) => g.tag)).toEqual(['operation', 'unsupported', 'printer', 'job']);
    const [, unsupported, printer, job] = message.groups;
    expect(unsupported!.attributes).toEqual([
      { name: 'finishings', values: [{ tag: 'enum', value: 90 }] },
      { name: 'x-vendor-mode', values: [{ tag: 'unsupported' }] },
    ]);
    const time = { year: 2024, month: 3, day: 15, hours: 14, minutes: 30, seconds: 45, deciSeconds: 7 };
    expect(printer!.attributes).toEqual([
      { name: 'printer-state', values: [{ tag: 'enum', value: 5 }] },
      { name: 'printer-state-message', values: [{ tag: 'no-value' }] },
      {
        name: 'printer-current-time',
        values: [{ tag: 'dateTime', value: { ...time, utcDirection: '+', utcHours: 1, utcMinutes: 0 } }],
      },
      {
        name: 'printer-resolution-supported',
        values: [
          { tag: 'resolution', value: { x: 600, y: 600, units: 3 } },
          { tag: 'resolution', value: { x: 118, y: 118, units: 4 } },
        ],
      },
      { name: 'copies-supported', values: [{ tag: 'rangeOfInteger', value: { lower: 1, upper: 9999 } }] },
      {
        name: 'printer-info',
        values: [{ tag: 'textWithLanguage', value: { language: 'de-DE', text: 'Halle Süd' } }],
      },
      { name: 'printer-alert', values: [{ tag: 'octetString', value: Buffer.from('a=b;') }] },
    ]);
    const plainJob = toPlain(job!.attributes);
    expect(plainJob['job-state']).toEqual(['completed']);
    expect(plainJob['date-time-at-completed']).toEqual([{ tag: 'unknown' }]);
    expect(toPlain(printer!.attributes)['printer-state']).toEqual(['stopped']);
    expect(toPlain(unsupported!.attributes).finishings).toEqual(['fold-accordion']);
  });

  it('groupsOf picks the groups of one kind in order', () => {
    const message = decoded(RESPONSE);
    expect(groupsOf(message, 'printer').map((g) => g.attributes.length)).toEqual([7]);
    expect(groupsOf(message, 'document')).toEqual([]);
  });

  it('keeps the UTC offset of a dateTime and converts it to the right instant', () => {
    const printer = decoded(RESPONSE).groups[2]!;
    const value = printer.attributes[2]!.values[0]!;
    expect(value.tag === 'dateTime' && dateTimeToDate(value.value).toISOString()).toBe(
      '2024-03-15T13:30:45.700Z',
    );
  });

  it('re-encodes to the same bytes', () => {
    const message = decoded(RESPONSE);
    const encoded = encodeResponse({ ...message, status: 'successful-ok-ignored-or-substituted-attributes' });
    expect(encoded.ok && encoded.value.toString('hex')).toBe(RESPONSE.toString('hex'));
  });
});
