import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMessageRegistry, readMsgSources } from './msg-files.js';

let root: string;

async function put(path: string, text: string): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), text);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cxp-msgs-'));
  // A share/ layout with two packages, a package without messages, a file that does not parse,
  // a file that is not a .msg, and a directory that ends in .msg.
  await put('ws/share/robot_msgs/msg/Status.msg', 'uint8 OK=0\nuint8 level\nstring text\n');
  await put('ws/share/robot_msgs/msg/Report.msg', 'std_msgs/Header header\nStatus[] items\n');
  await put('ws/share/robot_msgs/msg/Broken.msg', 'int32 x\nthis is not a field\n');
  await put('ws/share/robot_msgs/msg/README.md', '# not a message\n');
  await mkdir(join(root, 'ws/share/robot_msgs/msg/Dir.msg'), { recursive: true });
  await put('ws/share/robot_msgs/package.xml', '<package/>\n');
  await put('ws/share/no_msgs/package.xml', '<package/>\n');
  await put('ws/share/cell_msgs/msg/Cell.msg', 'float32 voltage\n');
  // A flat directory of one package's files, one of them a symlink (colcon --symlink-install).
  await put('flat/Job.msg', 'string id\nuint32 copies 1\n');
  await put('elsewhere/Label.msg', 'string text\n');
  await symlink(join(root, 'elsewhere/Label.msg'), join(root, 'flat/Label.msg'));
  // Two install prefixes: an overlay and an underlay that both define a type.
  await put('overlay/share/robot_msgs/msg/Status.msg', 'uint8 level\nstring text\nstring source\n');
  await put('underlay/share/std_msgs/msg/String.msg', '# as in ROS 2\nstring data\n');
  await put('underlay/share/rmw_dds_common/msg/Gid.msg', 'char[24] data\n');
  await put('big/huge_msgs/msg/Huge.msg', `# ${'x'.repeat(2000)}\nint32 x\n`);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('readMsgSources', () => {
  it('reads a pkg/msg/*.msg layout, skipping what is not a message file', async () => {
    const { sources, problems } = await readMsgSources({ directories: [{ path: join(root, 'ws/share') }] });
    expect(sources.map((s) => s.type)).toEqual([
      'cell_msgs/msg/Cell',
      'robot_msgs/msg/Broken',
      'robot_msgs/msg/Report',
      'robot_msgs/msg/Status',
    ]);
    expect(sources[3]?.origin).toBe(join(root, 'ws/share/robot_msgs/msg/Status.msg'));
    expect(problems).toEqual([
      { origin: join(root, 'ws/share/robot_msgs/msg/Dir.msg'), message: 'not a regular file' },
    ]);
  });

  it('reads a flat directory for a named package, following symlinks', async () => {
    const { sources, problems } = await readMsgSources({
      directories: [{ path: join(root, 'flat'), package: 'print_msgs' }],
    });
    expect(problems).toEqual([]);
    expect(sources.map((s) => [s.type, s.text])).toEqual([
      ['print_msgs/msg/Job', 'string id\nuint32 copies 1\n'],
      ['print_msgs/msg/Label', 'string text\n'],
    ]);
  });

  it('reports directories that are not there and files that are too large', async () => {
    const { problems } = await readMsgSources({
      directories: [
        { path: join(root, 'missing') },
        { path: join(root, 'nope'), package: 'x_msgs' },
        { path: join(root, 'big') },
      ],
      amentPrefixPath: join(root, 'no-prefix'),
      maxFileBytes: 1000,
    });
    expect(problems.map((p) => p.origin)).toEqual([
      join(root, 'no-prefix/share'),
      join(root, 'missing'),
      join(root, 'nope'),
      join(root, 'big/huge_msgs/msg/Huge.msg'),
    ]);
    expect(problems[0]?.message).toContain('cannot read directory');
    expect(problems[3]?.message).toContain('more than the 1000 allowed');
  });

  it('orders sources so the first ament prefix and the last config directory win', async () => {
    const { sources } = await readMsgSources({
      amentPrefixPath: [join(root, 'overlay'), join(root, 'underlay')].join(delimiter),
      directories: [{ path: join(root, 'ws/share') }],
    });
    expect(sources.map((s) => s.origin.slice(root.length + 1))).toEqual([
      'underlay/share/rmw_dds_common/msg/Gid.msg',
      'underlay/share/std_msgs/msg/String.msg',
      'overlay/share/robot_msgs/msg/Status.msg',
      'ws/share/cell_msgs/msg/Cell.msg',
      'ws/share/robot_msgs/msg/Broken.msg',
      'ws/share/robot_msgs/msg/Report.msg',
      'ws/share/robot_msgs/msg/Status.msg',
    ]);
  });
});

describe('loadMessageRegistry', () => {
  it('builds over the built-ins, reporting files that do not parse and overrides', async () => {
    const { registry, problems, notes } = await loadMessageRegistry({
      amentPrefixPath: [join(root, 'overlay'), join(root, 'underlay')].join(delimiter),
      directories: [{ path: join(root, 'flat'), package: 'print_msgs' }],
    });
    expect(problems).toEqual([]);
    expect(registry.has('print_msgs/msg/Label')).toBe(true);
    expect(registry.has('robot_msgs/msg/Status')).toBe(true);
    // std_msgs/String is the same as the built-in (only a comment differs): no note.
    expect(notes.map((n) => n.type)).toEqual(['rmw_dds_common/msg/Gid']);
    expect(registry.source('rmw_dds_common/msg/Gid')?.text).toBe('char[24] data\n');
  });

  it('skips a broken file, keeps the rest and the built-ins', async () => {
    const { registry, problems } = await loadMessageRegistry({
      directories: [{ path: join(root, 'ws/share') }],
    });
    expect(problems.map((p) => p.origin)).toEqual([
      join(root, 'ws/share/robot_msgs/msg/Dir.msg'),
      join(root, 'ws/share/robot_msgs/msg/Broken.msg'),
    ]);
    expect(registry.resolve('robot_msgs/Report').ok).toBe(true);
    expect(registry.has('robot_msgs/msg/Broken')).toBe(false);
    expect(registry.has('sensor_msgs/msg/Imu')).toBe(true);
  });

  it('works with no options at all', async () => {
    const { registry, problems } = await loadMessageRegistry();
    expect(problems).toEqual([]);
    expect(registry.types().length).toBeGreaterThan(50);
  });
});
