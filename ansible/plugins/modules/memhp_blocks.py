#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
"""memhp_blocks: memory blocks online or offline, through memhp."""

DOCUMENTATION = r'''
---
module: memhp_blocks
short_description: Put memory blocks online or offline with memhp
description:
  - Brings the chosen memory blocks into I(state) with C(memhp online) or
    C(memhp offline) and reads memhp's JSON report of each block.
  - Idempotent through memhp itself, which leaves a block already in the
    asked state alone and reports it C(unchanged); the task is C(changed)
    only when memhp reports a block it changed (result C(ok)).
  - Check mode runs memhp with C(--dry-run), which writes nothing; the task
    is C(changed) when a planned block is not in I(state) yet.
  - Diff mode shows the blocks that change (or would change), one line each,
    before and after.
  - A failure carries memhp's reason for each block that failed, in C(msg)
    and in C(failed_blocks).
version_added: 1.0.0
author:
  - memhp developers
options:
  state:
    description:
      - The state the blocks must be in.
    type: str
    required: true
    choices: [online, offline]
  blocks:
    description:
      - The blocks, each item a memhp selector naming blocks, that is an id (C(32)),
        a list of ids and id ranges (C(32-39,41)), a block name
        (C(memory32)) or a physical address range aligned to the block size
        (C(0x100000000-0x13fffffff)).
      - One of I(blocks), I(size) and I(owner) is required; I(blocks) and
        I(size) exclude each other.
    type: list
    elements: str
  size:
    description:
      - How much memory must be in I(state), with a unit (C(512M), C(1G),
        C(2T); binary units) or in bytes, counted over the blocks I(node)
        (and, for C(online), I(zone)) narrow to.
      - Only the shortfall is asked of memhp, rounded up to whole blocks
        (which blocks memhp takes for a size is memhp-online(8)'s rule);
        with enough memory already in I(state) nothing is done, so the task
        is idempotent.
    type: str
  node:
    description:
      - Only blocks on this NUMA node.
    type: int
  owner:
    description:
      - Only blocks this owner added (C(memhp list -o +OWNER)) - boot
        memory, an ACPI DIMM, a virtio-mem device, dax/kmem or memhp.ko.
      - Alone (no I(blocks), no I(size)), every block of that owner.
      - memhp tells dax/kmem and virtio-mem apart from /proc/iomem, which
        only root reads in full.
    type: str
    choices: [boot, acpi-dimm, virtio-mem, dax-kmem, memhp, unknown]
  zone:
    description:
      - With I(state=online), the zone to online into - C(movable), C(normal)
        or C(kernel), C(auto) (the kernel's policy decides; memhp's default)
        or a zone name (C(Movable), C(Normal), C(DMA32)); memory that must be
        unpluggable later belongs in C(movable).
      - With I(state=offline), only blocks in this zone (a whole zone name,
        C(Movable)).
    type: str
  atomic:
    description:
      - All or nothing; at the first failure memhp puts back every block it
        changed, and the task fails with nothing changed.
    type: bool
    default: false
  timeout:
    description:
      - Seconds memhp retries a busy block (memhp's C(--timeout); its default
        is 30, C(0) is no limit).
    type: int
extends_documentation_fragment:
  - memhp.memhp.memhp
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - memhp takes its own lock, so two tasks on one host never change the same
    blocks at once.
  - Exit statuses are memhp's (memhp(8)); 64 (partial success) fails the
    task with C(changed) set, since some blocks did change.
'''

EXAMPLES = r'''
- name: Online a hot-plugged DIMM into ZONE_MOVABLE, all or nothing
  memhp.memhp.memhp_blocks:
    blocks: ['32-39']
    state: online
    zone: movable
    atomic: true

- name: Keep at least 2G of node 1's memory offline
  memhp.memhp.memhp_blocks:
    size: 2G
    node: 1
    state: offline
    timeout: 120

- name: Online the memory dax/kmem added (daxctl --no-online), removable
  memhp.memhp.memhp_blocks:
    owner: dax-kmem
    state: online
    zone: movable

- name: Take a physical range offline
  memhp.memhp.memhp_blocks:
    blocks: ['0x100000000-0x13fffffff']
    state: offline
  register: off

- name: Show each block's result
  ansible.builtin.debug:
    msg: "{{ off.blocks | map(attribute='result') | list }}"
'''

RETURN = r'''
blocks:
  description:
    - memhp's report of each block it planned or tried, in the order it
      went (memhp-json(7)); empty when nothing had to be asked of memhp.
  returned: always
  type: list
  elements: dict
  sample:
    - {block: 37, start: 4966055936, from: online, to: offline, zone: Movable,
       result: ok, errno: null, error: null, attempts: 1}
changed_blocks:
  description: The ids of the blocks that changed (in check mode, that would change).
  returned: always
  type: list
  elements: int
  sample: [36, 37]
failed_blocks:
  description: The blocks that failed, each as memhp reported it, with C(errno) and C(error), memhp's reason.
  returned: always
  type: list
  elements: dict
totals:
  description: How many blocks ended in each result (C(ok), C(unchanged), C(failed), C(rolled_back), C(skipped), C(planned), C(passed_over)).
  returned: when memhp was run
  type: dict
rc:
  description: memhp's exit status (0 done, 1 failed, 2 invalid input, 64 partial success).
  returned: when memhp was run
  type: int
cmd:
  description: The memhp command line run.
  returned: when memhp was run
  type: list
  elements: str
'''

import re  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.memhp.memhp.plugins.module_utils.memhp import (  # noqa: E402
    COMMON_ARGS, EXIT_DONE, run_memhp)

UNITS = {'': 0, 'K': 10, 'M': 20, 'G': 30, 'T': 40, 'P': 50}
KERNEL_ZONES = ('DMA', 'DMA32', 'Normal')


def parse_size(module, text):
    """Bytes from '512M', '1G', '1GiB' or a plain number of bytes."""
    match = re.match(r'^\s*(\d+)\s*([KMGTP]?)(?:i?B)?\s*$', text, re.I)
    if not match or int(match.group(1)) == 0:
        module.fail_json(msg='size %r: a positive number with an optional '
                         'unit (K, M, G, T, P) was expected' % text)
    return int(match.group(1)) << UNITS[match.group(2).upper()]


def zone_matches(asked, current):
    """An online block's zone is the one asked (None or auto: any)."""
    if asked is None or asked.lower() == 'auto':
        return True
    if asked.lower() == 'movable':
        return current == 'Movable'
    if asked.lower() in ('normal', 'kernel'):
        return current in KERNEL_ZONES
    return current == asked


def in_state(params, blk):
    """Is this list --all entry already as the size asks?"""
    if params['node'] is not None and blk.get('node') != params['node']:
        return False
    if params['owner'] is not None and blk.get('owner') != params['owner']:
        return False
    if blk.get('state') != params['state']:
        return False
    if params['state'] == 'online':
        zones = blk.get('zones') or [None]
        return zone_matches(params['zone'], zones[0])
    return True


def size_selector(module, params):
    """The size still to ask of memhp, as a selector; None when none is."""
    want = parse_size(module, params['size'])
    dummy_rc, doc, dummy_err, dummy_argv = run_memhp(module, ['list', '--all'])
    block_size = doc['block_size']
    have = sum(r['size'] for r in doc['ranges'] if in_state(params, r))
    if have >= want:
        return None, want, have
    short = -(-(want - have) // block_size) * block_size
    return '%dK' % (short >> 10), want, have


def block_line(blk, zone):
    """One line of the diff."""
    if zone:
        return 'memory%d %s (%s)\n' % (blk['block'], blk['state'], zone)
    return 'memory%d %s\n' % (blk['block'], blk['state'])


def make_diff(changing, params):
    """before/after: the blocks that change, one line each."""
    before, after = '', ''
    for blk in changing:
        old_zone = blk.get('zone') if blk['from'] == 'online' else None
        if params['state'] == 'online':
            new_zone = blk.get('zone') or params['zone']
        else:
            new_zone = None
        before += block_line({'block': blk['block'], 'state': blk['from']},
                             old_zone)
        after += block_line({'block': blk['block'], 'state': blk['to']},
                            new_zone)
    return {'before': before, 'after': after,
            'before_header': 'memory blocks', 'after_header': 'memory blocks'}


def failure_message(params, doc, failed):
    """memhp's per-block reasons as one message."""
    reasons = '; '.join('block %d: %s' % (b['block'], b.get('error') or
                                          'failed (errno %s)' % b.get('errno'))
                        for b in failed)
    totals = doc.get('totals', {})
    msg = 'memhp %s: %d block(s) failed' % (params['state'], len(failed))
    if reasons:
        msg += ': ' + reasons
    if totals.get('rolled_back'):
        msg += ' (%d put back: nothing changed)' % totals['rolled_back']
    if totals.get('skipped'):
        msg += ' (%d not tried)' % totals['skipped']
    if doc.get('interrupted'):
        msg += ' (stopped by %s)' % doc['interrupted']
    return msg


def choose_selectors(module, result):
    """memhp's selectors; with a size already met, the task ends here."""
    params = module.params
    if params['size'] is not None:
        selector, want, have = size_selector(module, params)
        if selector is None:
            module.exit_json(msg='%d bytes %s already (%d asked)'
                             % (have, params['state'], want), **result)
        return [selector]
    selectors = params['blocks']
    if selectors is None and params['owner'] is not None:
        return []
    if not selectors or any(not s.strip() for s in selectors):
        module.fail_json(msg='blocks: every item must name blocks')
    return selectors


def memhp_args(module, selectors):
    """memhp online/offline's arguments."""
    params = module.params
    args = [params['state']]
    if params['zone']:
        args += ['--zone', params['zone']]
    if params['node'] is not None:
        args += ['--node', str(params['node'])]
    if params['owner'] is not None:
        args += ['--owner', params['owner']]
    if params['atomic']:
        args.append('--atomic')
    if params['timeout'] is not None:
        args += ['--timeout', str(params['timeout'])]
    if module.check_mode:
        args.append('--dry-run')
    # selectors are operands, never options
    args.append('--')
    return args + selectors


def main():
    """Runs memhp online/offline and reports what it changed."""
    argument_spec = dict(COMMON_ARGS)
    argument_spec.update(
        state={'type': 'str', 'required': True,
               'choices': ['online', 'offline']},
        blocks={'type': 'list', 'elements': 'str'},
        size={'type': 'str'},
        node={'type': 'int'},
        owner={'type': 'str', 'choices': ['boot', 'acpi-dimm', 'virtio-mem',
                                          'dax-kmem', 'memhp', 'unknown']},
        zone={'type': 'str'},
        atomic={'type': 'bool', 'default': False},
        timeout={'type': 'int'},
    )
    module = AnsibleModule(argument_spec=argument_spec,
                           mutually_exclusive=[('blocks', 'size')],
                           required_one_of=[('blocks', 'size', 'owner')],
                           supports_check_mode=True)
    params = module.params
    result = {'changed': False, 'blocks': [], 'changed_blocks': [],
              'failed_blocks': []}

    selectors = choose_selectors(module, result)
    rc, doc, err, argv = run_memhp(module, memhp_args(module, selectors))
    result.update(rc=rc, cmd=argv)
    if doc is None:
        module.fail_json(msg='memhp printed no report (exit %d): %s'
                         % (rc, err.strip()), **result)
    blocks = doc.get('blocks', [])
    if module.check_mode:
        changing = [b for b in blocks
                    if b['result'] == 'planned' and b['from'] != b['to']]
    else:
        changing = [b for b in blocks if b['result'] == 'ok']
    failed = [b for b in blocks if b['result'] == 'failed']
    result.update(changed=bool(changing), blocks=blocks,
                  changed_blocks=[b['block'] for b in changing],
                  failed_blocks=failed, totals=doc.get('totals', {}))
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = make_diff(changing, params)
    if rc != EXIT_DONE or failed or doc.get('exit', rc) != EXIT_DONE:
        module.fail_json(msg=failure_message(params, doc, failed), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
