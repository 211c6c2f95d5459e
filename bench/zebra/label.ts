/**
 * The label both paths print: a 4x6 in (812 x 1218 dots at 203 dpi) parcel label with sender and
 * recipient text, a Code 128 tracking barcode and a QR code, as a template with placeholders. The
 * baseline gets the very bytes the gateway sends: rendered here by the driver's own template
 * compiler (hex-escaping, ^FH and ^CI28 added) and `setCopies`.
 */
import { compileTemplate, type CompiledTemplate } from '../../devices/zebra/template.js';
import { setCopies } from '../../devices/zebra/zpl.js';

export const TEMPLATE_NAME = 'parcel_4x6';

export const LABEL_TEMPLATE = [
  '^XA',
  '^PW812^LL1218^LH0,0',
  '^FO24,24^GB764,1170,4^FS',
  '^FO48,48^A0N,26,26^FD{{sender}}^FS',
  '^FO48,80^A0N,26,26^FD{{sender_city}}^FS',
  '^FO24,124^GB764,0,4^FS',
  '^FO48,148^A0N,30,30^FDDELIVER TO^FS',
  '^FO48,190^A0N,52,52^FD{{name}}^FS',
  '^FO48,252^A0N,40,40^FD{{street}}^FS',
  '^FO48,300^A0N,40,40^FD{{city}}^FS',
  '^FO24,372^GB764,0,4^FS',
  '^FO70,410^BY3^BCN,210,Y,N,N^FD{{tracking}}^FS',
  '^FO24,700^GB764,0,4^FS',
  '^FO48,730^A0N,36,36^FDREF {{order}}^FS',
  '^FO48,780^A0N,36,36^FD{{item}}^FS',
  '^FO540,730^BQN,2,6^FDLA,{{url}}^FS',
  '^XZ',
].join('\n');

let compiled: CompiledTemplate | undefined;

function template(): CompiledTemplate {
  if (compiled) return compiled;
  const result = compileTemplate(TEMPLATE_NAME, LABEL_TEMPLATE);
  if (!result.ok) throw new Error(`bench template refused: ${result.error.message}`);
  compiled = result.value;
  return compiled;
}

/**
 * The variables of label `i`: all different per label, with values that need escaping (non-ASCII
 * names, an underscore, an ampersand) so the escaping is exercised on every label.
 */
export function labelVariables(i: number): Record<string, string> {
  const n = String(i).padStart(5, '0');
  const names = ['Jürgen Weiß', 'Ana Muñoz', 'Zoë Dubois', 'Åsa Lindqvist'];
  return {
    sender: 'Bench DC 2',
    sender_city: 'Dock 4, 4020 Linz',
    name: names[i % names.length] ?? 'Receiver',
    street: `Hafenstraße ${(i % 180) + 1}`,
    city: `${10_000 + ((i * 37) % 89_999)} Graz`,
    tracking: `BX${(918_000_000 + i * 7919).toString()}AT`,
    order: `SO_${n}`,
    item: `Tote & lid, blue, ${(i % 4) + 1} pcs`,
    url: `https://track.example.invalid/p/BX${n}`,
  };
}

/** The ZPL the gateway prints for label i (copies applied like print.submit does). */
export function renderLabel(i: number, copies = 1): string {
  const rendered = template().render(labelVariables(i));
  if (!rendered.ok) throw new Error(`label ${i} not rendered: ${rendered.error.message}`);
  return copies === 1 ? rendered.value : setCopies(rendered.value, copies);
}
