import { HUMBLE_MESSAGES, PRE_IRON_DISTROS } from './humble.js';
import { BUILTIN_INTERFACES, STD_MSGS } from './builtin-interfaces.js';
import { GEOMETRY_MSGS } from './geometry-msgs.js';
import { DIAGNOSTIC_MSGS, NAV_MSGS, RMW_DDS_COMMON, TF2_MSGS } from './other-msgs.js';
import { SENSOR_MSGS } from './sensor-msgs.js';

/**
 * The message definitions the gateway knows without a ROS 2 install, by canonical type name.
 * Kept as TypeScript strings rather than .msg files so the compiled gateway carries them.
 */
export const BUILTIN_MESSAGES: Readonly<Record<string, string>> = Object.freeze({
  ...BUILTIN_INTERFACES,
  ...STD_MSGS,
  ...GEOMETRY_MSGS,
  ...SENSOR_MSGS,
  ...NAV_MSGS,
  ...DIAGNOSTIC_MSGS,
  ...TF2_MSGS,
  ...RMW_DDS_COMMON,
});

/**
 * The built-in definitions for a ROS distro (`ROS_DISTRO`): Jazzy's unless the distro predates
 * Iron, where the few types whose wire form changed are swapped for their older form.
 */
export function builtinMessagesFor(distro: string | undefined): Readonly<Record<string, string>> {
  if (distro === undefined || !PRE_IRON_DISTROS.has(distro.toLowerCase())) return BUILTIN_MESSAGES;
  return Object.freeze({ ...BUILTIN_MESSAGES, ...HUMBLE_MESSAGES });
}
