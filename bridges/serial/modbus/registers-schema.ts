import { Type, type Static } from '@sinclair/typebox';
import { literalUnion } from '../../../src/cxp/schema/common.js';

/** The configuration shape of a register map: which typed values sit where in a polled block. */

export const REGISTER_TYPES = ['u16', 'i16', 'u32', 'i32', 'f32', 'bool'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

export const WORD_ORDERS = ['big', 'little'] as const;
export type WordOrder = (typeof WORD_ORDERS)[number];

export const RegisterEntrySchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$',
      description: 'Key of the value in the decoded record.',
    }),
    offset: Type.Integer({
      minimum: 0,
      maximum: 124,
      description: 'Register index within the polled block (0 is the first register read).',
    }),
    type: literalUnion(REGISTER_TYPES, {
      description: 'u16/i16 take one register, u32/i32/f32 two, bool one bit of one register.',
    }),
    bit: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 15, description: 'For bool: 0 is the least significant bit.' }),
    ),
    word_order: Type.Optional(
      literalUnion(WORD_ORDERS, {
        description:
          '32-bit types: big (the default) puts the high word in the first register, little the low word.',
      }),
    ),
    scale: Type.Optional(Type.Number({ description: 'Multiplies the raw value (numbers only).' })),
    offset_value: Type.Optional(Type.Number({ description: 'Added after scaling (numbers only).' })),
    unit: Type.Optional(Type.String({ maxLength: 32, description: 'Engineering unit, for display.' })),
  },
  { additionalProperties: false },
);

export type RegisterEntry = Static<typeof RegisterEntrySchema>;

/** Every entry of a map; the map decodes one poll of up to 125 registers. */
export const MAX_REGISTER_ENTRIES = 512;
