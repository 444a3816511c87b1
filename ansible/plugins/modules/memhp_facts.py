#!/usr/bin/python
# SPDX-License-Identifier: GPL-2.0-or-later
"""memhp_facts: memhp's view of a host's hotplug memory as facts."""

DOCUMENTATION = r'''
---
module: memhp_facts
short_description: Gather memory hotplug facts from memhp
description:
  - Runs C(memhp --json) for each part asked for and returns its documents,
    as memhp printed them, under the C(memhp) fact
    (C(ansible_facts.memhp.list), C(.summary), C(.devices), C(.policy),
    C(.doctor)).
  - The keys and their types are those of memhp-json(7), schema 1.
  - Reads only; never changes anything.
version_added: 1.0.0
author:
  - memhp developers
options:
  gather:
    description:
      - Which of memhp's documents to gather.
      - C(list) is C(memhp list), its block ranges with their states, nodes and
        zones (one entry per block with I(list_all)); C(summary) is
        C(memhp summary); C(devices) the ACPI memory devices (DIMMs);
        C(policy) the onlining policy and the agents that online memory;
        C(doctor) memhp's checks of whether hotplug works on the host.
    type: list
    elements: str
    choices: [list, summary, devices, policy, doctor]
    default: [list, summary, devices, policy, doctor]
  list_all:
    description:
      - Gather C(memhp list --all), one range per block, rather than the
        merged ranges.
    type: bool
    default: false
extends_documentation_fragment:
  - memhp.memhp.memhp
attributes:
  check_mode:
    support: full
notes:
  - C(memhp doctor) exits 1 when a check fails; its document is gathered
    all the same (its C(status) says C(fail)).
'''

EXAMPLES = r'''
- name: Gather memhp facts
  memhp.memhp.memhp_facts:

- name: Only the summary and the policy
  memhp.memhp.memhp_facts:
    gather: [summary, policy]

- name: Show how much memory is online on each node
  ansible.builtin.debug:
    msg: "{{ ansible_facts.memhp.summary.summary.nodes
             | items2dict(key_name='node', value_name='online') }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts added to the host's facts.
  returned: always
  type: dict
  contains:
    memhp:
      description:
        - One key per part gathered, each holding memhp's JSON document for
          it unchanged (memhp-json(7)).
      returned: always
      type: dict
      contains:
        list:
          description: The document of C(memhp list --json) (C(ranges), C(summary), C(block_size)).
          returned: when gathered
          type: dict
        summary:
          description: The document of C(memhp summary --json) (C(summary), C(policy), C(module)).
          returned: when gathered
          type: dict
        devices:
          description: The document of C(memhp devices --json) (C(acpi_hotplug), C(devices)).
          returned: when gathered
          type: dict
        policy:
          description: The document of C(memhp policy --json) (C(policy), C(agents), C(auto_online)).
          returned: when gathered
          type: dict
        doctor:
          description: The document of C(memhp doctor --json) (C(status), C(checks), C(hotplug)).
          returned: when gathered
          type: dict
  sample:
    memhp:
      summary:
        schema: 1
        block_size: 134217728
        summary: {online: 4294967296, offline: 1073741824, blocks: 40, nodes: []}
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.memhp.memhp.plugins.module_utils.memhp import (  # noqa: E402
    COMMON_ARGS, EXIT_DONE, EXIT_FAILED, run_memhp)

PARTS = ['list', 'summary', 'devices', 'policy', 'doctor']


def main():
    """Gathers the documents asked for."""
    argument_spec = dict(COMMON_ARGS)
    argument_spec.update(
        gather={'type': 'list', 'elements': 'str', 'choices': PARTS,
                'default': PARTS},
        list_all={'type': 'bool', 'default': False},
    )
    module = AnsibleModule(argument_spec=argument_spec,
                           supports_check_mode=True)
    facts = {}
    for part in module.params['gather']:
        args = [part]
        ok_codes = (EXIT_DONE,)
        if part == 'list' and module.params['list_all']:
            args.append('--all')
        if part == 'doctor':
            ok_codes = (EXIT_DONE, EXIT_FAILED)
        rc, doc, err, argv = run_memhp(module, args, ok_codes)
        if rc not in ok_codes or doc is None:
            module.fail_json(msg='memhp %s failed (exit %d): %s'
                             % (part, rc, err.strip()), rc=rc, cmd=argv)
        facts[part] = doc
    module.exit_json(changed=False, ansible_facts={'memhp': facts})


if __name__ == '__main__':
    main()
