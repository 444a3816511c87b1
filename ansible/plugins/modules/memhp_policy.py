#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
"""memhp_policy: the kernel's memory onlining policy, through memhp."""

DOCUMENTATION = r'''
---
module: memhp_policy
short_description: Set the kernel's memory onlining policy with memhp
description:
  - Reads the policy with C(memhp policy --json) and sets the knobs that
    differ from what is asked with C(memhp policy KEY=VALUE ...), which
    checks every value before it writes any and puts back the ones written
    if a later write fails.
  - Idempotent; knobs already as asked are not written, and the task is
    C(changed) only when memhp reports a knob whose value changed.
  - Check mode reads the policy and writes nothing.
  - Diff mode shows the policy before and after.
  - A knob left unset here is left as it is.
version_added: 1.0.0
author:
  - memhp developers
options:
  auto_online_blocks:
    description:
      - What the kernel does with hot-added memory itself; C(offline) leaves
        it to memhp (or to memhp's auto-online rule), the others online it
        at once (C(online_movable) into ZONE_MOVABLE).
    type: str
    choices: [offline, online, online_kernel, online_movable]
  online_policy:
    description:
      - Where the kernel puts memory onlined without a zone.
    type: str
    choices: [contig-zones, auto-movable]
  auto_movable_ratio:
    description:
      - With I(online_policy=auto-movable), the percent of Movable to kernel
        memory it allows.
    type: int
  auto_movable_numa_aware:
    description:
      - With I(online_policy=auto-movable), whether the ratio holds per node.
    type: bool
extends_documentation_fragment:
  - memhp.memhp.memhp
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
notes:
  - The settings are the running kernel's and last until it reboots; memhp
    sets them at runtime only and keeps no configuration of its own for
    them, so this module offers no persistence. To keep them across
    reboots, set the kernel's boot parameters (C(memhp_default_state=),
    C(memory_hotplug.online_policy=), C(memory_hotplug.auto_movable_ratio=))
    or run this module at every boot.
  - C(memmap_on_memory) is a boot parameter; memhp only shows it (in the
    returned C(policy)).
  - A knob the running kernel lacks fails the task when it is asked for.
'''

EXAMPLES = r'''
- name: Leave hot-added memory offline for memhp's auto-online rule
  memhp.memhp.memhp_policy:
    auto_online_blocks: offline

- name: Let the kernel balance Movable and kernel memory
  memhp.memhp.memhp_policy:
    online_policy: auto-movable
    auto_movable_ratio: 301
    auto_movable_numa_aware: true
'''

RETURN = r'''
policy:
  description: The policy after the task (before it in check mode, with the
    asked values), as C(memhp policy --json) prints it; a knob the kernel
    lacks is absent.
  returned: always
  type: dict
  sample: {auto_online_blocks: offline, online_policy: contig-zones,
           auto_movable_ratio: 301, auto_movable_numa_aware: true,
           memmap_on_memory: false}
agents:
  description: What onlines hot-added memory on its own (the kernel's knob,
    udev rules), as memhp reports it.
  returned: always
  type: list
  elements: dict
changes:
  description: The knobs memhp wrote, with the values before and after as
    the kernel prints them (C(key), C(from), C(to)); in check mode, the
    knobs it would write.
  returned: always
  type: list
  elements: dict
  sample: [{key: auto_online_blocks, from: online, to: offline}]
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.memhp.memhp.plugins.module_utils.memhp import (  # noqa: E402
    COMMON_ARGS, run_memhp)

KNOBS = ('auto_online_blocks', 'online_policy', 'auto_movable_ratio',
         'auto_movable_numa_aware')


def memhp_value(value):
    """A value as memhp policy KEY=VALUE takes it."""
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return str(value)


def main():
    """Reads the policy, writes the knobs that differ."""
    argument_spec = dict(COMMON_ARGS)
    argument_spec.update(
        auto_online_blocks={'type': 'str', 'choices': [
            'offline', 'online', 'online_kernel', 'online_movable']},
        online_policy={'type': 'str',
                       'choices': ['contig-zones', 'auto-movable']},
        auto_movable_ratio={'type': 'int'},
        auto_movable_numa_aware={'type': 'bool'},
    )
    module = AnsibleModule(argument_spec=argument_spec,
                           supports_check_mode=True)
    dummy_rc, doc, dummy_err, dummy_argv = run_memhp(module, ['policy'])
    before = doc.get('policy', {})
    todo = []
    for key in KNOBS:
        want = module.params[key]
        if want is None:
            continue
        if key not in before:
            module.fail_json(msg='%s: the kernel has no such knob (memhp '
                             'policy does not show it)' % key, policy=before)
        if before[key] != want:
            todo.append({'key': key, 'from': memhp_value(before[key]),
                         'to': memhp_value(want)})
    result = {'changed': False, 'policy': before,
              'agents': doc.get('agents', []), 'changes': []}
    after = dict(before)
    if todo and module.check_mode:
        for change in todo:
            after[change['key']] = module.params[change['key']]
        result.update(changed=True, policy=after, changes=todo)
    elif todo:
        dummy_rc, doc, dummy_err, dummy_argv = run_memhp(
            module, ['policy'] + ['%s=%s' % (c['key'], c['to']) for c in todo])
        if doc is None:
            module.fail_json(msg='memhp policy printed no report', **result)
        after = doc.get('policy', {})
        changes = [c for c in doc.get('changed', []) if c['from'] != c['to']]
        result.update(changed=bool(changes), policy=after,
                      agents=doc.get('agents', []), changes=changes)
    if module._diff:  # pylint: disable=protected-access
        result['diff'] = {'before': before, 'after': after}
    module.exit_json(**result)


if __name__ == '__main__':
    main()
